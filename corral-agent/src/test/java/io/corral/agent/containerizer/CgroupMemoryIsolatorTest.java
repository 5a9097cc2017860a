package io.corral.agent.containerizer;

import static io.corral.agent.containerizer.CgroupFixture.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory isolator on this machine's kernel; skipped where the kernel offers no writable memory cgroup. */
class CgroupMemoryIsolatorTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private CgroupFixture fixture;
    private CgroupMemoryIsolator isolator;
    private ProcessContainerizer containerizer;

    @BeforeEach
    void createIsolator() throws IOException {
        fixture = CgroupFixture.open(Controller.MEMORY);
        isolator = new CgroupMemoryIsolator(fixture.cgroups);
        containerizer = new ProcessContainerizer(timers, new Isolators(List.of(isolator)));
    }

    @AfterEach
    void removeRoot() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        timers.shutdownNow();
    }

    @Test
    void aTaskOverItsMemoryIsKilledAndReportsTheLimitationWithItsReason() throws Exception {
        // dd's 64 MB buffer is touched as it reads into it: far over the task's 16 MB.
        RunningContainer container = launch("c1", "dd if=/dev/zero of=/dev/null bs=64M count=4", 16);

        ContainerExit exit = container.exit().orTimeout(20, TimeUnit.SECONDS).join();

        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.limitation()).hasValueSatisfying(limitation -> {
            assertThat(limitation.reason()).isEqualTo(Reason.REASON_CONTAINER_LIMITATION_MEMORY);
            assertThat(limitation.message()).startsWith("Memory limit exceeded").contains("of its 16 MB");
        });
        assertThat(fixture.cgroups.cgroup(Controller.MEMORY, "c1")).doesNotExist();
    }

    @Test
    void aTaskWithinItsMemoryRunsInItsCgroupAndReportsUsage() throws Exception {
        RunningContainer container = launch("c1", "touch ready; while [ ! -e release ]; do sleep 0.05; done", 64);
        await().until(() -> Files.exists(workDir.resolve("c1/ready")));

        ResourceStatistics usage = containerizer.isolators().usage("c1");
        List<Long> members = fixture.cgroups.processes(Controller.MEMORY, "c1");
        assertThat(members).contains(container.launcherPid(), container.pid());
        assertThat(usage.getMemLimitBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(usage.getMemTotalBytes()).isPositive();
        assertThat(usage.getProcesses()).isGreaterThanOrEqualTo(2);

        Files.createFile(workDir.resolve("c1/release"));
        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(exit.succeeded()).isTrue();
        assertThat(exit.limitation()).isEmpty();
        assertThat(fixture.cgroups.cgroup(Controller.MEMORY, "c1")).doesNotExist();
    }

    @Test
    void cleanupKillsAProcessThatEscapedTheTasksSession() throws Exception {
        // setsid puts the child out of the task's process group: only the cgroup still finds it.
        RunningContainer container = launch("c1", "setsid sleep 1000 & echo $! > escaped", 64);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();

        long escaped = Long.parseLong(Files.readString(workDir.resolve("c1/escaped")).trim());
        assertThat(ProcessTable.isLive(escaped)).isFalse();
        assertThat(fixture.cgroups.cgroup(Controller.MEMORY, "c1")).doesNotExist();
    }

    @Test
    void aRemovedContainerLeavesNoMemoryChargedToTheAgentsCgroups() throws Exception {
        // 4 MB of page cache charged to the task's cgroup, kept after the task ends (a file in its sandbox).
        RunningContainer container = launch("c1", "head -c 4194304 /dev/zero > written", 64);
        Path parent = fixture.cgroups.cgroup(Controller.MEMORY, "c1").getParent();
        assertThat(container.exit().orTimeout(20, TimeUnit.SECONDS).join().succeeded()).isTrue();

        assertThat(fixture.cgroups.cgroup(Controller.MEMORY, "c1")).doesNotExist();
        // Without the reclaim the removed cgroup lingers in the kernel, dying, its cache still counted in its
        // parent's usage until that cache is evicted; the agent's cgroups would carry every finished task's files.
        assertThat(Files.size(workDir.resolve("c1/written"))).isEqualTo(4 * 1024 * 1024); // reclaimed, not lost
        assertThat(chargedBytes(parent)).isLessThan(1024 * 1024);
    }

    @Test
    void aStoppingAgentRemovesItsOwnCgroupUnlessAContainerIsLeftInIt() throws Exception {
        Path root = fixture.cgroups.cgroup(Controller.MEMORY, "c1").getParent();
        RunningContainer running = launch("c1", "touch ready; while [ ! -e release ]; do sleep 0.05; done", 64);
        await().until(() -> Files.exists(workDir.resolve("c1/ready")));

        containerizer.releaseIsolation(); // a restart: the task runs on
        assertThat(root).isDirectory();

        Files.createFile(workDir.resolve("c1/release"));
        assertThat(running.exit().orTimeout(10, TimeUnit.SECONDS).join().succeeded()).isTrue();
        containerizer.releaseIsolation(); // nothing left in it
        assertThat(root).doesNotExist();
    }

    /** What the kernel charges to a memory cgroup and its descendants, removed ones still dying included. */
    private static long chargedBytes(Path cgroup) throws IOException {
        Path v1 = cgroup.resolve("memory.usage_in_bytes");
        return Long.parseLong(Files.readString(Files.exists(v1) ? v1 : cgroup.resolve("memory.current")).trim());
    }

    @Test
    void recoveryRemovesCgroupsNoRecoveredContainerOwns() throws Exception {
        fixture.cgroups.create(Controller.MEMORY, "stale");
        fixture.cgroups.create(Controller.MEMORY, "kept");

        isolator.recover(Set.of("kept"));

        assertThat(fixture.cgroups.cgroup(Controller.MEMORY, "stale")).doesNotExist();
        assertThat(fixture.cgroups.cgroup(Controller.MEMORY, "kept")).exists();
    }

    private RunningContainer launch(String containerId, String script, double memMb) throws IOException {
        return containerizer.launch(CgroupFixture.spec(workDir, containerId, script, scalar("mem", memMb)));
    }
}
