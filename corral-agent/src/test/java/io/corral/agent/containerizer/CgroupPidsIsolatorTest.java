package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

/** The pids isolator on this machine's kernel; skipped without a writable pids cgroup. */
class CgroupPidsIsolatorTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private CgroupFixture fixture;
    private ProcessContainerizer containerizer;

    @BeforeEach
    void createIsolator() throws IOException {
        fixture = CgroupFixture.open(Controller.PIDS);
        containerizer = new ProcessContainerizer(timers,
                new Isolators(List.of(new CgroupPidsIsolator(fixture.cgroups, 8))));
    }

    @AfterEach
    void removeRoot() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        timers.shutdownNow();
    }

    @Test
    void theLimitIsWrittenAndTheThreadsAreCounted() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1", "sleep 1000"));

        assertThat(Files.readString(fixture.cgroups.cgroup(Controller.PIDS, "c1").resolve("pids.max")).trim())
                .isEqualTo("8");
        await().until(() -> containerizer.isolators().usage("c1").getThreads() >= 2); // the launcher and sleep

        container.kill(Duration.ZERO);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(fixture.cgroups.cgroup(Controller.PIDS, "c1")).doesNotExist();
    }

    @Test
    void aTaskCannotForkPastTheLimit() throws Exception {
        // The launcher, the task's shell and 6 sleeps fill the 8; the 7th fork fails, and dash gives up then.
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1",
                "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1000 & done; wait"));

        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();

        assertThat(exit.succeeded()).isFalse();
        assertThat(Files.readString(workDir.resolve("c1/stderr"))).containsIgnoringCase("fork");
        assertThat(fixture.cgroups.cgroup(Controller.PIDS, "c1")).doesNotExist(); // the sleeps were killed too
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new CgroupPidsIsolator(fixture.cgroups, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
