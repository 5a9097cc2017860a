package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.AgentServer;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.master.http.MasterHttp;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.zookeeper.ZkUrl;
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
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master started with credentials and ACLs, as {@code corral local} starts its masters, tried over real HTTP the
 * way issue 10's attacker did: no route but health and version answers without credentials, a framework cannot be
 * taken over by another principal, and only the agents' principal may speak the agent protocol.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureClusterTest {
    private static final Credential OPERATOR = new Credential("operator", "operator-secret");
    private static final Credential FRAMEWORK = new Credential("framework", "framework-secret");
    private static final Credential FRAMEWORK_2 = new Credential("framework-2", "framework-2-secret");
    private static final Credential AGENT = new Credential("agent", "agent-secret");
    /** Only the agents' principal registers agents; only the operator changes weights and tears frameworks down. */
    private static final String ACLS = "{\"register_agents\": ["
            + "{\"principals\": {\"values\": [\"agent\"]}, \"agents\": {\"type\": \"ANY\"}},"
            + "{\"principals\": {\"type\": \"ANY\"}, \"agents\": {\"type\": \"NONE\"}}],"
            + " \"update_weights\": ["
            + "{\"principals\": {\"values\": [\"operator\"]}, \"roles\": {\"type\": \"ANY\"}},"
            + "{\"principals\": {\"type\": \"ANY\"}, \"roles\": {\"type\": \"NONE\"}}],"
            + " \"teardown_frameworks\": ["
            + "{\"principals\": {\"values\": [\"operator\"]}, \"framework_principals\": {\"type\": \"ANY\"}},"
            + "{\"principals\": {\"type\": \"ANY\"}, \"framework_principals\": {\"type\": \"NONE\"}}]}";

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestingServer zookeeper;
    private MasterServer master;
    private String base;
    private String agentBase;

    @BeforeAll
    void startSecureCluster(@TempDir Path dir) throws Exception {
        zookeeper = new TestingServer(true);
        ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
        Path acls = Files.writeString(dir.resolve("acls.json"), ACLS);
        Credentials credentials = Credentials.of(List.of(OPERATOR, FRAMEWORK, FRAMEWORK_2, AGENT));
        master = MasterServer.start(new MasterServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(), Optional.of(credentials),
                Acls.read(acls)), () -> { });
        base = "http://127.0.0.1:" + master.port();
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                dir.resolve("agent"), InProcessCluster.AGENT_RESOURCES, InProcessCluster.SESSION_TIMEOUT,
                Duration.ofSeconds(45)).withSecurity(new AgentServer.Security(Optional.of(AGENT),
                Optional.of(credentials))));
        agentBase = "http://127.0.0.1:" + agent.port();
        closeables.add(() -> agent.stop(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/master/slaves", OPERATOR).body()
                .contains("\"active\":true"));
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
    void everyRouteButHealthAndVersionDemandsCredentials() throws Exception {
        List<String> paths = new ArrayList<>();
        MasterHttp.ROUTES.forEach(path -> {
            paths.add(path);
            paths.add("/master" + path);
        });
        paths.add("/no/such/route");
        for (String path : paths) {
            boolean open = MasterServer.OPEN_PATHS.contains(path);
            for (String method : List.of("GET", "POST")) {
                HttpResponse<String> anonymous = send(method, path, Optional.empty());
                HttpResponse<String> wrongSecret = send(method, path,
                        Optional.of(new Credential("operator", "guess")));
                if (open) {
                    assertThat(anonymous.statusCode()).as(method + " " + path).isNotEqualTo(401);
                } else {
                    assertThat(anonymous.statusCode()).as(method + " " + path + " anonymous").isEqualTo(401);
                    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as(path)
                            .hasValue("Basic realm=\"corral\"");
                    assertThat(wrongSecret.statusCode()).as(method + " " + path + " wrong secret").isEqualTo(401);
                }
            }
        }
        assertThat(get("/master/state", OPERATOR).statusCode()).isEqualTo(200);
        assertThat(get("/metrics", OPERATOR).body()).as("refusals are counted")
                .containsPattern("corral_http_authentication_failures_total(\\{[^}]*\\})? [1-9]");
        assertThat(get("/master/flags", OPERATOR).body()).contains("\"authenticate_frameworks\":\"true\"");
    }

    @Test
    void theAgentsEndpointsDemandCredentialsToo() throws Exception {
        for (String path : List.of("/state", "/slave(1)/state", "/files/read?path=/etc/passwd&offset=0",
                "/files/browse?path=/", "/metrics/snapshot", "/monitor/statistics", "/api/v1")) {
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(agentBase + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
        }
        assertThat(http.send(HttpRequest.newBuilder(URI.create(agentBase + "/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        HttpResponse<String> state = http.send(HttpRequest.newBuilder(URI.create(agentBase + "/state"))
                .header("Authorization", Authentication.basicHeader(OPERATOR)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(state.statusCode()).isEqualTo(200);
        assertThat(state.body()).contains("\"authenticate_http_executors\":\"true\"");
    }

    @Test
    void anotherPrincipalCannotTakeOverAFrameworkByItsId() throws Exception {
        RecordingScheduler owner = new RecordingScheduler();
        SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(base),
                Tasks.framework("owned", 3600), owner).credential(FRAMEWORK).build();
        closeables.add(client::close);
        client.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> owner.frameworkId != null);
        assertThat(owner.offers.poll(30, java.util.concurrent.TimeUnit.SECONDS)).as("offers from the agent,"
                + " which registered with its credential").isNotEmpty();

        FrameworkInfo stolen = Tasks.framework("thief", 0).toBuilder().setId(owner.frameworkId)
                .setPrincipal(FRAMEWORK_2.principal()).build();
        HttpResponse<String> takeover = subscribe(stolen, FRAMEWORK_2);
        assertThat(takeover.statusCode()).isEqualTo(403);
        assertThat(takeover.body()).contains("belongs to principal 'framework'");

        HttpResponse<String> impersonation = subscribe(stolen.toBuilder().setPrincipal("framework").build(),
                FRAMEWORK_2);
        assertThat(impersonation.statusCode()).isEqualTo(400);
        assertThat(impersonation.body()).contains("does not match principal");

        assertThat(get("/master/frameworks", OPERATOR).body()).contains("\"active\":true")
                .contains(owner.frameworkId.getValue());

        HttpResponse<String> teardown = post("/api/v1", "{\"type\": \"TEARDOWN\", \"teardown\": {\"framework_id\":"
                + " {\"value\": \"" + owner.frameworkId.getValue() + "\"}}}", Optional.of(FRAMEWORK_2));
        assertThat(teardown.statusCode()).as(teardown.body()).isEqualTo(403);
        assertThat(teardown.body()).contains("teardown_frameworks");
        assertThat(get("/master/frameworks", OPERATOR).body()).contains(owner.frameworkId.getValue());
    }

    @Test
    void operatorCallsAreCheckedAgainstTheAcls() throws Exception {
        String weights = "{\"type\": \"UPDATE_WEIGHTS\", \"update_weights\": {\"weight_infos\":"
                + " [{\"role\": \"web\", \"weight\": 2.0}]}}";
        HttpResponse<String> denied = post("/api/v1", weights, Optional.of(FRAMEWORK));
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("update_weights").contains("'web'");
        assertThat(get("/master/weights", OPERATOR).body()).doesNotContain("web");

        assertThat(post("/api/v1", weights, Optional.of(OPERATOR)).statusCode()).isEqualTo(200);
        assertThat(get("/master/weights", OPERATOR).body()).contains("web");
    }

    @Test
    void onlyTheAgentsPrincipalSpeaksTheAgentProtocol() throws Exception {
        String agentId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(get("/master/slaves", OPERATOR).body())
                .path("slaves").get(0).path("id").asText();
        String spoof = "{\"type\": \"REGISTER\", \"register\": {\"agent_info\": {\"id\": {\"value\": \"" + agentId
                + "\"}, \"hostname\": \"evil\", \"port\": 1, \"resources\": []}}}";
        HttpResponse<String> refused = post("/api/v1/corral/agent", spoof, Optional.of(FRAMEWORK));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("not authorized to register agents");
        assertThat(get("/master/slaves", OPERATOR).body()).contains("\"active\":true").doesNotContain("evil");
    }

    private HttpResponse<String> subscribe(FrameworkInfo info, Credential as) throws Exception {
        Call call = Call.newBuilder().setType(Call.Type.SUBSCRIBE).setFrameworkId(info.getId())
                .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(info)).build();
        return post("/api/v1/scheduler", MesosJson.print(call), Optional.of(as));
    }

    private HttpResponse<String> get(String path, Credential as) throws Exception {
        return send("GET", path, Optional.of(as));
    }

    private HttpResponse<String> post(String path, String json, Optional<Credential> as) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        as.ifPresent(c -> request.header("Authorization", Authentication.basicHeader(c)));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> send(String method, String path, Optional<Credential> as) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{}"));
        as.ifPresent(c -> request.header("Authorization", Authentication.basicHeader(c)));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
