package io.corral.it;

import static io.corral.it.CliRun.corral;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator reserves resources and makes a persistent volume with the CLI; a framework of that role is offered
 * them, and what one task writes to the volume the next task reads, on a real agent with real processes. Then the
 * volume is destroyed (its data deleted) and the resources unreserved.
 */
class PersistentVolumesTest {
    @TempDir
    static Path workDir;
    static InProcessCluster cluster;
    static String agentId;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 1);
        cluster.awaitLeader();
        agentId = await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode agents = new ObjectMapper().readTree(corral("agents", "--json", "--master",
                    cluster.leaderUrl()).out());
            return agents.size() == 1 ? agents.get(0).path("id").asText() : null;
        }, java.util.Objects::nonNull);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void aVolumeKeepsWhatOneTaskWroteForTheNextAndIsGoneWhenDestroyed() throws Exception {
        CliRun reserve = corral("reserve", agentId, "--role", "eng", "--resources", "cpus:1;mem:128;disk:64",
                "--master", cluster.leaderUrl());
        assertThat(reserve.exit()).as(reserve.err()).isZero();
        assertThat(reserve.out()).contains("Reserved cpus:1;mem:128;disk:64 on agent " + agentId + " for role eng.");
        CliRun create = corral("volumes", "create", agentId, "--role", "eng", "--id", "db", "--size", "32",
                "--path", "data", "--master", cluster.leaderUrl());
        assertThat(create.exit()).as(create.err()).isZero();
        JsonNode listed = new ObjectMapper().readTree(corral("volumes", "list", "--json", "--master",
                cluster.leaderUrl()).out());
        assertThat(listed).singleElement().satisfies(v -> {
            assertThat(v.path("id").asText()).isEqualTo("db");
            assertThat(v.path("role").asText()).isEqualTo("eng");
            assertThat(v.path("size_mb").asDouble()).isEqualTo(32.0);
        });

        RecordingScheduler scheduler = new RecordingScheduler();
        FrameworkInfo eng = Tasks.framework("volume-user", 60).toBuilder().setRole("eng").build();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()), eng,
                scheduler).autoAcknowledge(true).build()) {
            client.start();
            runOnVolume(client, scheduler, "writer", "echo hello > data/greeting");
            runOnVolume(client, scheduler, "reader", "grep -q hello data/greeting");
        }
        Path volume = workDir.resolve("agent-0").resolve("volumes/roles/eng/db");
        assertThat(volume.resolve("greeting")).hasContent("hello");

        CliRun destroy = corral("volumes", "destroy", agentId, "--id", "db", "--master", cluster.leaderUrl());
        assertThat(destroy.exit()).as(destroy.err()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(volume));
        CliRun unreserve = corral("unreserve", agentId, "--role", "eng", "--resources", "cpus:1;mem:128;disk:64",
                "--master", cluster.leaderUrl());
        assertThat(unreserve.exit()).as(unreserve.err()).isZero();
        assertThat(corral("volumes", "list", "--master", cluster.leaderUrl()).out()).contains("No persistent volumes.");
    }

    @Test
    void badRequestsSayWhatIsWrongAndExitNonZero() {
        CliRun tooMuch = corral("reserve", agentId, "--role", "ops", "--resources", "cpus:99",
                "--master", cluster.leaderUrl());
        assertThat(tooMuch.exit()).isNotZero();
        assertThat(tooMuch.err()).startsWith("corral reserve: RESERVE_RESOURCES").contains("409")
                .contains("are available");

        CliRun roleInResources = corral("reserve", agentId, "--role", "ops", "--resources", "cpus(ops):1",
                "--master", cluster.leaderUrl());
        assertThat(roleInResources.exit()).isEqualTo(2);
        assertThat(roleInResources.err()).contains("give unreserved resources");

        CliRun noVolume = corral("volumes", "destroy", agentId, "--id", "nope", "--master", cluster.leaderUrl());
        assertThat(noVolume.exit()).isNotZero();
        assertThat(noVolume.err()).contains("has no volume 'nope'");

        CliRun badPath = corral("volumes", "create", agentId, "--role", "ops", "--id", "x", "--size", "1",
                "--path", "../../etc", "--master", cluster.leaderUrl());
        assertThat(badPath.exit()).isEqualTo(2);
        assertThat(badPath.err()).contains("invalid container path");
    }

    /** Waits for an offer with the volume and runs {@code command} on it with the reserved cpus and mem. */
    private static void runOnVolume(SchedulerClient client, RecordingScheduler scheduler, String taskId,
                                    String command) throws InterruptedException {
        Offer offer = scheduler.nextOffer();
        List<Resource> volume = offer.getResourcesList().stream().filter(Reservations::isPersistentVolume).toList();
        assertThat(volume).as("an offer to role eng holds its volume: %s", offer).hasSize(1);
        List<Resource> reserved = offer.getResourcesList().stream()
                .filter(r -> r.getRole().equals("eng") && (r.getName().equals("cpus") || r.getName().equals("mem")))
                .toList();
        assertThat(ResourceSet.of(reserved).scalar("cpus")).isEqualTo(1.0);
        TaskInfo task = TaskInfo.newBuilder().setName(taskId).setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(offer.getAgentId())
                .setCommand(CommandInfo.newBuilder().setShell(true).setValue(command))
                .addAllResources(reserved).addAllResources(volume)
                .build();
        client.launch(List.of(offer.getId()), List.of(task)).join();
        scheduler.awaitState(taskId, TaskState.TASK_FINISHED);
    }
}
