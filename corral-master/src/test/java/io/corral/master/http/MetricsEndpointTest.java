package io.corral.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.master.MasterCounts;
import io.corral.master.MasterMetricsTest;
import io.corral.protocol.http.HttpServer;
import io.corral.zookeeper.health.EnsembleHealth;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoints over real HTTP on loopback, fed by fixture sources. */
class MetricsEndpointTest {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private HttpServer server;

    /** Fixture sources: a leader whose loop answers with {@code answer} (or never, when null). */
    private record FixtureSources(MasterCounts answer) implements MetricsEndpoint.Sources {
        @Override
        public boolean elected() {
            return true;
        }

        @Override
        public Duration uptime() {
            return Duration.ofSeconds(90);
        }

        @Override
        public CompletableFuture<MasterCounts> counts() {
            return answer == null ? new CompletableFuture<>() : CompletableFuture.completedFuture(answer);
        }

        @Override
        public EnsembleHealth zookeeper() {
            return MasterMetricsTest.ZOOKEEPER;
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void snapshotIsAFlatJsonObjectWithMesosNames() throws Exception {
        serve(new FixtureSources(MasterMetricsTest.COUNTS));

        HttpResponse<String> response = get("/metrics/snapshot");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode json = new ObjectMapper().readTree(response.body());
        assertThat(json.path("master/elected").asInt()).isEqualTo(1);
        assertThat(json.path("master/uptime_secs").asDouble()).isEqualTo(90.0);
        assertThat(json.path("master/slaves_active").asInt()).isEqualTo(2);
        assertThat(json.path("master/cpus_percent").asDouble()).isEqualTo(0.25);
        assertThat(json.path("zookeeper/10.0.0.1:2181/is_leader").asInt()).isEqualTo(1);
        assertThat(json.fieldNames()).toIterable().hasSize(88);
        assertThat(json.path("allocator/mesos/roles/eng/shares/dominant").asDouble()).isEqualTo(0.5);
        assertThat(get("/master/metrics/snapshot").body()).isEqualTo(response.body());
    }

    @Test
    void prometheusTextHasItsContentType() throws Exception {
        serve(new FixtureSources(MasterMetricsTest.COUNTS));

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body()).contains("\ncorral_master_slaves_active 2.0\n",
                "corral_zookeeper_server_up{server=\"10.0.0.3:2181\"} 0.0\n",
                "corral_allocator_mesos_roles_shares_dominant{role=\"eng\"} 0.5\n");
    }

    @Test
    void zooKeeperHealthIsServedUnderMaster() throws Exception {
        serve(new FixtureSources(MasterMetricsTest.COUNTS));

        HttpResponse<String> response = get("/master/zookeeper");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = new ObjectMapper().readTree(response.body());
        assertThat(json.path("has_quorum").asBoolean()).isTrue();
        assertThat(json.path("leader").asText()).isEqualTo("10.0.0.1:2181");
        assertThat(json.path("servers").get(2).path("last_error").asText()).isEqualTo("connection refused");
    }

    @Test
    void aLoopThatDoesNotAnswerInTimeLeavesItsFiguresOut() throws Exception {
        serve(new FixtureSources(null));

        HttpResponse<String> response = get("/metrics/snapshot?timeout=100ms");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = new ObjectMapper().readTree(response.body());
        assertThat(json.has("master/elected")).isTrue();
        assertThat(json.has("master/slaves_active")).isFalse();
        assertThat(json.path("zookeeper/servers_up").asInt()).isEqualTo(2);
    }

    @Test
    void badRequestsAreRefusedWithTheReason() throws Exception {
        serve(new FixtureSources(MasterMetricsTest.COUNTS));

        HttpResponse<String> badTimeout = get("/metrics/snapshot?timeout=soon");
        assertThat(badTimeout.statusCode()).isEqualTo(400);
        assertThat(badTimeout.body()).contains("Invalid timeout 'soon'", "5mins");

        HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void aStandbyMasterReportsNotElectedAndZeroCounts() throws Exception {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
        MetricsEndpoint endpoint = MetricsEndpoint.forMaster(new Leadership(), master -> {
            throw new AssertionError("a standby has no loop to ask");
        }, () -> MasterMetricsTest.ZOOKEEPER, clock);
        server = HttpServer.start("127.0.0.1", 0, endpoint::handle);

        JsonNode json = new ObjectMapper().readTree(get("/metrics/snapshot").body());

        assertThat(json.path("master/elected").asInt()).isZero();
        assertThat(json.path("master/uptime_secs").asDouble()).isZero();
        assertThat(json.path("master/slaves_active").isNumber()).isTrue();
        assertThat(json.path("master/slaves_active").asInt()).isZero();
        assertThat(json.path("zookeeper/has_quorum").asInt()).isEqualTo(1);
    }

    @Test
    void servesItsPathsWithOrWithoutTheMasterPrefix() {
        assertThat(MetricsEndpoint.serves("/metrics/snapshot")).isTrue();
        assertThat(MetricsEndpoint.serves("/master/metrics/snapshot")).isTrue();
        assertThat(MetricsEndpoint.serves("/metrics")).isTrue();
        assertThat(MetricsEndpoint.serves("/master/zookeeper")).isTrue();
        assertThat(MetricsEndpoint.serves("/master/state")).isFalse();
    }

    private void serve(MetricsEndpoint.Sources sources) {
        MetricsEndpoint endpoint = new MetricsEndpoint(sources);
        server = HttpServer.start("127.0.0.1", 0, endpoint::handle);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}
