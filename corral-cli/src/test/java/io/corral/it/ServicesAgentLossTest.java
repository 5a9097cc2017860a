package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent cut off: its instances are replaced as soon as the master reports them unreachable, and when the agent
 * returns with them the surplus is killed, so exactly the app's count runs again.
 */
class ServicesAgentLossTest {
    @TempDir
    Path dir;
    private ServicesCluster services;
    private TaskPids pids;

    @BeforeEach
    void start() throws Exception {
        services = new ServicesCluster(InProcessCluster.start(dir.resolve("cluster"), 1, 2));
        services.startServices();
        await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.get(0).isLeader());
    }

    @AfterEach
    void stop() throws Exception {
        services.close();
    }

    private long liveProcesses() throws Exception {
        return pids.alive();
    }

    /** Which agent (index) runs the task: its sandbox is under that agent's work dir. */
    private int agentRunning(String taskId) throws Exception {
        for (int i = 0; i < 2; i++) {
            try (Stream<Path> paths = Files.walk(dir.resolve("cluster/agent-" + i))) {
                if (paths.anyMatch(p -> p.getFileName().toString().equals(taskId))) {
                    return i;
                }
            }
        }
        throw new AssertionError("no agent has a sandbox for " + taskId);
    }

    private int count(JsonNode app, String what) {
        return app.get("counts").get(what).asInt();
    }

    @Test
    void instancesOfAnUnreachableAgentAreReplacedAndTheSurplusKilledWhenItReturns() throws Exception {
        pids = new TaskPids(dir.resolve("pids"));
        String app = "{\"id\": \"keep\", \"cmd\": \"" + pids.recordingThen("CORRAL_TASK_ID", "sleep 600") + "\","
                + " \"instances\": 2, \"mem\": 16}";
        assertThat(services.send("POST", "/v1/apps", app).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> services.get("/v1/deployments").get("deployments")
                .isEmpty());
        String task = services.get("/v1/apps/keep").get("tasks").get(0).get("id").asText();
        int lost = agentRunning(task);

        long stopped = System.nanoTime();
        // its tasks keep running; its ZooKeeper presence goes at once (a clean stop: a crash would take the agent's
        // 2 s session timeout more)
        services.cluster.agents.remove(lost).stop(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode now = services.get("/v1/apps/keep");
            return count(now, "unreachable") >= 1 && count(now, "running") == 2;
        });
        double wholeAgain = (System.nanoTime() - stopped) / 1e9;
        System.out.printf("agent stopped -> app whole again on the other agent: %.1f s%n", wholeAgain);

        services.cluster.startAgent(lost); // same work dir: same agent id, recovers its tasks, re-registers
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode now = services.get("/v1/apps/keep");
            return count(now, "unreachable") == 0 && count(now, "running") == 2 && count(now, "killing") == 0
                    && now.get("tasks").size() == 2;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> liveProcesses() == 2);
    }
}
