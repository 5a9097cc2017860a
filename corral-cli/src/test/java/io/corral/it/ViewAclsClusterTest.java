package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.agent.AgentServer;
import io.corral.agent.containerizer.IsolationOptions;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.zookeeper.ZkUrl;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Event;
import org.apache.mesos.v1.master.Protos.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mesos's view ACLs on a real master over HTTP: framework {@code alice} (principal {@code framework}, user alice)
 * and framework {@code bob} (principal {@code framework-2}, user bob) each run a task on a real agent. Principal
 * {@code framework-2} may see only user bob's frameworks, tasks and executors; {@code operator} has ANY and sees
 * everything. What a reader may not see is left out of {@code /master/state}, {@code /master/tasks}, the operator
 * API's reads and the SUBSCRIBE stream, never refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewAclsClusterTest {
    private static final Credential OPERATOR = new Credential("operator", "operator-secret");
    private static final Credential FRAMEWORK = new Credential("framework", "framework-secret");
    private static final Credential FRAMEWORK_2 = new Credential("framework-2", "framework-2-secret");
    private static final Credential AGENT = new Credential("agent", "agent-secret");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestingServer zookeeper;
    private MasterServer master;
    private String base;
    private final RecordingScheduler alice = new RecordingScheduler();
    private final RecordingScheduler bob = new RecordingScheduler();
    private SchedulerClient aliceClient;
    private SchedulerClient bobClient;

    @BeforeAll
    void startClusterWithTwoFrameworks(@TempDir Path dir) throws Exception {
        zookeeper = new TestingServer(true);
        ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
        Path acls = Files.writeString(dir.resolve("acls.json"), "{"
                + "\"register_agents\": [" + values("agent", "agents", "ANY") + "," + any("agents", "NONE") + "],"
                + "\"view_frameworks\": [" + seesOnlyBob("users") + "],"
                + "\"view_tasks\": [" + seesOnlyBob("users") + "],"
                + "\"view_executors\": [" + seesOnlyBob("users") + "],"
                + "\"view_flags\": [" + values("operator", "flags", "ANY") + "," + any("flags", "NONE") + "],"
                + "\"get_endpoints\": [" + values("framework-2", "paths", "NONE") + "]}");
        Credentials credentials = Credentials.of(List.of(OPERATOR, FRAMEWORK, FRAMEWORK_2, AGENT));
        master = MasterServer.start(new MasterServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(), Optional.of(credentials),
                Acls.read(acls)), () -> { });
        base = "http://127.0.0.1:" + master.port();
        IsolationOptions none = IsolationOptions.none();
        // tasks run as the test's user: alice and bob are names for the ACLs, not accounts on this machine
        IsolationOptions noSwitching = new IsolationOptions(none.isolators(), none.pidsLimit(),
                none.diskWatchInterval(), false);
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                dir.resolve("agent"), InProcessCluster.AGENT_RESOURCES, InProcessCluster.SESSION_TIMEOUT,
                Duration.ofSeconds(45), noSwitching, Duration.ofMinutes(1), null,
                new AgentServer.Security(Optional.of(AGENT), Optional.of(credentials))));
        closeables.add(() -> agent.stop(true));
        aliceClient = start("alice", FRAMEWORK, alice);
        bobClient = start("bob", FRAMEWORK_2, bob);
        launch(aliceClient, alice, "alice-task");
        launch(bobClient, bob, "bob-task");
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        master.close();
        zookeeper.close();
    }

    @Test
    void theLegacyEndpointsShowFramework2OnlyUserBobsFrameworksAndTasks() throws Exception {
        JsonNode state = json("/master/state", FRAMEWORK_2);
        assertThat(names(state.path("frameworks"), "name")).containsExactly("bob");
        assertOnlyBobs(names(state.path("frameworks").get(0).path("tasks"), "id"));
        assertThat(state.path("slaves")).as("agents are shown to anyone authenticated, as in Mesos").hasSize(1);
        assertThat(state.path("flags")).as("view_flags: not framework-2's").isEmpty();
        assertOnlyBobs(names(json("/master/tasks", FRAMEWORK_2).path("tasks"), "id"));
        assertThat(names(json("/master/frameworks", FRAMEWORK_2).path("frameworks"), "name"))
                .containsExactly("bob");
        assertThat(names(json("/master/state-summary", FRAMEWORK_2).path("frameworks"), "name"))
                .containsExactly("bob");

        JsonNode all = json("/master/state", OPERATOR);
        assertThat(names(all.path("frameworks"), "name")).containsExactlyInAnyOrder("alice", "bob");
        assertThat(all.path("flags").path("authenticate_frameworks").asText()).isEqualTo("true");
        assertThat(names(json("/master/tasks", OPERATOR).path("tasks"), "id")).contains("alice-task", "bob-task");

        assertThat(get("/master/flags", FRAMEWORK_2).statusCode()).isEqualTo(403);
        assertThat(get("/master/flags", OPERATOR).statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = get("/metrics/snapshot", FRAMEWORK_2);
        assertThat(metrics.statusCode()).isEqualTo(403);
        assertThat(metrics.body()).contains("get_endpoints");
        assertThat(get("/metrics/snapshot", OPERATOR).statusCode()).isEqualTo(200);
    }

    @Test
    void theOperatorApiShowsFramework2OnlyUserBobsFrameworksAndTasks() throws Exception {
        Response.GetState state = call(Call.Type.GET_STATE, FRAMEWORK_2).getGetState();
        assertThat(state.getGetFrameworks().getFrameworksList()).extracting(f -> f.getFrameworkInfo().getName())
                .containsExactly("bob");
        assertOnlyBobs(state.getGetTasks().getTasksList().stream().map(t -> t.getTaskId().getValue()).toList());
        assertThat(state.getGetAgents().getAgentsList()).hasSize(1);
        assertOnlyBobs(call(Call.Type.GET_TASKS, FRAMEWORK_2).getGetTasks().getTasksList().stream()
                .map(t -> t.getTaskId().getValue()).toList());
        assertThat(call(Call.Type.GET_FRAMEWORKS, FRAMEWORK_2).getGetFrameworks().getFrameworksList())
                .extracting(f -> f.getFrameworkInfo().getName()).containsExactly("bob");

        assertThat(call(Call.Type.GET_TASKS, OPERATOR).getGetTasks().getTasksList())
                .extracting(t -> t.getTaskId().getValue()).contains("alice-task", "bob-task");
        assertThat(call(Call.Type.GET_FRAMEWORKS, OPERATOR).getGetFrameworks().getFrameworksList())
                .extracting(f -> f.getFrameworkInfo().getName()).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void theEventStreamSendsFramework2OnlyUserBobsFrameworksAndTasks() throws Exception {
        try (InputStream framework2 = subscribe(FRAMEWORK_2); InputStream operator = subscribe(OPERATOR)) {
            Response.GetState snapshot = next(framework2).getSubscribed().getGetState();
            assertThat(snapshot.getGetFrameworks().getFrameworksList())
                    .extracting(f -> f.getFrameworkInfo().getName()).containsExactly("bob");
            assertOnlyBobs(snapshot.getGetTasks().getTasksList().stream().map(t -> t.getTaskId().getValue()).toList());
            assertThat(next(operator).getSubscribed().getGetState().getGetTasks().getTasksList())
                    .extracting(t -> t.getTaskId().getValue()).contains("alice-task", "bob-task");

            launch(aliceClient, alice, "alice-task-2"); // before bob's: its events would come first
            assertThat(untilTaskAdded(operator, "alice-task-2")).isNotEmpty();
            launch(bobClient, bob, "bob-task-2");
            List<Event> seen = untilTaskAdded(framework2, "bob-task-2");
            assertThat(seen).as("nothing of alice's framework reaches framework-2")
                    .noneMatch(event -> event.toString().contains(alice.frameworkId.getValue()));
            assertThat(seen).anyMatch(event -> event.getType() == Event.Type.TASK_UPDATED
                    && event.getTaskUpdated().getStatus().getTaskId().getValue().equals("bob-task-2"));
        }
    }

    /** bob's first task is there, and nothing but bob's (the stream test launches a second one each). */
    private static void assertOnlyBobs(List<String> taskIds) {
        assertThat(taskIds).contains("bob-task").allMatch(id -> id.startsWith("bob-"));
    }

    private SchedulerClient start(String user, Credential credential, RecordingScheduler scheduler) {
        FrameworkInfo info = Tasks.framework(user, 3600).toBuilder().setUser(user).build();
        SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(base), info, scheduler)
                .credential(credential).autoAcknowledge(true).build();
        closeables.add(client::close);
        client.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.frameworkId != null);
        return client;
    }

    /** Launches {@code taskId} (sleeping) on the framework's next offer and waits for it to run. */
    private static void launch(SchedulerClient client, RecordingScheduler scheduler, String taskId) throws Exception {
        Offer offer = scheduler.nextOffer();
        client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "sleep 600", offer, 0.1, 16))).join();
        scheduler.awaitState(taskId, TaskState.TASK_RUNNING);
    }

    /** The events of {@code stream} up to and including the TASK_ADDED of {@code taskId}, then its TASK_UPDATEs. */
    private static List<Event> untilTaskAdded(InputStream stream, String taskId) {
        return assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            List<Event> events = new ArrayList<>();
            boolean running = false;
            while (!running) {
                Event event = next(stream);
                events.add(event);
                running = event.getType() == Event.Type.TASK_UPDATED
                        && event.getTaskUpdated().getStatus().getTaskId().getValue().equals(taskId)
                        && event.getTaskUpdated().getState() == TaskState.TASK_RUNNING;
            }
            assertThat(events).anyMatch(e -> e.getType() == Event.Type.TASK_ADDED
                    && e.getTaskAdded().getTask().getTaskId().getValue().equals(taskId));
            return events;
        });
    }

    private InputStream subscribe(Credential as) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1"))
                .header("Authorization", Authentication.basicHeader(as))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"SUBSCRIBE\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The next RecordIO record of a JSON event stream. */
    private static Event next(InputStream stream) throws Exception {
        StringBuilder length = new StringBuilder();
        for (int c = stream.read(); c != '\n'; c = stream.read()) {
            assertThat(c).as("a RecordIO length").isBetween((int) '0', (int) '9');
            length.append((char) c);
        }
        return Encoding.JSON.decode(stream.readNBytes(Integer.parseInt(length.toString())),
                Event.getDefaultInstance());
    }

    private Response call(Call.Type type, Credential as) throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1"))
                .header("Authorization", Authentication.basicHeader(as))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\": \"" + type + "\"}")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(type + ": " + new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        return Encoding.JSON.decode(response.body(), Response.getDefaultInstance());
    }

    private JsonNode json(String path, Credential as) throws Exception {
        HttpResponse<String> response = get(path, as);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String path, Credential as) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", Authentication.basicHeader(as)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static List<String> names(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(node -> node.path(field).asText()).toList();
    }

    /** framework-2 sees user bob's objects and nothing else; operator sees all; others: permissive. */
    private static String seesOnlyBob(String objects) {
        return values("framework-2", objects, null) + "," + values("framework-2", objects, "NONE") + ","
                + values("operator", objects, "ANY");
    }

    /** A rule for one principal: objects of {@code type} (ANY, NONE) or, with null, the value bob. */
    private static String values(String principal, String objects, String type) {
        return "{\"principals\": {\"values\": [\"" + principal + "\"]}, \"" + objects + "\": "
                + (type == null ? "{\"values\": [\"bob\"]}" : "{\"type\": \"" + type + "\"}") + "}";
    }

    private static String any(String objects, String type) {
        return "{\"principals\": {\"type\": \"ANY\"}, \"" + objects + "\": {\"type\": \"" + type + "\"}}";
    }
}
