package io.corral.cli.frameworks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.cli.ClusterLocator;
import io.corral.cli.ClusterOptions;
import io.corral.frameworks.common.FrameworkPaths;
import io.corral.frameworks.common.LeaderElection;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;

/**
 * A client of a built-in framework's REST API ({@code corral app}, {@code corral job}): finds the leading process
 * (an explicit URL, else the framework's environment variable, else its leader latch in the cluster's ZooKeeper),
 * authenticates as the other CLI commands do ({@link ClusterLocator.Target#authorize}), follows a standby's 307, and
 * turns refusals into a {@link RefusedException} carrying the server's message and field errors.
 *
 * <p>Threading: one command's; not shared.
 */
public final class FrameworkApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 3;

    /** The server refused the request: its status, message and (422) the fields it named. */
    public static final class RefusedException extends RuntimeException {
        private final int status;
        private final JsonNode body;

        RefusedException(int status, String message, JsonNode body) {
            super(message);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }

    private final ClusterLocator.Target target;
    private final HttpClient http;
    /** Finds the current leader again (through ZooKeeper), when the API was found that way. */
    private final Optional<java.util.function.Supplier<Optional<String>>> leaderFinder;
    private String base;

    private FrameworkApi(ClusterLocator.Target target, String base,
                         Optional<java.util.function.Supplier<Optional<String>>> leaderFinder) {
        this.target = target;
        this.http = target.httpClient(Duration.ofSeconds(5));
        this.base = base.replaceAll("/+$", "");
        this.leaderFinder = leaderFinder;
    }

    /**
     * The API of framework {@code name} ({@code services}, {@code jobs}).
     *
     * @param explicitUrl the {@code --services}/{@code --jobs} flag, or null
     * @param envVariable e.g. {@code CORRAL_SERVICES}
     */
    public static FrameworkApi locate(ClusterLocator locator, ClusterOptions cluster, String name, String explicitUrl,
                                      String envVariable, Function<String, String> environment) {
        Optional<String> url = Optional.ofNullable(explicitUrl).filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(environment.apply(envVariable)).filter(s -> !s.isBlank()));
        ClusterLocator.Target target;
        try {
            target = locator.resolve(cluster);
        } catch (ClusterLocator.ClusterException e) {
            if (url.isEmpty()) {
                throw e;
            }
            target = new ClusterLocator.Target("--" + name, Optional.empty(), Optional.empty());
        }
        if (url.isPresent()) {
            return new FrameworkApi(target, url.get(), Optional.empty());
        }
        Optional<ZkUrl> zk = target.zk();
        if (zk.isEmpty()) {
            throw new ClusterLocator.ClusterException("cannot find the " + name + " framework from a master URL alone:"
                    + " pass --zk (its leader is found in ZooKeeper), or --" + name + " URL, or set " + envVariable,
                    ClusterLocator.EXIT_USAGE);
        }
        ClusterLocator.Target found = target;
        java.util.function.Supplier<Optional<String>> leaderFinder = () -> findLeader(zk.get(), name);
        return new FrameworkApi(found, leaderFinder.get().orElseThrow(() -> new ClusterLocator.ClusterException(
                "no " + name + " process runs on the cluster at " + found.describe() + " (start one with `corral "
                        + name + "`)", ClusterLocator.EXIT_UNREACHABLE)), Optional.of(leaderFinder));
    }

    private static Optional<String> findLeader(ZkUrl zk, String name) {
        try (CuratorFramework curator = ZkClients.connect(zk, Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            return LeaderElection.findLeader(curator, FrameworkPaths.of(zk.rootPath(), name));
        }
    }

    /**
     * Looks for the framework's leader again (after its process died: a standby takes over at another URL); true
     * when one was found. Only an API found through ZooKeeper can; one given a URL keeps it.
     */
    public boolean findLeaderAgain() {
        if (leaderFinder.isEmpty()) {
            return false;
        }
        try {
            Optional<String> leader = leaderFinder.get().get();
            leader.ifPresent(url -> base = url.replaceAll("/+$", ""));
            return leader.isPresent();
        } catch (RuntimeException zooKeeperTrouble) {
            return false;
        }
    }

    /** GET, answered 200: the JSON body. */
    public JsonNode get(String path) throws InterruptedException {
        return send("GET", path, null);
    }

    /** A request with a JSON body (or none); the answer's JSON body when 2xx, else a RefusedException. */
    public JsonNode send(String method, String path, JsonNode body) throws InterruptedException {
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            URI uri = URI.create(base + path);
            HttpRequest.Builder request = target.authorize(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body.toString())));
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ClusterLocator.ClusterException("cannot reach " + base + ": " + (e.getMessage() == null
                        ? e.getClass().getSimpleName() : e.getMessage()), ClusterLocator.EXIT_UNREACHABLE);
            }
            if (response.statusCode() == 307) {
                URI location = uri.resolve(response.headers().firstValue("Location").orElse(path));
                base = location.getScheme() + "://" + location.getRawAuthority();
                continue;
            }
            JsonNode json = parse(response.body());
            if (response.statusCode() / 100 != 2) {
                String message = json.path("message").asText(response.body().isBlank()
                        ? "HTTP " + response.statusCode() : response.body().strip());
                if (response.statusCode() == 401) {
                    message += " (pass --credential FILE or a token: see `corral token create`)";
                }
                throw new RefusedException(response.statusCode(), message, json);
            }
            return json;
        }
        throw new ClusterLocator.ClusterException("more than " + MAX_REDIRECTS + " redirects from " + base
                + ": the framework's processes disagree about their leader", ClusterLocator.EXIT_UNREACHABLE);
    }

    /** The leader's URL this client ended up at. */
    public String base() {
        return base;
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", body.strip());
        }
    }
}
