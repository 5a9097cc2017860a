package io.corral.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.frameworks.common.FrameworkHttp;
import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.services.ServicesFramework;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Services processes inside the test JVM, on an {@link InProcessCluster} (insecure), and a small JSON client for
 * their REST API that follows a standby's 307 to the leader.
 */
final class ServicesCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final InProcessCluster cluster;
    final List<FrameworkProcess> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    ServicesCluster(InProcessCluster cluster) {
        this.cluster = cluster;
    }

    FrameworkProcess startServices() {
        return startServices(ServicesFramework.DEFAULT_MAX_APPS);
    }

    /** A Services process keeping at most {@code maxApps} apps. */
    FrameworkProcess startServices(int maxApps) {
        FrameworkProcess process = FrameworkProcess.start(new FrameworkProcess.Options(ServicesFramework.NAME,
                cluster.zk, Duration.ofSeconds(2),
                FrameworkHttp.Options.of("127.0.0.1", 0, Optional.empty()), "127.0.0.1", Optional.empty(),
                Optional.empty(), "*", System.getProperty("user.name")), ServicesFramework.parts(maxApps));
        processes.add(process);
        return process;
    }

    FrameworkProcess leader() {
        return processes.stream().filter(FrameworkProcess::isLeader).findFirst().orElseThrow();
    }

    /** The response to a request to any process (following one redirect to the leader). */
    Response send(String method, String path, String body) throws Exception {
        String base = processes.stream().filter(p -> p.url() != null).reduce((a, b) -> b).orElseThrow().url();
        for (int hop = 0; hop < 3; hop++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 307) {
                URI location = URI.create(response.headers().firstValue("Location").orElseThrow());
                base = location.getScheme() + "://" + location.getAuthority();
                continue;
            }
            JsonNode json = response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
            return new Response(response.statusCode(), json);
        }
        throw new IllegalStateException("too many redirects");
    }

    JsonNode get(String path) throws Exception {
        Response r = send("GET", path, null);
        if (r.status() != 200) {
            throw new IllegalStateException("GET " + path + ": " + r.status() + " " + r.json());
        }
        return r.json();
    }

    /** The leading master's {@code /master/state}. */
    JsonNode masterState() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(cluster.leaderUrl()
                + "/master/state")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    record Response(int status, JsonNode json) {}

    @Override
    public void close() throws Exception {
        for (FrameworkProcess p : processes) {
            p.close();
        }
        cluster.close();
    }
}
