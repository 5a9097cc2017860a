package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.frameworks.common.FrameworkHttp;
import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.jobs.JobsConfig;
import io.corral.frameworks.jobs.JobsFramework;
import io.corral.frameworks.services.ServicesFramework;
import io.corral.protocol.concurrent.ManualTimers;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in frameworks run every task under their own principal, so their REST APIs check each caller against the
 * cluster's ACLs: {@code run_tasks} for the user an app's or job's tasks run as before any change, {@code view_tasks}
 * to see it. Without that, anyone who may call the API could have tasks run as any user the framework may use.
 */
class FrameworkAuthorizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String USER = System.getProperty("user.name");
    private static final String OTHER_USER = "corral-test-someone-else";
    /** May run tasks as this test's user (the frameworks' default) and see everything. */
    private static final Credential ALICE = new Credential("alice", "alice-secret");
    /** May see everything, run nothing. */
    private static final Credential CAROL = new Credential("carol", "carol-secret");
    /** May do nothing. */
    private static final Credential BOB = new Credential("bob", "bob-secret");

    @TempDir
    Path dir;
    private InProcessCluster cluster;
    private final List<FrameworkProcess> processes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessCluster.start(dir, 1, 1);
    }

    @AfterEach
    void stop() throws Exception {
        processes.forEach(FrameworkProcess::close);
        cluster.close();
    }

    private FrameworkProcess start(String name, FrameworkProcess.Parts parts) {
        Acls acls = Acls.parse(JSON.createObjectNode().put("permissive", false)
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("run_tasks", rules("users", "alice"))
                .set("view_tasks", rules("users", "alice", "carol")), "test ACLs");
        FrameworkHttp.Options http = FrameworkHttp.Options.of("127.0.0.1", 0,
                Optional.of(Credentials.of(List.of(ALICE, CAROL, BOB)))).withAcls(acls);
        FrameworkProcess process = FrameworkProcess.start(new FrameworkProcess.Options(name, cluster.zk,
                Duration.ofSeconds(2), http, "127.0.0.1", Optional.empty(), Optional.empty(), "*", USER), parts);
        processes.add(process);
        await().atMost(Duration.ofSeconds(20)).until(process::isLeader);
        return process;
    }

    /** One rule: {@code principals} may act on this test's user only. */
    private static com.fasterxml.jackson.databind.node.ArrayNode rules(String objects, String... principals) {
        com.fasterxml.jackson.databind.node.ArrayNode list = JSON.createArrayNode();
        com.fasterxml.jackson.databind.node.ObjectNode rule = list.addObject();
        com.fasterxml.jackson.databind.node.ArrayNode who = rule.putObject("principals").putArray("values");
        for (String principal : principals) {
            who.add(principal);
        }
        rule.putObject(objects).putArray("values").add(USER);
        return list;
    }

    private static HttpResponse<String> call(FrameworkProcess server, Credential as, String method, String path,
                                             String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", Authentication.basicHeader(as))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"'))).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    @Test
    void servicesChangesNeedRunTasksForTheAppsUserAndReadsNeedViewTasks() throws Exception {
        FrameworkProcess services = start(ServicesFramework.NAME, ServicesFramework.parts());

        HttpResponse<String> asSomeoneElse = call(services, ALICE, "POST", "/v1/apps",
                "{'id': 'escalate', 'cmd': 'sleep 600', 'instances': 1, 'mem': 16, 'user': '" + OTHER_USER + "'}");
        assertThat(asSomeoneElse.statusCode()).as(asSomeoneElse.body()).isEqualTo(403);
        assertThat(json(asSomeoneElse).path("message").asText()).contains("alice", OTHER_USER, "run_tasks");
        HttpResponse<String> byCarol = call(services, CAROL, "POST", "/v1/apps",
                "{'id': 'carols', 'cmd': 'sleep 600', 'instances': 1, 'mem': 16}");
        assertThat(byCarol.statusCode()).as(byCarol.body()).isEqualTo(403);
        assertThat(json(call(services, ALICE, "GET", "/v1/apps", null)).path("apps")).as("nothing half-created")
                .isEmpty();

        HttpResponse<String> created = call(services, ALICE, "POST", "/v1/apps",
                "{'id': 'web', 'cmd': 'sleep 600', 'instances': 1, 'mem': 16}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        // carol sees it but may not change it
        assertThat(json(call(services, CAROL, "GET", "/v1/apps", null)).path("apps")).hasSize(1);
        assertThat(call(services, CAROL, "GET", "/v1/apps/web", null).statusCode()).isEqualTo(200);
        assertThat(call(services, CAROL, "POST", "/v1/apps/web/scale?force=true", "{'instances': 5}").statusCode())
                .isEqualTo(403);
        assertThat(call(services, CAROL, "DELETE", "/v1/apps/web", null).statusCode()).isEqualTo(403);
        // alice may not move her app to a user she may not run tasks as
        assertThat(call(services, ALICE, "PUT", "/v1/apps/web?force=true", "{'user': '" + OTHER_USER + "'}")
                .statusCode()).isEqualTo(403);
        // bob sees nothing: the app is not listed, and is "not found" for every call
        assertThat(json(call(services, BOB, "GET", "/v1/apps", null)).path("apps")).isEmpty();
        assertThat(json(call(services, BOB, "GET", "/v1/deployments", null)).path("deployments")).isEmpty();
        assertThat(call(services, BOB, "GET", "/v1/apps/web", null).statusCode()).isEqualTo(404);
        assertThat(call(services, BOB, "GET", "/v1/apps/web/versions", null).statusCode()).isEqualTo(404);
        assertThat(call(services, BOB, "POST", "/v1/apps/web/restart?force=true", null).statusCode()).isEqualTo(404);

        JsonNode web = json(call(services, ALICE, "GET", "/v1/apps/web", null));
        assertThat(web.path("instances").asInt()).as("refused changes changed nothing").isEqualTo(1);
        assertThat(web.path("version").asLong()).isEqualTo(1);
        assertThat(call(services, ALICE, "POST", "/v1/apps/web/scale?force=true", "{'instances': 0}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void jobsChangesAndRunsNeedRunTasksForTheJobsUserAndReadsNeedViewTasks() throws Exception {
        FrameworkProcess jobs = start(JobsFramework.NAME, JobsFramework.parts(
                new ManualTimers(System.currentTimeMillis()), JobsConfig.DEFAULTS));

        HttpResponse<String> asSomeoneElse = call(jobs, ALICE, "POST", "/v1/jobs",
                "{'id': 'escalate', 'cmd': 'true', 'user': '" + OTHER_USER + "'}");
        assertThat(asSomeoneElse.statusCode()).as(asSomeoneElse.body()).isEqualTo(403);
        assertThat(json(call(jobs, ALICE, "GET", "/v1/jobs", null))).as("nothing half-created").isEmpty();
        HttpResponse<String> created = call(jobs, ALICE, "POST", "/v1/jobs", "{'id': 'hello', 'cmd': 'true'}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        assertThat(json(call(jobs, CAROL, "GET", "/v1/jobs", null))).hasSize(1);
        assertThat(call(jobs, CAROL, "POST", "/v1/jobs/hello/runs", null).statusCode()).isEqualTo(403);
        assertThat(call(jobs, CAROL, "DELETE", "/v1/jobs/hello", null).statusCode()).isEqualTo(403);
        assertThat(call(jobs, ALICE, "PUT", "/v1/jobs/hello", "{'cmd': 'id', 'user': '" + OTHER_USER + "'}")
                .statusCode()).isEqualTo(403);
        assertThat(json(call(jobs, BOB, "GET", "/v1/jobs", null))).isEmpty();
        assertThat(call(jobs, BOB, "GET", "/v1/jobs/hello", null).statusCode()).isEqualTo(404);
        assertThat(call(jobs, BOB, "GET", "/v1/jobs/hello/runs", null).statusCode()).isEqualTo(404);
        assertThat(call(jobs, BOB, "POST", "/v1/jobs/hello/runs", null).statusCode()).isEqualTo(404);
        assertThat(json(call(jobs, ALICE, "GET", "/v1/jobs/hello/runs", null))).as("no run was started").isEmpty();

        assertThat(call(jobs, ALICE, "POST", "/v1/jobs/hello/runs", null).statusCode()).isEqualTo(201);
        assertThat(json(call(jobs, ALICE, "GET", "/v1/jobs/hello", null)).path("cmd").asText()).isEqualTo("true");
    }
}
