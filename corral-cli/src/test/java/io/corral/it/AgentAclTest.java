package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.agent.AgentServer;
import io.corral.agent.containerizer.IsolationOptions;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.security.RateLimits;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.zookeeper.ZkUrl;
import java.net.URI;
import java.net.URLEncoder;
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
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent started with {@code --acls} and {@code --rate-limits}, on a real cluster (ZooKeeper, a master, the agent,
 * over loopback HTTP with credentials), running one task for user {@code bob} (framework {@code framework}) and one
 * for user {@code alice} (framework {@code framework-2}). Principal {@code framework-2} may access and view only
 * alice's sandboxes, tasks and frameworks; {@code operator} sees everything; {@code batch} is held to 0.01 requests a
 * second with no queue, on the agent and on the master.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentAclTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Credential OPERATOR = new Credential("operator", "operator-secret");
    private static final Credential FRAMEWORK = new Credential("framework", "framework-secret");
    private static final Credential FRAMEWORK_2 = new Credential("framework-2", "framework-2-secret");
    private static final Credential AGENT = new Credential("agent", "agent-secret");
    private static final Credential BATCH = new Credential("batch", "batch-secret");
    /** Per view action: the operator any user, framework-2 alice's, framework bob's; nobody else anything. */
    private static final String AGENT_ACLS = """
            {"permissive": false,
             "access_sandboxes": %1$s, "view_frameworks": %1$s, "view_executors": %1$s, "view_tasks": %1$s,
             "view_flags": [{"principals": {"values": ["operator"]}, "flags": {"type": "ANY"}}]}
            """.formatted("""
            [{"principals": {"values": ["operator"]}, "users": {"type": "ANY"}},
             {"principals": {"values": ["framework-2"]}, "users": {"values": ["alice"]}},
             {"principals": {"values": ["framework"]}, "users": {"values": ["bob"]}}]""");
    /** One request per 100 s for batch, none waiting: its second request is refused at once. */
    private static final String RATE_LIMITS = "{\"limits\": [{\"principal\": \"batch\", \"qps\": 0.01,"
            + " \"capacity\": 0}]}";

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestingServer zookeeper;
    private String masterBase;
    private String agentBase;
    private String bobsSandbox;
    private String alicesSandbox;

    @BeforeAll
    void startAClusterWithTwoUsersTasks(@TempDir Path dir) throws Exception {
        zookeeper = new TestingServer(true);
        closeables.add(zookeeper);
        ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
        Credentials credentials = Credentials.of(List.of(OPERATOR, FRAMEWORK, FRAMEWORK_2, AGENT, BATCH));
        RateLimits rateLimits = RateLimits.read(Files.writeString(dir.resolve("rate-limits.json"), RATE_LIMITS));
        MasterServer master = MasterServer.start(new MasterServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(), Optional.of(credentials),
                Acls.permitAll()).withRateLimits(rateLimits), () -> { });
        closeables.add(master);
        masterBase = "http://127.0.0.1:" + master.port();
        // Without switching users the tasks run as this JVM's user; the ACLs judge the users they name, as Mesos's.
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                dir.resolve("agent"), InProcessCluster.AGENT_RESOURCES, InProcessCluster.SESSION_TIMEOUT,
                Duration.ofSeconds(45), new IsolationOptions(List.of(), 4096, Duration.ofSeconds(15), false),
                Duration.ofMinutes(1), AgentServer.SandboxOptions.DEFAULT,
                new AgentServer.Security(Optional.of(AGENT), Optional.of(credentials),
                        Acls.read(Files.writeString(dir.resolve("acls.json"), AGENT_ACLS)), rateLimits)));
        closeables.add(() -> agent.stop(true));
        agentBase = "http://127.0.0.1:" + agent.port();
        await().atMost(Duration.ofSeconds(30)).until(() -> get(masterBase, "/master/slaves", OPERATOR).body()
                .contains("\"active\":true"));

        bobsSandbox = runTask(FRAMEWORK, "bob", "bobs-task");
        alicesSandbox = runTask(FRAMEWORK_2, "alice", "alices-task");
    }

    /** Runs a task for {@code user} as {@code principal}'s framework; answers its sandbox once it wrote its line. */
    private String runTask(Credential principal, String user, String taskId) throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(masterBase),
                Tasks.framework(taskId + "-framework", 60).toBuilder().setUser(user).build(), scheduler)
                .credential(principal).autoAcknowledge(true).build();
        closeables.add(client::close);
        client.start();
        Offer offer = scheduler.nextOffer();
        client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "echo " + user + "-output; sleep 300",
                offer, 0.1, 32))).join();
        scheduler.awaitState(taskId, TaskState.TASK_RUNNING);
        String sandbox = await().atMost(Duration.ofSeconds(10)).until(() -> executors(getJson(agentBase, "/state",
                OPERATOR)).stream().filter(executor -> executor.path("id").asText().equals(taskId))
                .map(executor -> executor.path("directory").asText()).findFirst().orElse(""), d -> !d.isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> read(sandbox + "/stdout", OPERATOR).body()
                .contains(user + "-output"));
        return sandbox;
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void framework2ReadsAlicesSandboxesOnly() throws Exception {
        HttpResponse<String> own = read(alicesSandbox + "/stdout", FRAMEWORK_2);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("alice-output");

        for (String endpoint : List.of("/files/read?offset=0&path=", "/files/browse?path=", "/files/download?path=")) {
            HttpResponse<String> others = get(agentBase, endpoint + encode(bobsSandbox + "/stdout"), FRAMEWORK_2);
            assertThat(others.statusCode()).as(endpoint).isEqualTo(403);
            assertThat(others.body()).as(endpoint).contains("access_sandboxes").contains("user 'bob'")
                    .doesNotContain("bob-output");
        }
        HttpResponse<String> missing = read(bobsSandbox + "/no-such-file", FRAMEWORK_2);
        assertThat(missing.statusCode()).as("refused before the disk is looked at").isEqualTo(403);

        assertThat(read(bobsSandbox + "/stdout", OPERATOR).body()).contains("bob-output");
        assertThat(read(bobsSandbox + "/stdout", FRAMEWORK).body()).contains("bob-output");

        String debug = get(agentBase, "/files/debug", FRAMEWORK_2).body();
        assertThat(debug).contains("alices-task").doesNotContain("bobs-task");
        assertThat(get(agentBase, "/files/debug", OPERATOR).body()).contains("alices-task").contains("bobs-task");

        HttpResponse<String> readFile = operatorCall("{\"type\": \"READ_FILE\", \"read_file\": {\"path\": \""
                + bobsSandbox + "/stdout\", \"offset\": 0}}", FRAMEWORK_2);
        assertThat(readFile.statusCode()).isEqualTo(403);
        assertThat(readFile.body()).contains("access_sandboxes");
        HttpResponse<String> listFiles = operatorCall("{\"type\": \"LIST_FILES\", \"list_files\": {\"path\": \""
                + bobsSandbox + "\"}}", FRAMEWORK_2);
        assertThat(listFiles.statusCode()).isEqualTo(403);
        assertThat(operatorCall("{\"type\": \"LIST_FILES\", \"list_files\": {\"path\": \"" + alicesSandbox + "\"}}",
                FRAMEWORK_2).body()).contains("stdout");
    }

    @Test
    void stateAndTheOperatorApiHideWhatAPrincipalMayNotView() throws Exception {
        JsonNode mine = getJson(agentBase, "/state", FRAMEWORK_2);
        assertThat(mine.path("frameworks")).hasSize(1);
        assertThat(mine.path("frameworks").get(0).path("user").asText()).isEqualTo("alice");
        assertThat(executors(mine)).extracting(executor -> executor.path("id").asText()).containsExactly("alices-task");
        assertThat(mine.toString()).doesNotContain("bobs-task").doesNotContain("\"bob\"");
        assertThat(mine.has("flags")).as("flags need view_flags").isFalse();

        JsonNode all = getJson(agentBase, "/state", OPERATOR);
        assertThat(all.path("frameworks")).hasSize(2);
        assertThat(executors(all)).extracting(executor -> executor.path("id").asText())
                .containsExactlyInAnyOrder("alices-task", "bobs-task");
        assertThat(all.path("flags").path("work_dir").asText()).isNotEmpty();

        String tasks = operatorCall("{\"type\": \"GET_TASKS\"}", FRAMEWORK_2).body();
        assertThat(tasks).contains("alices-task").doesNotContain("bobs-task");
        String state = operatorCall("{\"type\": \"GET_STATE\"}", FRAMEWORK_2).body();
        assertThat(state).contains("alices-task").doesNotContain("bobs-task");
        String frameworks = operatorCall("{\"type\": \"GET_FRAMEWORKS\"}", FRAMEWORK_2).body();
        assertThat(frameworks).contains("alices-task-framework").doesNotContain("bobs-task-framework");
        assertThat(operatorCall("{\"type\": \"GET_EXECUTORS\"}", FRAMEWORK_2).body()).contains("alices-task")
                .doesNotContain("bobs-task");
        assertThat(operatorCall("{\"type\": \"GET_CONTAINERS\"}", FRAMEWORK_2).body()).contains("alices-task")
                .doesNotContain("bobs-task");
        assertThat(operatorCall("{\"type\": \"GET_TASKS\"}", OPERATOR).body()).contains("alices-task")
                .contains("bobs-task");

        HttpResponse<String> flags = get(agentBase, "/flags", FRAMEWORK_2);
        assertThat(flags.statusCode()).isEqualTo(403);
        assertThat(flags.body()).contains("view_flags");
        assertThat(operatorCall("{\"type\": \"GET_FLAGS\"}", FRAMEWORK_2).statusCode()).isEqualTo(403);
        assertThat(get(agentBase, "/flags", OPERATOR).body()).contains("work_dir");
        assertThat(operatorCall("{\"type\": \"GET_FLAGS\"}", OPERATOR).statusCode()).isEqualTo(200);
    }

    @Test
    void aPrincipalOverItsRateIsRefusedWithRetryAfterAndCountedWhileOthersAreServed() throws Exception {
        for (String[] server : List.of(new String[] {agentBase, "/state"}, new String[] {masterBase,
                "/master/state"})) {
            String base = server[0];
            assertThat(get(base, server[1], BATCH).statusCode()).as(base).isEqualTo(200);
            HttpResponse<String> over = get(base, server[1], BATCH);
            assertThat(over.statusCode()).as(base).isEqualTo(429);
            assertThat(over.headers().firstValue("Retry-After").map(Long::parseLong)).as(base).hasValueSatisfying(
                    seconds -> assertThat(seconds).isBetween(1L, 100L));
            assertThat(over.body()).contains("principal 'batch'");
            assertThat(get(base, server[1], OPERATOR).statusCode()).as("another principal, at once").isEqualTo(200);
            assertThat(get(base, "/metrics", OPERATOR).body()).as(base)
                    .contains("corral_http_throttled_total{principal=\"batch\"} 1.0")
                    .doesNotContain("corral_http_throttled_total{principal=\"operator\"}");
        }
    }

    private static List<JsonNode> executors(JsonNode state) {
        List<JsonNode> executors = new ArrayList<>();
        for (JsonNode framework : state.path("frameworks")) {
            StreamSupport.stream(framework.path("executors").spliterator(), false).forEach(executors::add);
        }
        return executors;
    }

    private HttpResponse<String> read(String path, Credential as) throws Exception {
        return get(agentBase, "/files/read?offset=0&path=" + encode(path), as);
    }

    private HttpResponse<String> operatorCall(String json, Credential as) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(agentBase + "/api/v1")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("Authorization", Authentication.basicHeader(as))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private JsonNode getJson(String base, String path, Credential as) throws Exception {
        HttpResponse<String> response = get(base, path, as);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String base, String path, Credential as) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", Authentication.basicHeader(as)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
