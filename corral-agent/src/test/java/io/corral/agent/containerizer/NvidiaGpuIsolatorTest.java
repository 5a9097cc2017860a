package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import io.corral.agent.containerizer.cgroups.DeviceRule;
import io.corral.agent.resources.FakeNvidiaDevices;
import io.corral.agent.resources.GpuResources;
import io.corral.agent.resources.NvidiaGpu;
import io.corral.agent.resources.NvidiaGpuDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpu/nvidia} on this machine's cgroups (v1's devices controller, or v2's eBPF device programs where the mount
 * is v2; {@link NvidiaGpuIsolatorOnCgroupV2Test} runs the same tests on the v2 hierarchy of a hybrid machine), with a
 * machine of two GPUs whose device nodes are made for the test (no driver behind them: an allowed open fails "No such
 * device or address", a denied one "Operation not permitted"). Skipped without device control or without root (mknod).
 */
class NvidiaGpuIsolatorTest {
    private static final String ALLOWED = "No such device or address";
    private static final String DENIED = "Operation not permitted";

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private CgroupFixture fixture;
    private Path dev;
    private NvidiaGpuDetector.Machine machine;
    private NvidiaGpuIsolator isolator;
    private ProcessContainerizer containerizer;

    CgroupFixture openCgroups() {
        return CgroupFixture.open(Controller.DEVICES);
    }

    @BeforeEach
    void twoGpus() throws Exception {
        fixture = openCgroups();
        dev = workDir.resolve("dev");
        FakeNvidiaDevices.create(dev, 0, 1);
        machine = new NvidiaGpuDetector(Optional.empty(), dev).detect();
        isolator = new NvidiaGpuIsolator(new GpuResources(true, machine.gpus(), machine), Optional.of(fixture.cgroups),
                workDir.resolve("gpu-state"));
        containerizer = new ProcessContainerizer(timers, new Isolators(List.of(isolator)));
    }

    @AfterEach
    void removeRoot() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        timers.shutdownNow();
    }

    /** Prints which GPUs the task was told of, tries every node, then waits to be killed. */
    private String tryAllDevices() {
        return "echo \"visible=$NVIDIA_VISIBLE_DEVICES\"; for d in nvidia0 nvidia1 nvidiactl; do cat " + dev
                + "/$d; done; sleep 1000";
    }

    private void awaitStderrLines(String containerId, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(workDir.resolve(containerId + "/stderr"))
                && Files.readString(workDir.resolve(containerId + "/stderr")).lines().count() >= count);
    }

    private String stdout(String containerId) throws IOException {
        return Files.readString(workDir.resolve(containerId + "/stdout"));
    }

    private String stderr(String containerId) throws IOException {
        return Files.readString(workDir.resolve(containerId + "/stderr"));
    }

    @Test
    void twoTasksEachOpenOnlyTheirOwnGpuAndTheControlDevice() throws Exception {
        RunningContainer first = containerizer.launch(CgroupFixture.spec(workDir, "c1", tryAllDevices(),
                CgroupFixture.scalar("gpus", 1)));
        RunningContainer second = containerizer.launch(CgroupFixture.spec(workDir, "c2", tryAllDevices(),
                CgroupFixture.scalar("gpus", 1)));
        awaitStderrLines("c1", 3);
        awaitStderrLines("c2", 3);

        assertThat(stdout("c1")).isEqualTo("visible=0\n");
        assertThat(stderr("c1").lines()).satisfiesExactly(
                line -> assertThat(line).contains("nvidia0: " + ALLOWED),
                line -> assertThat(line).contains("nvidia1: " + DENIED),
                line -> assertThat(line).contains("nvidiactl: " + ALLOWED));
        assertThat(stdout("c2")).isEqualTo("visible=1\n");
        assertThat(stderr("c2").lines()).satisfiesExactly(
                line -> assertThat(line).contains("nvidia0: " + DENIED),
                line -> assertThat(line).contains("nvidia1: " + ALLOWED),
                line -> assertThat(line).contains("nvidiactl: " + ALLOWED));
        stop(first);
        stop(second);
        assertThat(fixture.cgroups.cgroup(Controller.DEVICES, "c1")).doesNotExist();
        assertThat(isolator.freeGpus()).containsExactlyElementsOf(machine.gpus());
    }

    @Test
    void onV1TheKernelListsNoDenialsBecauseTheAgentsDevicesCgroupAllowsByDefault() throws Exception {
        assumeThat(fixture.cgroups.describe()).startsWith("cgroup v1");
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1", tryAllDevices(),
                CgroupFixture.scalar("gpus", 1)));
        awaitStderrLines("c1", 3);

        assertThat(stderr("c1")).contains("nvidia1: " + DENIED);
        assertThat(fixture.cgroups.deviceList("c1")).containsExactly("a *:* rwm");
        stop(container);
    }

    @Test
    void aContainerGivenAnotherGpuMayOpenItFromThenOn() throws Exception {
        Path again = workDir.resolve("again");
        String script = "for d in nvidia0 nvidia1; do cat " + dev + "/$d; done; "
                + "while [ ! -e " + again + " ]; do sleep 0.05; done; "
                + "for d in nvidia0 nvidia1; do cat " + dev + "/$d; done; sleep 1000";
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1", script,
                CgroupFixture.scalar("gpus", 1)));
        awaitStderrLines("c1", 2);

        containerizer.isolators().update("c1", List.of(CgroupFixture.scalar("gpus", 2)));
        Files.createFile(again);
        awaitStderrLines("c1", 4);

        assertThat(stderr("c1").lines()).satisfiesExactly(
                line -> assertThat(line).contains("nvidia0: " + ALLOWED),
                line -> assertThat(line).contains("nvidia1: " + DENIED),
                line -> assertThat(line).contains("nvidia0: " + ALLOWED),
                line -> assertThat(line).contains("nvidia1: " + ALLOWED));
        assertThat(isolator.freeGpus()).isEmpty();
        stop(container);
    }

    @Test
    void anAgentThatCannotControlDevicesRefusesToHandOutGpus() {
        assertThatThrownBy(() -> NvidiaGpuIsolator.create(new GpuResources(true, machine.gpus(), machine), null,
                workDir.resolve("other-state")))
                .isInstanceOf(IOException.class).hasMessageContaining("needs device control")
                .hasMessageContaining("leave gpu/nvidia out of --isolation");
    }

    @Test
    void aTaskWithoutGpusOpensNoneButStillTheControlDevice() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1", tryAllDevices()));
        awaitStderrLines("c1", 3);

        assertThat(stdout("c1")).isEqualTo("visible=none\n");
        assertThat(stderr("c1")).contains("nvidia0: " + DENIED, "nvidia1: " + DENIED, "nvidiactl: " + ALLOWED);
        stop(container);
    }

    @Test
    void gpusAreHandedOutFromTheFreeOnesAndComeBackWhenATaskEnds() throws Exception {
        RunningContainer both = containerizer.launch(CgroupFixture.spec(workDir, "c1", "sleep 1000",
                CgroupFixture.scalar("gpus", 2)));
        assertThat(isolator.gpusOf("c1")).containsExactlyElementsOf(machine.gpus());

        assertThatThrownBy(() -> containerizer.launch(CgroupFixture.spec(workDir, "c2", "true",
                CgroupFixture.scalar("gpus", 1))))
                .isInstanceOf(IOException.class).hasMessageContaining("needs 1 GPU(s) but only 0 of this agent's 2");
        assertThat(fixture.cgroups.cgroup(Controller.DEVICES, "c2")).doesNotExist();

        stop(both);
        RunningContainer next = containerizer.launch(CgroupFixture.spec(workDir, "c3", "echo $NVIDIA_VISIBLE_DEVICES",
                CgroupFixture.scalar("gpus", 1)));
        next.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(stdout("c3")).isEqualTo("0\n");
        assertThat(isolator.freeGpus()).containsExactlyElementsOf(machine.gpus());
    }

    @Test
    void fractionalGpusAreRefused() {
        assertThatThrownBy(() -> containerizer.launch(CgroupFixture.spec(workDir, "c1", "true",
                CgroupFixture.scalar("gpus", 0.5))))
                .isInstanceOf(IOException.class).hasMessageContaining("whole number");
        assertThat(isolator.freeGpus()).hasSize(2);
    }

    @Test
    void theTasksOwnVariableWins() throws Exception {
        CommandInfo command = CommandInfo.newBuilder().setValue("echo $NVIDIA_VISIBLE_DEVICES")
                .setEnvironment(Environment.newBuilder().addVariables(Environment.Variable.newBuilder()
                        .setName("NVIDIA_VISIBLE_DEVICES").setValue("mine"))).build();
        ContainerSpec spec = CgroupFixture.spec(workDir, "c1", "x", CgroupFixture.scalar("gpus", 1));
        spec = new ContainerSpec(spec.containerId(), spec.taskId(), spec.frameworkId(), spec.executorId(), command,
                spec.sandbox(), spec.runDir(), spec.extraEnvironment(), spec.resources());

        containerizer.launch(spec).exit().orTimeout(10, TimeUnit.SECONDS).join();

        assertThat(stdout("c1")).isEqualTo("mine\n");
    }

    @Test
    void aRestartedAgentGivesRecoveredContainersTheirGpusAgainAndFreesTheRest() throws Exception {
        containerizer.launch(CgroupFixture.spec(workDir, "c1", "sleep 1000", CgroupFixture.scalar("gpus", 1)));
        containerizer.launch(CgroupFixture.spec(workDir, "c2", "sleep 1000", CgroupFixture.scalar("gpus", 1)));

        // A new agent process: a new isolator on the same records; only c2 was recovered.
        NvidiaGpuIsolator restarted = new NvidiaGpuIsolator(new GpuResources(true, machine.gpus(), machine),
                Optional.of(fixture.cgroups), workDir.resolve("gpu-state"));
        restarted.recover(Set.of("c2"));

        assertThat(restarted.gpusOf("c2")).containsExactly(new NvidiaGpu(1, 1));
        assertThat(restarted.freeGpus()).containsExactly(new NvidiaGpu(0, 0));
        assertThat(fixture.cgroups.cgroup(Controller.DEVICES, "c1")).doesNotExist(); // and its sleep with it
        assertThat(restarted.environment("c2")).containsEntry("NVIDIA_VISIBLE_DEVICES", "1");
        restarted.recover(Set.of());
        assertThat(restarted.freeGpus()).hasSize(2);
    }

    @Test
    void theRulesDenyEveryOtherGpuAndAllowTheControlDevices() {
        assertThat(NvidiaGpuIsolator.rules(machine, List.of(new NvidiaGpu(1, 1)))).containsExactly(
                DeviceRule.character(true, 195, 255),
                DeviceRule.character(false, 195, 0),
                DeviceRule.character(true, 195, 1));
    }

    private static void stop(RunningContainer container) {
        container.kill(Duration.ZERO);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
