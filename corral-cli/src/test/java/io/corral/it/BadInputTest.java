package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad requests get the status code Mesos gives, with a message saying what is wrong; nothing changes and the master
 * keeps serving (each test ends by checking the cluster still runs a task).
 */
class BadInputTest {
    @TempDir
    static Path workDir;
    static InProcessCluster cluster;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 1);
        cluster.awaitLeader();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    private static HttpResponse<String> post(String contentType, String accept, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(cluster.leaderUrl() + "/api/v1/scheduler"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postJson(String json) throws Exception {
        return post("application/json", "application/json", json.getBytes());
    }

    @Test
    void malformedRequestsAreRefusedWithMesosStatusCodes() throws Exception {
        assertThat(postJson("{not json")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("Failed to parse");
        });
        assertThat(post("application/x-protobuf", null, new byte[] {(byte) 0xff, 1, 2}).statusCode()).isEqualTo(400);
        assertThat(post("text/plain", null, "{}".getBytes())).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(415);
            assertThat(r.body()).contains("application/json");
        });
        assertThat(post(null, null, "{}".getBytes()).statusCode()).isEqualTo(400);
        assertThat(post("application/json", "text/html", "{\"type\":\"TEARDOWN\"}".getBytes()).statusCode())
                .isEqualTo(406);
        assertThat(postJson("{\"type\":\"NO_SUCH_CALL\"}")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("type");
        });
        assertThat(postJson("{\"type\":\"DECLINE\",\"decline\":{\"offer_ids\":[]}}")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("framework_id");
        });
        assertThat(postJson("{\"type\":\"TEARDOWN\",\"framework_id\":{\"value\":\"nobody\"}}")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("Framework cannot be found");
        });
        assertThat(postJson("{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"name\":\"x\"}}}"))
                .satisfies(r -> {
                    assertThat(r.statusCode()).isEqualTo(400);
                    assertThat(r.body()).contains("user");
                });
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(
                URI.create(cluster.leaderUrl() + "/api/v1/scheduler")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);

        assertClusterStillRunsTasks();
    }

    @Test
    void foreignOfferAndOversizedTaskBecomeStatusUpdates() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("bad-offers", 0), scheduler).encoding(Encoding.JSON).autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();

            Offer foreign = offer.toBuilder().setId(OfferID.newBuilder().setValue("not-an-offer")).build();
            client.launch(List.of(foreign.getId()), List.of(Tasks.shell("t-foreign", "true", foreign, 0.1, 32)))
                    .join();
            TaskStatus lost = scheduler.awaitState("t-foreign", TaskState.TASK_LOST);
            assertThat(lost.getReason()).isEqualTo(TaskStatus.Reason.REASON_INVALID_OFFERS);
            assertThat(lost.getMessage()).isEqualTo("Offer not-an-offer is no longer valid");

            client.launch(List.of(offer.getId()), List.of(Tasks.shell("t-huge", "true", offer, 64, 32))).join();
            TaskStatus error = scheduler.awaitState("t-huge", TaskState.TASK_ERROR);
            assertThat(error.getReason()).isEqualTo(TaskStatus.Reason.REASON_TASK_INVALID);
            assertThat(error.getMessage()).contains("more resources");
        }
        assertClusterStillRunsTasks();
    }

    private static void assertClusterStillRunsTasks() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("still-works", 0), scheduler).encoding(Encoding.PROTOBUF).autoAcknowledge(true)
                .build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            String taskId = "ok-" + System.nanoTime();
            client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "true", offer, 0.1, 32))).join();
            scheduler.awaitState(taskId, TaskState.TASK_FINISHED);
        }
    }
}
