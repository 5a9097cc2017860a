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

/**
 * Agents started with attributes (Mesos's --attributes): the master shows them in /master/state and in offers, and
 * Services places instances by them (CLUSTER, GROUP_BY), end to end.
 */
class ServicesConstraintsTest {
    @TempDir
    Path dir;
    private ServicesCluster services;

    @BeforeEach
    void start() throws Exception {
        InProcessCluster cluster = InProcessCluster.start(dir.resolve("cluster"), 1, 0);
        cluster.startAgent(0, "rack:r1;cores:8");
        cluster.startAgent(1, "rack:r2;cores:8");
        cluster.startAgent(2, "rack:r2;cores:16");
        services = new ServicesCluster(cluster);
        services.startServices();
        await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.get(0).isLeader());
    }

    @AfterEach
    void stop() throws Exception {
        services.close();
    }

    /** The rack attribute of the agent of each running task of the app. */
    private List<String> racksOf(String app) throws Exception {
        JsonNode state = services.masterState();
        List<String> racks = new ArrayList<>();
        for (JsonNode task : services.get("/v1/apps/" + app).get("tasks")) {
            if (!task.path("state").asText().equals("TASK_RUNNING")) {
                continue;
            }
            for (JsonNode agent : state.path("slaves")) {
                if (agent.path("id").asText().equals(task.path("agent_id").asText())) {
                    racks.add(agent.path("attributes").path("rack").asText());
                }
            }
        }
        return racks;
    }

    @Test
    void theMasterShowsAgentAttributesAndServicesPlacesInstancesByThem() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> services.masterState().path("slaves").size() == 3);
        JsonNode slaves = services.masterState().path("slaves");
        assertThat(slaves).anySatisfy(agent -> {
            assertThat(agent.path("attributes").path("rack").asText()).isEqualTo("r1");
            assertThat(agent.path("attributes").path("cores").asDouble()).isEqualTo(8);
        });

        assertThat(services.send("POST", "/v1/apps", "{\"id\": \"pinned\", \"cmd\": \"sleep 600\", \"instances\": 3,"
                + " \"mem\": 16, \"constraints\": [[\"rack\", \"CLUSTER\", \"r2\"]]}").status()).isEqualTo(201);
        assertThat(services.send("POST", "/v1/apps", "{\"id\": \"spread\", \"cmd\": \"sleep 600\", \"instances\": 2,"
                + " \"mem\": 16, \"constraints\": [[\"rack\", \"GROUP_BY\", \"2\"], [\"cores\", \"LIKE\", \"8\"]]}")
                .status()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> racksOf("pinned").size() == 3
                && racksOf("spread").size() == 2);
        assertThat(racksOf("pinned")).as("CLUSTER rack:r2").containsOnly("r2");
        assertThat(racksOf("spread")).as("GROUP_BY rack over the agents with 8 cores").containsExactlyInAnyOrder("r1",
                "r2");
    }
}
