package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Killing a task reaches its whole process tree through the freezer cgroup, even a grandchild that called setsid
 * (a process-group signal misses it); on this machine's kernel, skipped without a writable freezer.
 */
class CgroupKillIsolatorTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private CgroupFixture fixture;
    private ProcessContainerizer containerizer;

    @BeforeEach
    void createIsolator() throws IOException {
        fixture = CgroupFixture.open(Controller.FREEZER);
        containerizer = new ProcessContainerizer(timers,
                new Isolators(List.of(new CgroupKillIsolator(fixture.cgroups))));
    }

    @AfterEach
    void removeRoot() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        timers.shutdownNow();
    }

    @Test
    void aKillReachesAGrandchildInItsOwnSessionThatIgnoresSigterm() throws Exception {
        // Everyone ignores SIGTERM (inherited), so only the SIGKILL after the grace period ends them; the grandchild
        // leaves the task's session and process group, so only the cgroup still finds it.
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1",
                "trap '' TERM; sh -c 'setsid sleep 1000 & echo $! > escaped; sleep 1000' & touch started; wait"));
        await().until(() -> Files.exists(workDir.resolve("c1/started")) && Files.exists(workDir.resolve("c1/escaped"))
                && !Files.readString(workDir.resolve("c1/escaped")).isBlank());
        long escaped = Long.parseLong(Files.readString(workDir.resolve("c1/escaped")).trim());
        await().until(() -> ProcessTable.read(escaped).map(entry -> entry.session() == escaped).orElse(false));
        List<Long> members = fixture.cgroups.processes(Controller.FREEZER, "c1");
        assertThat(members).contains(container.launcherPid(), container.pid(), escaped);

        container.kill(Duration.ofMillis(300));
        ContainerExit exit = container.exit().orTimeout(20, TimeUnit.SECONDS).join();

        assertThat(exit.describe()).isEqualTo("killed by SIGKILL after the 300ms grace period");
        for (long pid : members) {
            assertThat(ProcessTable.isLive(pid)).as("pid %d of the container", pid).isFalse();
        }
        assertThat(fixture.cgroups.cgroup(Controller.FREEZER, "c1")).doesNotExist();
    }

    @Test
    void aTaskThatEndsLeavesNoDaemonBehind() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1",
                "sh -c 'setsid sleep 1000 & echo $! > daemon'"));
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();

        long daemon = Long.parseLong(Files.readString(workDir.resolve("c1/daemon")).trim());
        assertThat(ProcessTable.isLive(daemon)).isFalse();
        assertThat(fixture.cgroups.cgroup(Controller.FREEZER, "c1")).doesNotExist();
    }
}
