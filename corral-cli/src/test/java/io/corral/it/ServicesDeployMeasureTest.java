package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a check (skipped unless asked): seconds to deploy an app of N small instances across the
 * in-process agents until all are RUNNING. {@code -Dcorral.services.instances=200}, 3 agents of 8 cpus and 8 GiB.
 */
@EnabledIfSystemProperty(named = "corral.services.instances", matches = "\\d+")
class ServicesDeployMeasureTest {
    @TempDir
    Path dir;

    @Test
    void deployManySmallInstances() throws Exception {
        int instances = Integer.getInteger("corral.services.instances");
        InProcessCluster cluster = new InProcessCluster(dir.resolve("cluster"));
        cluster.startMaster();
        for (int i = 0; i < 3; i++) {
            cluster.agents.add(io.corral.agent.AgentServer.start(new io.corral.agent.AgentServer.Options(cluster.zk,
                    "127.0.0.1", "127.0.0.1", 0, dir.resolve("cluster/agent-" + i),
                    "cpus:8;mem:8192;disk:1000;ports:[31000-32000]", InProcessCluster.SESSION_TIMEOUT,
                    Duration.ofSeconds(45))));
        }
        try (ServicesCluster services = new ServicesCluster(cluster)) {
            services.startServices();
            await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.get(0).isLeader());
            long start = System.nanoTime();
            assertThat(services.send("POST", "/v1/apps", "{\"id\": \"many\", \"cmd\": \"exec sleep 600\", \"instances\": "
                    + instances + ", \"cpus\": 0.01, \"mem\": 1}").status()).isEqualTo(201);
            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    services.get("/v1/apps/many").get("counts").get("running").asInt() == instances);
            System.out.printf("deployed %d instances to RUNNING in %.1f s%n", instances,
                    (System.nanoTime() - start) / 1e9);
        }
    }
}
