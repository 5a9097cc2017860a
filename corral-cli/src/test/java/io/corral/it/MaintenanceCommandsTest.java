package io.corral.it;

import static io.corral.it.CliRun.corral;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.mesos.v1.master.Protos.Call;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral maintenance}, {@code corral drain} and {@code corral agents deactivate|reactivate|gone} against a
 * real cluster, through a standby (which redirects): what they print, {@code --json}, errors that say what to do,
 * and non-zero exits on failure.
 */
class MaintenanceCommandsTest {
    @TempDir
    static Path workDir;
    static InProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 2, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent()
                && OperatorCalls.get(cluster.leaderUrl(), Call.Type.GET_AGENTS).getGetAgents().getAgentsCount() == 1);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    private static String standby() {
        return cluster.masters.stream().filter(m -> !m.isLeading()).findFirst()
                .map(m -> "http://127.0.0.1:" + m.port()).orElseThrow();
    }

    @Test
    void maintenanceIsScheduledStartedAndStopped() throws Exception {
        assertThat(corral("maintenance", "status", "--master", standby()).out())
                .contains("No machine is scheduled for maintenance.");

        CliRun scheduled = corral("maintenance", "schedule", "--machine", "node1,10.0.0.1", "--start", "2h",
                "--duration", "1h", "--master", standby());
        assertThat(scheduled.exit()).as(scheduled.err()).isZero();
        assertThat(scheduled.out()).contains("Maintenance schedule updated: 1 machines in 1 windows");
        assertThat(corral("maintenance", "schedule", "--master", standby()).out().lines())
                .anySatisfy(line -> assertThat(line).matches("node1,10\\.0\\.0\\.1 +\\d{4}-.*Z +1h"));

        CliRun badStart = corral("maintenance", "schedule", "--machine", "node2", "--start", "soonish",
                "--duration", "1h", "--master", standby());
        assertThat(badStart.exit()).isEqualTo(2);
        assertThat(badStart.err()).contains("--start 'soonish' is neither an ISO-8601 time");

        CliRun started = corral("maintenance", "start", "node1", "--master", standby());
        assertThat(started.exit()).as(started.err()).isZero();
        assertThat(corral("maintenance", "status", "--master", standby()).out().lines())
                .anySatisfy(line -> assertThat(line).matches("node1,10\\.0\\.0\\.1 +down +-"));
        JsonNode status = new ObjectMapper().readTree(corral("maintenance", "status", "--json", "--master",
                standby()).out());
        assertThat(status.path("down_machines").get(0).path("hostname").asText()).isEqualTo("node1");

        CliRun again = corral("maintenance", "start", "node1", "--master", standby());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("corral maintenance start: START_MAINTENANCE")
                .contains("is not in DRAINING mode");

        assertThat(corral("maintenance", "stop", "node1", "--master", standby()).exit()).isZero();
        assertThat(corral("maintenance", "status", "--master", standby()).out())
                .contains("No machine is scheduled for maintenance.");

        Path file = workDir.resolve("schedule.json");
        Files.writeString(file, "{\"windows\":[{\"machine_ids\":[{\"hostname\":\"node3\"}],\"unavailability\":"
                + "{\"start\":{\"nanoseconds\":4000000000000000000}}}]}");
        assertThat(corral("maintenance", "schedule", "--file", file.toString(), "--master", standby()).exit())
                .isZero();
        assertThat(corral("maintenance", "schedule", "--json", "--master", standby()).out()).contains("node3");
        Files.writeString(file, "{\"windows\": 3}");
        CliRun badFile = corral("maintenance", "schedule", "--file", file.toString(), "--master", standby());
        assertThat(badFile.exit()).isEqualTo(2);
        assertThat(badFile.err()).contains("is not a Mesos maintenance schedule");
    }

    @Test
    void agentsAreDeactivatedDrainedReactivatedAndMarkedGone() throws Exception {
        String agent = OperatorCalls.get(cluster.leaderUrl(), Call.Type.GET_AGENTS).getGetAgents().getAgents(0)
                .getAgentInfo().getId().getValue();

        assertThat(corral("agents", "deactivate", agent, "--master", standby()).exit()).isZero();
        assertThat(corral("agents", "--master", standby()).out()).contains("deactivated");
        CliRun reactivated = corral("agents", "reactivate", agent, "--master", standby());
        assertThat(reactivated.exit()).as(reactivated.err()).isZero();
        assertThat(corral("agents", "--master", standby()).out()).contains(" active ");

        CliRun unknown = corral("drain", "no-such-agent", "--master", standby());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("corral drain: DRAIN_AGENT").contains("Unknown agent");
        CliRun drained = corral("drain", agent, "--max-grace-period", "2s", "--master", standby());
        assertThat(drained.exit()).as(drained.err()).isZero();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> corral("agents", "--master", standby()).out().contains(" drained "));
        assertThat(corral("agents", "reactivate", agent, "--master", standby()).exit()).isZero();

        CliRun unconfirmed = corral("agents", "gone", agent, "--master", standby());
        assertThat(unconfirmed.exit()).isEqualTo(2);
        assertThat(unconfirmed.err()).contains("cannot be undone").contains("--yes");
        assertThat(corral("agents", "--master", standby()).out()).contains(agent);
        CliRun goneRun = corral("agents", "gone", agent, "--yes", "--master", standby());
        assertThat(goneRun.exit()).as(goneRun.err()).isZero();
        assertThat(corral("agents", "--master", standby()).out()).contains("No agents.");
    }
}
