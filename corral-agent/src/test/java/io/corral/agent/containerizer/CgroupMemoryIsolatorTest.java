package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory isolator on this machine's kernel (cgroup v1, as root); skipped where the agent could not use it.
 */
class CgroupMemoryIsolatorTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final String rootName = "corral-test-" + UUID.randomUUID().toString().substring(0, 8);
    private CgroupMemoryIsolator isolator;
    private ProcessContainerizer containerizer;

    @BeforeEach
    void createIsolator() {
        try {
            isolator = CgroupMemoryIsolator.create(CgroupMemoryIsolator.DEFAULT_HIERARCHY, rootName);
        } catch (IOException e) {
            assumeThat(e).as("a writable cgroup v1 memory hierarchy").isNull();
        }
        containerizer = new ProcessContainerizer(timers, new Isolators(List.of(isolator)));
    }

    @AfterEach
    void removeRoot() throws IOException {
        if (isolator != null) {
            isolator.recover(Set.of());
            Files.deleteIfExists(CgroupMemoryIsolator.DEFAULT_HIERARCHY.resolve(rootName));
        }
        timers.shutdownNow();
    }

    @Test
    void aTaskOverItsMemoryIsKilledAndReportsTheLimitation() throws Exception {
        // dd's 64 MB buffer is touched as it reads into it: far over the task's 16 MB.
        RunningContainer container = launch("c1", "dd if=/dev/zero of=/dev/null bs=64M count=4", 16);

        ContainerExit exit = container.exit().orTimeout(20, TimeUnit.SECONDS).join();

        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.limitation()).hasValueSatisfying(why -> assertThat(why).startsWith("Memory limit exceeded")
                .contains("of its 16 MB"));
        assertThat(isolator.cgroupOf("c1")).doesNotExist();
    }

    @Test
    void aTaskWithinItsMemoryRunsInItsCgroupAndReportsUsage() throws Exception {
        RunningContainer container = launch("c1", "touch ready; while [ ! -e release ]; do sleep 0.05; done", 64);
        org.awaitility.Awaitility.await().until(() -> Files.exists(workDir.resolve("c1/ready")));

        ResourceStatistics usage = containerizer.isolators().usage("c1");
        List<String> members = Files.readAllLines(isolator.cgroupOf("c1").resolve("cgroup.procs"));
        assertThat(members).contains(Long.toString(container.launcherPid()), Long.toString(container.pid()));
        assertThat(usage.getMemLimitBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(usage.getMemTotalBytes()).isPositive();
        assertThat(usage.getProcesses()).isGreaterThanOrEqualTo(2);

        Files.createFile(workDir.resolve("c1/release"));
        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(exit.succeeded()).isTrue();
        assertThat(exit.limitation()).isEmpty();
        assertThat(isolator.cgroupOf("c1")).doesNotExist();
    }

    @Test
    void cleanupKillsAProcessThatEscapedTheTasksSession() throws Exception {
        // setsid puts the child out of the task's process group: only the cgroup still finds it.
        RunningContainer container = launch("c1", "setsid sleep 1000 & echo $! > escaped", 64);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();

        long escaped = Long.parseLong(Files.readString(workDir.resolve("c1/escaped")).trim());
        assertThat(ProcessTable.isLive(escaped)).isFalse();
        assertThat(isolator.cgroupOf("c1")).doesNotExist();
    }

    @Test
    void recoveryRemovesCgroupsNoRecoveredContainerOwns() throws Exception {
        Files.createDirectories(isolator.cgroupOf("stale"));
        Files.createDirectories(isolator.cgroupOf("kept"));

        isolator.recover(Set.of("kept"));

        assertThat(isolator.cgroupOf("stale")).doesNotExist();
        assertThat(isolator.cgroupOf("kept")).exists();
    }

    private RunningContainer launch(String containerId, String script, double memMb) throws IOException {
        Resource mem = Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(memMb)).build();
        return containerizer.launch(new ContainerSpec(containerId, "t-" + containerId, "F1", "t-" + containerId,
                CommandInfo.newBuilder().setValue(script).build(), workDir.resolve(containerId),
                workDir.resolve(containerId + "-run"), Map.of(), List.of(mem)));
    }
}
