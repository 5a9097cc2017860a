package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.http.Leadership;
import io.corral.master.http.MasterHttp;
import io.corral.master.http.MetricsEndpoint;
import io.corral.protocol.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.VersionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests that reach a master while it recovers wait for the recovery and are then served, over real HTTP on
 * loopback: after a failover, agents and frameworks come back the moment the new leader leads, not after a 503 and a
 * backoff.
 */
class RecoveryWaitTest {
    private final MasterFixture fixture = new MasterFixture();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        fixture.close();
    }

    @Test
    void aRequestDuringRecoveryWaitsAndIsServedOnceTheMasterLeads() throws Exception {
        Leadership leadership = serve(new Leadership(10, Duration.ofMinutes(1)));
        leadership.set(MasterLifecycle.start().claim("127.0.0.1:5050"));

        CompletableFuture<HttpResponse<String>> state = get("/master/state");
        await().atMost(10, TimeUnit.SECONDS).until(() -> leadership.waitingForRecovery() == 1);
        leadership.set(leadership.lifecycle().recover());
        assertThat(leadership.waitingForRecovery()).as("still recovering: still waiting").isEqualTo(1);
        assertThat(state).isNotDone();

        leadership.set(leadership.lifecycle().lead(fixture.master));

        HttpResponse<String> answer = state.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"leader\"");
        assertThat(leadership.waitingForRecovery()).isZero();
    }

    @Test
    void aRequestWaitsAtMostItsPatienceThenHears503() throws Exception {
        Leadership leadership = serve(new Leadership(10, Duration.ofMillis(300)));
        leadership.set(MasterLifecycle.start().claim("127.0.0.1:5050").recover());

        HttpResponse<String> answer = get("/master/state").get(10, TimeUnit.SECONDS);

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.body()).isEqualTo("Master has not finished recovery");
        assertThat(leadership.waitingForRecovery()).isZero();
    }

    @Test
    void whenTheRoomIsFullTheNextRequestHears503AtOnce() throws Exception {
        Leadership leadership = serve(new Leadership(1, Duration.ofMinutes(1)));
        leadership.set(MasterLifecycle.start().claim("127.0.0.1:5050"));
        CompletableFuture<HttpResponse<String>> waiting = get("/master/state");
        await().atMost(10, TimeUnit.SECONDS).until(() -> leadership.waitingForRecovery() == 1);

        HttpResponse<String> turnedAway = get("/master/state").get(10, TimeUnit.SECONDS);

        assertThat(turnedAway.statusCode()).isEqualTo(503);
        assertThat(turnedAway.body()).isEqualTo("Master has not finished recovery");
        assertThat(waiting).isNotDone();
        leadership.set(leadership.lifecycle().depose("another master leads now"));
        HttpResponse<String> released = waiting.get(10, TimeUnit.SECONDS);
        assertThat(released.statusCode()).as("released, and answered for the phase it is in now").isEqualTo(503);
        assertThat(released.body()).contains("no longer leading", "another master leads now");
    }

    private Leadership serve(Leadership leadership) {
        MetricsEndpoint metrics = MetricsEndpoint.forMaster(leadership, master -> new CompletableFuture<>(),
                () -> MasterMetricsTest.ZOOKEEPER, Clock.systemUTC());
        MasterHttp routes = new MasterHttp(leadership, metrics, Runnable::run, Map::of,
                VersionInfo.newBuilder().setVersion("1.11.0").build(), Optional.empty());
        server = HttpServer.start("127.0.0.1", 0, routes);
        return leadership;
    }

    private CompletableFuture<HttpResponse<String>> get(String path) {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + path);
        return client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
