package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.frameworks.common.FrameworkProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two Services processes: the standby finishes a deployment the leader left mid-way. */
class ServicesFailoverTest {
    @TempDir
    Path dir;
    private ServicesCluster services;
    private TaskPids pids;

    @BeforeEach
    void start() throws Exception {
        services = new ServicesCluster(InProcessCluster.start(dir.resolve("cluster"), 1, 2));
        services.startServices();
        await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.get(0).isLeader());
        services.startServices();
    }

    @AfterEach
    void stop() throws Exception {
        services.close();
    }

    private long liveProcesses() throws Exception {
        return pids.alive();
    }

    @Test
    void theStandbyFinishesARollingUpdateWithoutDuplicatingOrLosingInstances() throws Exception {
        pids = new TaskPids(dir.resolve("pids"));
        String cmd = pids.recordingThen("CORRAL_TASK_ID", "sleep 600");
        String app = "{\"id\": \"web\", \"cmd\": \"" + cmd + "\", \"instances\": 3, \"mem\": 16,"
                + " \"env\": {\"V\": \"1\"},"
                + " \"healthChecks\": [{\"protocol\": \"COMMAND\", \"command\": \"true\", \"intervalSeconds\": 0.5,"
                + " \"delaySeconds\": 2, \"gracePeriodSeconds\": 10}],"
                + " \"upgradeStrategy\": {\"minimumHealthCapacity\": 0.6, \"maximumOverCapacity\": 0}}";
        assertThat(services.send("POST", "/v1/apps", app).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(40)).until(() -> services.get("/v1/deployments").get("deployments")
                .isEmpty());
        FrameworkProcess first = services.leader();
        FrameworkProcess standby = services.processes.stream().filter(p -> p != first).findFirst().orElseThrow();
        // the standby redirects to the leader
        assertThat(services.send("GET", "/v1/apps/web", null).status()).isEqualTo(200);

        assertThat(services.send("PUT", "/v1/apps/web", "{\"env\": {\"V\": \"2\"}}").status()).isEqualTo(200);
        // mid-way: one instance of version 2 exists, the others are still version 1
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode tasks = services.get("/v1/apps/web").get("tasks");
            long fresh = 0;
            for (JsonNode t : tasks) {
                fresh += t.get("version").asLong() == 2 ? 1 : 0;
            }
            return fresh >= 1 && fresh < 3;
        });
        long closed = System.nanoTime();
        first.close();
        services.processes.remove(first);

        await().atMost(Duration.ofSeconds(20)).until(standby::isLeader);
        await().atMost(Duration.ofSeconds(20)).until(() -> services.get("/v1/apps/web").get("counts")
                .get("unconfirmed").asInt() == 0);
        System.out.printf("leader stopped -> standby leading with every task reconciled: %.2f s%n",
                (System.nanoTime() - closed) / 1e9);
        int lowest = Integer.MAX_VALUE;
        long fewestProcesses = Long.MAX_VALUE;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!services.get("/v1/deployments").get("deployments").isEmpty()) {
            JsonNode counts = services.get("/v1/apps/web").get("counts");
            if (counts.get("unconfirmed").asInt() == 0) { // the new leader knows every task's state
                lowest = Math.min(lowest, counts.get("healthy").asInt());
            }
            fewestProcesses = Math.min(fewestProcesses, liveProcesses());
            assertThat(System.nanoTime()).as("deployment finished in time").isLessThan(deadline);
        }
        JsonNode done = services.get("/v1/apps/web");
        assertThat(done.get("tasks")).hasSize(3).allMatch(t -> t.get("version").asLong() == 2
                && t.get("state").asText().equals("TASK_RUNNING"));
        Set<String> hosts = new HashSet<>();
        done.get("tasks").forEach(t -> hosts.add(t.get("agent_id").asText()));
        assertThat(lowest).as("healthy instances after the failover").isGreaterThanOrEqualTo(2);
        assertThat(fewestProcesses).as("instance processes alive after the failover").isGreaterThanOrEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> liveProcesses() == 3);
    }
}
