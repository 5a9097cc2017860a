package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.json.MesosJson;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Metric;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Mesos v1 operator API ({@code POST /api/v1}) on a real cluster (ZooKeeper, two masters, one agent running a real
 * task), in both encodings: what operators read (state, agents, frameworks, tasks, roles, master, metrics, flags,
 * version), the operator's TEARDOWN, and the errors Mesos gives for bad calls.
 */
class OperatorApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path workDir;
    static InProcessCluster cluster;
    static RecordingScheduler scheduler;
    static SchedulerClient client;
    static FrameworkID frameworkId;

    @BeforeAll
    static void startClusterWithARunningTask() throws Exception {
        cluster = InProcessCluster.start(workDir, 2, 1);
        cluster.awaitLeader();
        scheduler = new RecordingScheduler();
        client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()), Tasks.framework("ops", 60),
                scheduler).autoAcknowledge(true).build();
        client.start();
        Offer offer = scheduler.nextOffer();
        client.launch(List.of(offer.getId()), List.of(Tasks.shell("sleeper", "sleep 300", offer, 0.5, 64))).join();
        scheduler.awaitState("sleeper", TaskState.TASK_RUNNING);
        frameworkId = scheduler.frameworkId;
    }

    @AfterAll
    static void stopCluster() throws Exception {
        client.close();
        cluster.close();
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void getStateShowsTheAgentTheFrameworkAndItsRunningTask(Encoding encoding) throws Exception {
        Response response = call(cluster.leaderUrl(), Call.Type.GET_STATE, encoding);

        assertThat(response.getType()).isEqualTo(Response.Type.GET_STATE);
        Response.GetState state = response.getGetState();
        assertThat(state.getGetAgents().getAgentsList()).singleElement().satisfies(agent -> {
            assertThat(agent.getActive()).isTrue();
            assertThat(agent.getTotalResourcesList()).extracting(r -> r.getName()).contains("cpus", "mem");
            assertThat(agent.getAllocatedResourcesList()).filteredOn(r -> r.getName().equals("cpus"))
                    .singleElement().satisfies(cpus -> assertThat(cpus.getScalar().getValue()).isEqualTo(0.5));
        });
        assertThat(state.getGetFrameworks().getFrameworksList()).singleElement().satisfies(framework -> {
            assertThat(framework.getFrameworkInfo().getId()).isEqualTo(frameworkId);
            assertThat(framework.getConnected()).isTrue();
            assertThat(framework.getActive()).isTrue();
        });
        assertThat(state.getGetTasks().getTasksList()).singleElement().satisfies(task -> {
            assertThat(task.getTaskId().getValue()).isEqualTo("sleeper");
            assertThat(task.getState()).isEqualTo(TaskState.TASK_RUNNING);
            assertThat(task.getStatusUpdateState()).isEqualTo(TaskState.TASK_RUNNING);
            assertThat(task.getFrameworkId()).isEqualTo(frameworkId);
        });
    }

    @Test
    void theWholeStateGoesCompressedToAReaderWhoTakesGzipAndReadsTheSame() throws Exception {
        HttpRequest.Builder masterState = HttpRequest.newBuilder(URI.create(cluster.leaderUrl() + "/master/state"));
        HttpRequest.Builder getState = HttpRequest.newBuilder(URI.create(cluster.leaderUrl() + "/api/v1"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"GET_STATE\"}"));
        for (HttpRequest.Builder request : List.of(masterState, getState)) {
            HttpResponse<byte[]> plain = HTTP.send(request.copy().build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> zipped = HTTP.send(request.copy().header("Accept-Encoding", "gzip").build(),
                    HttpResponse.BodyHandlers.ofByteArray());

            assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
            assertThat(zipped.headers().firstValue("Content-Encoding")).contains("gzip");
            byte[] inflated = new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes();
            assertThat(zipped.body().length).isLessThan(inflated.length);
            for (byte[] body : List.of(plain.body(), inflated)) {
                assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"sleeper\"", "TASK_RUNNING");
                assertThat(new ObjectMapper().readTree(body).isObject()).isTrue();
            }
        }
    }

    @Test
    void theSmallerCallsAnswerWithTheirOwnPartOfTheState() throws Exception {
        assertThat(call(cluster.leaderUrl(), Call.Type.GET_HEALTH, Encoding.JSON).getGetHealth().getHealthy())
                .isTrue();
        assertThat(call(cluster.leaderUrl(), Call.Type.GET_AGENTS, Encoding.PROTOBUF).getGetAgents().getAgentsCount())
                .isEqualTo(1);
        assertThat(call(cluster.leaderUrl(), Call.Type.GET_TASKS, Encoding.JSON).getGetTasks().getTasksCount())
                .isEqualTo(1);
        Response.GetRoles roles = call(cluster.leaderUrl(), Call.Type.GET_ROLES, Encoding.JSON).getGetRoles();
        assertThat(roles.getRolesList()).singleElement().satisfies(role -> {
            assertThat(role.getName()).isEqualTo("*");
            assertThat(role.getWeight()).isEqualTo(1.0);
            assertThat(role.getFrameworksList()).containsExactly(frameworkId);
        });
        Response.GetMaster master = call(cluster.leaderUrl(), Call.Type.GET_MASTER, Encoding.JSON).getGetMaster();
        assertThat(master.getMasterInfo().getPort()).isEqualTo(cluster.leader().orElseThrow().port());
        assertThat(call(cluster.leaderUrl(), Call.Type.GET_VERSION, Encoding.JSON).getGetVersion().getVersionInfo()
                .getVersion()).isEqualTo("1.11.0");
        assertThat(call(cluster.leaderUrl(), Call.Type.GET_EXECUTORS, Encoding.JSON).getGetExecutors()
                .getExecutorsCount()).as("command tasks only: no executors yet").isZero();
    }

    @Test
    void getMetricsAndGetFlagsReportTheLeadersFigures() throws Exception {
        List<Metric> metrics = call(cluster.leaderUrl(), Call.Type.GET_METRICS, Encoding.JSON).getGetMetrics()
                .getMetricsList();
        assertThat(metrics).filteredOn(m -> m.getName().equals("master/elected")).singleElement()
                .satisfies(m -> assertThat(m.getValue()).isEqualTo(1.0));
        assertThat(metrics).filteredOn(m -> m.getName().equals("master/tasks_running")).singleElement()
                .satisfies(m -> assertThat(m.getValue()).isEqualTo(1.0));

        Response.GetFlags flags = call(cluster.leaderUrl(), Call.Type.GET_FLAGS, Encoding.PROTOBUF).getGetFlags();
        assertThat(flags.getFlagsList()).anySatisfy(flag -> {
            assertThat(flag.getName()).isEqualTo("zk_session_timeout");
            assertThat(flag.getValue()).isEqualTo("2secs");
        });
    }

    @Test
    void badCallsGetMesossStatusCodesAndAMessage() throws Exception {
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.leaderUrl() + "/api/v1"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);

        HttpResponse<String> noType = post(cluster.leaderUrl(), "application/json", "{}");
        assertThat(noType.statusCode()).isEqualTo(400);
        assertThat(noType.body()).contains("Expecting 'type' to be present");

        HttpResponse<String> garbage = post(cluster.leaderUrl(), "application/json", "{not json");
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).startsWith("Failed to parse body into Call protobuf");

        HttpResponse<String> xml = post(cluster.leaderUrl(), "text/xml", "<call/>");
        assertThat(xml.statusCode()).isEqualTo(415);

        HttpResponse<String> unknownFramework = post(cluster.leaderUrl(), "application/json",
                "{\"type\":\"TEARDOWN\",\"teardown\":{\"framework_id\":{\"value\":\"no-such-framework\"}}}");
        assertThat(unknownFramework.statusCode()).isEqualTo(400);
        assertThat(unknownFramework.body()).isEqualTo("No framework found with specified ID");

        HttpResponse<String> noBody = post(cluster.leaderUrl(), "application/json", "{\"type\":\"UPDATE_QUOTA\"}");
        assertThat(noBody.statusCode()).isEqualTo(400);
        assertThat(noBody.body()).isEqualTo("Failed to validate master::Call: Expecting 'update_quota' to be present");

        HttpResponse<String> noDrain = post(cluster.leaderUrl(), "application/json", "{\"type\":\"DRAIN_AGENT\"}");
        assertThat(noDrain.statusCode()).isEqualTo(400);
        assertThat(noDrain.body()).isEqualTo("Failed to validate master::Call: Expecting 'drain_agent' to be present");

        HttpResponse<String> notYet = post(cluster.leaderUrl(), "application/json", "{\"type\":\"LIST_FILES\"}");
        assertThat(notYet.statusCode()).isEqualTo(400);
        assertThat(notYet.body()).contains("LIST_FILES").contains("not supported");
    }

    @Test
    void aStandbyRedirectsTheApiButAnswersVersionAndFlagsItself() throws Exception {
        String standby = cluster.masters.stream().filter(m -> !m.isLeading()).findFirst()
                .map(m -> "http://127.0.0.1:" + m.port()).orElseThrow();

        HttpResponse<String> redirected = post(standby, "application/json", "{\"type\":\"GET_HEALTH\"}");
        assertThat(redirected.statusCode()).isEqualTo(307);
        assertThat(redirected.headers().firstValue("Location")).hasValueSatisfying(location ->
                assertThat(location).endsWith("/api/v1"));

        JsonNode version = json(standby + "/version");
        assertThat(version.path("version").asText()).isEqualTo("1.11.0");
        JsonNode flags = json(standby + "/master/flags");
        assertThat(flags.path("flags").path("hostname").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void legacyEndpointsServeTheSameStateInMesossShapes() throws Exception {
        String leader = cluster.leaderUrl();
        JsonNode summary = json(leader + "/master/state-summary");
        assertThat(summary.path("slaves").get(0).path("TASK_RUNNING").asInt()).isEqualTo(1);
        assertThat(summary.path("slaves").get(0).path("framework_ids").get(0).asText())
                .isEqualTo(frameworkId.getValue());
        assertThat(summary.path("frameworks").get(0).path("TASK_RUNNING").asInt()).isEqualTo(1);
        assertThat(summary.path("frameworks").get(0).has("tasks")).as("a summary lists no tasks").isFalse();

        assertThat(json(leader + "/master/slaves").path("slaves")).hasSize(1);
        JsonNode frameworks = json(leader + "/master/frameworks").path("frameworks");
        assertThat(frameworks.get(0).path("tasks").get(0).path("state").asText()).isEqualTo("TASK_RUNNING");
        assertThat(json(leader + "/master/roles").path("roles").get(0).path("name").asText()).isEqualTo("*");

        JsonNode tasks = json(leader + "/master/tasks?limit=1&order=asc&framework_id=" + frameworkId.getValue())
                .path("tasks");
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).path("id").asText()).isEqualTo("sleeper");
        assertThat(json(leader + "/master/tasks?framework_id=someone-else").path("tasks")).isEmpty();
        HttpResponse<String> badOrder = HTTP.send(HttpRequest.newBuilder(URI.create(leader + "/master/tasks?order=up"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badOrder.statusCode()).isEqualTo(400);
        assertThat(badOrder.body()).contains("expected asc or des");
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void subscribeStreamsTheStateThenEachChange(Encoding encoding) throws Exception {
        HttpResponse<java.io.InputStream> stream = HTTP.send(HttpRequest.newBuilder(
                        URI.create(cluster.leaderUrl() + "/api/v1"))
                .header("Content-Type", encoding.mediaType())
                .header("Accept", encoding.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(encoding.encode(
                        Call.newBuilder().setType(Call.Type.SUBSCRIBE).build())))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream events = stream.body()) {
            assertThat(stream.statusCode()).isEqualTo(200);
            org.apache.mesos.v1.master.Protos.Event subscribed = nextEvent(events, encoding);
            assertThat(subscribed.getType()).isEqualTo(org.apache.mesos.v1.master.Protos.Event.Type.SUBSCRIBED);
            assertThat(subscribed.getSubscribed().getGetState().getGetTasks().getTasksList())
                    .extracting(task -> task.getTaskId().getValue()).contains("sleeper");

            Offer offer = scheduler.nextOffer();
            String taskId = "streamed-" + encoding;
            client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "true", offer, 0.1, 16))).join();

            org.apache.mesos.v1.master.Protos.Event added;
            do {
                added = nextEvent(events, encoding);
            } while (added.getType() != org.apache.mesos.v1.master.Protos.Event.Type.TASK_ADDED);
            assertThat(added.getTaskAdded().getTask().getTaskId().getValue()).isEqualTo(taskId);
            scheduler.awaitState(taskId, TaskState.TASK_FINISHED);
        }
    }

    /** The next RecordIO record of an event stream: its length in decimal, a newline, then that many bytes. */
    private static org.apache.mesos.v1.master.Protos.Event nextEvent(java.io.InputStream stream, Encoding encoding)
            throws Exception {
        StringBuilder length = new StringBuilder();
        for (int c = stream.read(); c != '\n'; c = stream.read()) {
            assertThat(c).as("a RecordIO length").isBetween((int) '0', (int) '9');
            length.append((char) c);
        }
        byte[] record = stream.readNBytes(Integer.parseInt(length.toString()));
        return encoding.decode(record, org.apache.mesos.v1.master.Protos.Event.getDefaultInstance());
    }

    /** On a framework of its own: the other tests read the first one. */
    @Test
    void teardownRemovesAFramework() throws Exception {
        RecordingScheduler other = new RecordingScheduler();
        try (SchedulerClient second = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("to-tear-down", 60), other).autoAcknowledge(true).build()) {
            second.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> other.frameworkId != null);
            String body = MesosJson.print(Call.newBuilder().setType(Call.Type.TEARDOWN)
                    .setTeardown(Call.Teardown.newBuilder().setFrameworkId(other.frameworkId)).build());

            HttpResponse<String> teardown = post(cluster.leaderUrl(), "application/json", body);

            assertThat(teardown.statusCode()).as(teardown.body()).isEqualTo(200);
            Response.GetFrameworks frameworks = call(cluster.leaderUrl(), Call.Type.GET_FRAMEWORKS, Encoding.JSON)
                    .getGetFrameworks();
            assertThat(frameworks.getCompletedFrameworksList()).extracting(f -> f.getFrameworkInfo().getId())
                    .contains(other.frameworkId);
            assertThat(frameworks.getFrameworksList()).extracting(f -> f.getFrameworkInfo().getId())
                    .doesNotContain(other.frameworkId);
        }
    }

    private static Response call(String master, Call.Type type, Encoding encoding) throws Exception {
        Call call = Call.newBuilder().setType(type).build();
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(master + "/api/v1"))
                .header("Content-Type", encoding.mediaType())
                .header("Accept", encoding.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(encoding.encode(call)))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(encoding.mediaType());
        return encoding.decode(response.body(), Response.getDefaultInstance());
    }

    private static HttpResponse<String> post(String master, String contentType, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(master + "/api/v1"))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }
}
