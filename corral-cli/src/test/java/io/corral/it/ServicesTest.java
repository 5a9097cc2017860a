package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Services framework on a real in-process cluster: apps kept at their instance count. */
class ServicesTest {
    /** Apps the Services process keeps at most: no test here needs more, and the last test fills them. */
    private static final int MAX_APPS = 2;

    @TempDir
    Path dir;
    private ServicesCluster services;

    @BeforeEach
    void start() throws Exception {
        services = new ServicesCluster(InProcessCluster.start(dir.resolve("cluster"), 1, 2));
        services.startServices(MAX_APPS);
        await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.get(0).isLeader());
    }

    @AfterEach
    void stop() throws Exception {
        services.close();
    }

    /** A command that records its pid (see {@link TaskPids}), then sleeps. */
    private String sleeper() throws Exception {
        return pids().recordingThen("CORRAL_TASK_ID", "sleep 600");
    }

    private TaskPids pids() throws Exception {
        return new TaskPids(dir.resolve("pids"));
    }

    private List<String> runningTasks(String app) throws Exception {
        List<String> running = new ArrayList<>();
        for (JsonNode task : services.get("/v1/apps/" + app).get("tasks")) {
            if (task.get("state").asText().equals("TASK_RUNNING")) {
                running.add(task.get("id").asText());
            }
        }
        return running;
    }

    private boolean deployed(String app) throws Exception {
        for (JsonNode d : services.get("/v1/deployments").get("deployments")) {
            if (d.get("app_id").asText().equals(app)) {
                return false;
            }
        }
        return true;
    }

    /** Task processes of the app that are alive, by the pid files they wrote. */
    private long liveProcesses(String appKey) throws Exception {
        return pids().alive(appKey + ".");
    }

    @Test
    void scalingUpAndDownKeepsExactlyTheAskedCount() throws Exception {
        assertThat(services.send("POST", "/v1/apps", "{\"id\": \"api\", \"cmd\": \"" + sleeper()
                + "\", \"instances\": 1, \"mem\": 16}").status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> deployed("api"));

        ServicesCluster.Response up = services.send("POST", "/v1/apps/api/scale", "{\"instances\": 4}");
        assertThat(up.status()).as(up.json().toString()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> deployed("api") && runningTasks("api").size() == 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> liveProcesses("api") == 4);

        assertThat(services.send("POST", "/v1/apps/api/scale", "{\"instances\": 1}").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> deployed("api") && runningTasks("api").size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> liveProcesses("api") == 1);

        JsonNode versions = services.get("/v1/apps/api/versions").get("versions");
        assertThat(versions).hasSize(3);
        assertThat(versions.get(0).get("instances").asInt()).isEqualTo(1);
        assertThat(services.send("POST", "/v1/apps/api/scale", "{\"instances\": -2}").json().get("errors")
                .get(0).get("field").asText()).isEqualTo("instances");

        assertThat(services.send("DELETE", "/v1/apps/api", null).status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> services.send("GET", "/v1/apps/api", null).status()
                == 404);
        await().atMost(Duration.ofSeconds(10)).until(() -> liveProcesses("api") == 0);
    }

    @Test
    void aRollingUpdateNeverDropsBelowTheMinimumHealthy() throws Exception {
        String app = "{\"id\": \"roll\", \"cmd\": \"" + sleeper() + "\", \"instances\": 3, \"mem\": 16,"
                + " \"env\": {\"V\": \"1\"},"
                + " \"healthChecks\": [{\"protocol\": \"COMMAND\", \"command\": \"true\","
                + " \"intervalSeconds\": 0.5, \"delaySeconds\": 1, \"gracePeriodSeconds\": 10}],"
                + " \"upgradeStrategy\": {\"minimumHealthCapacity\": 0.6, \"maximumOverCapacity\": 0}}";
        assertThat(services.send("POST", "/v1/apps", app).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> deployed("roll"));
        assertThat(services.get("/v1/apps/roll").get("counts").get("healthy").asInt()).isEqualTo(3);

        ServicesCluster.Response update = services.send("PUT", "/v1/apps/roll", "{\"env\": {\"V\": \"2\"}}");
        assertThat(update.status()).as(update.json().toString()).isEqualTo(200);
        int lowest = Integer.MAX_VALUE;
        int highest = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!deployed("roll")) {
            JsonNode view = services.get("/v1/apps/roll");
            lowest = Math.min(lowest, view.get("counts").get("healthy").asInt());
            highest = Math.max(highest, view.get("tasks").size());
            assertThat(System.nanoTime()).as("deployment finished in time").isLessThan(deadline);
        }
        JsonNode done = services.get("/v1/apps/roll");
        assertThat(lowest).as("healthy instances during the update").isGreaterThanOrEqualTo(2);
        assertThat(highest).as("tasks at once (maximumOverCapacity 0)").isLessThanOrEqualTo(3);
        assertThat(done.get("tasks")).hasSize(3).allMatch(t -> t.get("version").asLong() == 2
                && t.get("healthy").asBoolean());
        await().atMost(Duration.ofSeconds(10)).until(() -> liveProcesses("roll") == 3);

        // back to version 1's content, as version 3
        ServicesCluster.Response rollback = services.send("POST", "/v1/apps/roll/rollback", "{}");
        assertThat(rollback.status()).as(rollback.json().toString()).isEqualTo(200);
        assertThat(rollback.json().get("version").asLong()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(60)).until(() -> deployed("roll"));
        assertThat(services.get("/v1/apps/roll").get("env").get("V").asText()).isEqualTo("1");
    }

    @Test
    void badDefinitionsAreRefusedNamingTheFieldsAndNothingIsCreated() throws Exception {
        ServicesCluster.Response refused = services.send("POST", "/v1/apps",
                "{\"id\": \"Bad_Id\", \"cpus\": -1, \"instances\": 2.5, \"constraints\": [[\"hostname\"]]}");

        assertThat(refused.status()).isEqualTo(422);
        List<String> fields = new ArrayList<>();
        refused.json().get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertThat(fields).containsExactlyInAnyOrder("id", "cmd", "cpus", "instances", "constraints[0]");
        assertThat(services.send("POST", "/v1/apps", "{not json").status()).isEqualTo(400);
        assertThat(services.get("/v1/apps").get("apps")).isEmpty();
        assertThat(services.get("/v1/deployments").get("deployments")).isEmpty();
        assertThat(services.send("GET", "/v1/apps/nope", null).status()).isEqualTo(404);
    }

    @Test
    void noMoreAppsThanTheMostKeptAreCreatedAndARemovalMakesRoom() throws Exception {
        String idle = ", \"cmd\": \"true\", \"instances\": 0}";
        for (int i = 0; i < MAX_APPS; i++) {
            assertThat(services.send("POST", "/v1/apps", "{\"id\": \"a" + i + "\"" + idle).status()).isEqualTo(201);
        }

        ServicesCluster.Response refused = services.send("POST", "/v1/apps", "{\"id\": \"one-more\"" + idle);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().toString()).contains("already keeps 2 apps").contains("--max-apps");
        assertThat(services.get("/v1/apps").get("apps")).hasSize(MAX_APPS);
        assertThat(services.send("DELETE", "/v1/apps/a0", null).status()).isLessThan(300);
        await().atMost(Duration.ofSeconds(30)).until(() -> services.send("POST", "/v1/apps",
                "{\"id\": \"one-more\"" + idle).status() == 201);
    }

    @Test
    void anInstanceWhoseProcessIsKilledIsReplaced() throws Exception {
        ServicesCluster.Response created = services.send("POST", "/v1/apps",
                "{\"id\": \"/prod/web\", \"cmd\": \"" + sleeper() + "\", \"instances\": 2, \"cpus\": 0.1,"
                        + " \"mem\": 32, \"ports\": 1}");
        assertThat(created.status()).as(created.json().toString()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> runningTasks("prod/web").size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> services.get("/v1/deployments").get("deployments")
                .isEmpty());
        String victim = runningTasks("prod/web").get(0);
        long pid = pids().pidOf(victim);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<String> running = runningTasks("prod/web");
            return running.size() == 2 && !running.contains(victim);
        });
        JsonNode app = services.get("/v1/apps/prod/web");
        assertThat(app.get("tasks")).hasSize(2);
        assertThat(app.get("last_failure").asText()).contains(victim);
        assertThat(app.get("tasks").get(0).get("ports")).hasSize(1);
    }

    /**
     * An app whose instances run under a custom executor (the agent module's JDK-only {@code TestExecutor}, which runs
     * the task's data with {@code sh -c}): each instance gets its own executor, the app's cmd reaches it as the
     * task's data, and an instance whose process dies is replaced as any other.
     */
    @Test
    void anAppUnderACustomExecutorIsKeptAtItsCount() throws Exception {
        Path testExecutor = Path.of("..", "corral-agent", "src", "test", "java", "io", "corral", "agent",
                "testexecutor", "TestExecutor.java").toAbsolutePath().normalize();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String executor = "exec " + java + " -Xmx48m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC " + testExecutor;
        ServicesCluster.Response created = services.send("POST", "/v1/apps", "{\"id\": \"custom\", \"cmd\": \""
                + sleeper() + "\", \"instances\": 2, \"cpus\": 0.1, \"mem\": 16,"
                + " \"executor\": {\"cmd\": \"" + executor + "\", \"mem\": 64}}");
        assertThat(created.status()).as(created.json().toString()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(60)).until(() -> runningTasks("custom").size() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> liveProcesses("custom") == 2);
        JsonNode state = services.masterState();
        JsonNode framework = state.path("frameworks").get(0);
        assertThat(framework.path("executors")).as("one executor per instance").hasSize(2);
        assertThat(framework.path("used_resources").path("mem").asDouble()).as("2 x (16 + 64) MB")
                .isEqualTo(160);

        String victim = runningTasks("custom").get(0);
        ProcessHandle.of(pids().pidOf(victim)).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<String> running = runningTasks("custom");
            return running.size() == 2 && !running.contains(victim);
        });
        assertThat(services.get("/v1/apps/custom").get("last_failure").asText()).contains(victim);
    }
}
