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
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;

/**
 * A client of a built-in framework's REST API: finds the leading process (the lowest participant of its leader
 * latch in ZooKeeper, through the CLI's usual cluster discovery) unless given its URL, authenticates as the other
 * CLI commands do, follows a standby's 307, and turns error answers into {@link Failure}s with a message and the
 * exit code to leave with.
 *
 * <p>Threading: one command, one thread.
 */
public final class FrameworkClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Exit codes: as the other commands, 2 for what the user must fix, 1 for everything else. */
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_FAILED = 1;

    /** A request that did not succeed: the message to print and the exit code. */
    public static final class Failure extends RuntimeException {
        private final int exitCode;
        private final JsonNode body;

        Failure(String message, int exitCode, JsonNode body) {
            super(message);
            this.exitCode = exitCode;
            this.body = body;
        }

        public int exitCode() {
            return exitCode;
        }

        /** The error document, when the framework answered one. */
        public JsonNode body() {
            return body;
        }

        /** The message and every invalid field, one per line. */
        public void print(PrintStream err, String command) {
            err.println(command + ": " + getMessage());
            if (body != null) {
                body.path("errors").forEach(field -> err.println("  " + field.path("field").asText() + ": "
                        + field.path("message").asText()));
            }
        }
    }

    private final String baseUrl;
    private final ClusterLocator.Target target;
    private final HttpClient http;

    private FrameworkClient(String baseUrl, ClusterLocator.Target target) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.target = target;
        this.http = target.httpClient(Duration.ofSeconds(5));
    }

    /**
     * The client of framework {@code name} ({@code jobs}): at {@code explicitUrl} when given (the flag named
     * {@code flag}), else its leader found in the cluster's ZooKeeper.
     */
    public static FrameworkClient connect(ClusterLocator locator, ClusterOptions options, String explicitUrl,
                                          String name, String flag) {
        ClusterLocator.Target target;
        try {
            target = locator.resolve(options);
        } catch (ClusterLocator.ClusterException e) {
            if (explicitUrl == null) {
                throw new Failure(e.getMessage() + " (or pass " + flag + " URL)", e.exitCode(), null);
            }
            target = new ClusterLocator.Target(flag, Optional.of(explicitUrl), Optional.empty());
        }
        if (explicitUrl != null) {
            return new FrameworkClient(explicitUrl, target);
        }
        Optional<ZkUrl> zk = target.zk();
        if (zk.isEmpty()) {
            throw new Failure("finding the " + name + " framework's leader needs the cluster's ZooKeeper: pass --zk"
                    + " (or CORRAL_ZK), or " + flag + " URL", EXIT_USAGE, null);
        }
        Optional<String> leader;
        try (CuratorFramework curator = ZkClients.connect(zk.get(), Duration.ofSeconds(10), Duration.ofSeconds(5))) {
            leader = LeaderElection.findLeader(curator, FrameworkPaths.of(zk.get().rootPath(), name));
        } catch (RuntimeException e) {
            throw new Failure("cannot read the " + name + " framework's leader from ZooKeeper "
                    + target.describe() + ": " + e.getMessage(), EXIT_FAILED, null);
        }
        if (leader.isEmpty()) {
            throw new Failure("no " + name + " framework process runs in the cluster " + target.describe()
                    + " (start one: corral " + name + ", or corral local)", EXIT_FAILED, null);
        }
        return new FrameworkClient(leader.get(), target);
    }

    /** The framework's answer to {@code method path} (a 2xx), or a Failure. */
    public JsonNode send(String method, String path, JsonNode body) {
        URI uri = URI.create(baseUrl + path);
        for (int hop = 0; hop < 4; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Accept", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> response;
            try {
                response = http.send(target.authorize(request).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new Failure("cannot reach " + uri + ": " + e.getMessage(), EXIT_FAILED, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure("interrupted", EXIT_FAILED, null);
            }
            int status = response.statusCode();
            if (status == 307 && response.headers().firstValue("Location").isPresent()) {
                uri = uri.resolve(response.headers().firstValue("Location").get());
                continue;
            }
            JsonNode json = parse(response.body());
            if (status / 100 == 2) {
                return json;
            }
            String message = json != null && json.hasNonNull("message") ? json.get("message").asText()
                    : "HTTP " + status + (response.body().isBlank() ? "" : ": " + response.body().strip());
            if (status == 401) {
                message += " (authenticate with --credential FILE or CORRAL_TOKEN; a token may have expired)";
            }
            int exit = status == 400 || status == 422 || status == 413 ? EXIT_USAGE : EXIT_FAILED;
            throw new Failure(message, exit, json);
        }
        throw new Failure("too many redirects from " + baseUrl, EXIT_FAILED, null);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }
}
