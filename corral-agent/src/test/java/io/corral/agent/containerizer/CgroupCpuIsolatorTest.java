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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cpu isolator on this machine's kernel (v1 here; v2 where mounted); skipped without a writable cpu cgroup. */
class CgroupCpuIsolatorTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private CgroupFixture fixture;
    private ProcessContainerizer containerizer;

    @BeforeEach
    void createIsolator() throws IOException {
        fixture = CgroupFixture.open(Controller.CPU);
        containerizer = new ProcessContainerizer(timers,
                new Isolators(List.of(new CgroupCpuIsolator(fixture.cgroups))));
    }

    @AfterEach
    void removeRoot() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
        timers.shutdownNow();
    }

    @Test
    void sharesAndQuotaFollowTheTasksCpus() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1", "sleep 1000",
                scalar("cpus", 0.5)));
        Path cgroup = fixture.cgroups.cgroup(Controller.CPU, "c1");

        if (Files.exists(cgroup.resolve("cpu.shares"))) { // v1
            assertThat(Files.readString(cgroup.resolve("cpu.shares")).trim()).isEqualTo("512");
            assertThat(Files.readString(cgroup.resolve("cpu.cfs_period_us")).trim()).isEqualTo("100000");
            assertThat(Files.readString(cgroup.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("50000");
        } else { // v2
            assertThat(Files.readString(cgroup.resolve("cpu.weight")).trim()).isEqualTo("50");
            assertThat(Files.readString(cgroup.resolve("cpu.max")).trim()).isEqualTo("50000 100000");
        }
        assertThat(fixture.cgroups.processes(Controller.CPU, "c1")).contains(container.pid());
        assertThat(containerizer.isolators().usage("c1").getCpusLimit()).isEqualTo(0.5);

        containerizer.isolators().update("c1", List.of(scalar("cpus", 0.001)));
        if (Files.exists(cgroup.resolve("cpu.shares"))) {
            // Mesos's minimum shares, and the kernel's minimum quota (1 ms)
            assertThat(Files.readString(cgroup.resolve("cpu.shares")).trim()).isEqualTo("2");
            assertThat(Files.readString(cgroup.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("1000");
        }
        container.kill(Duration.ZERO);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(cgroup).doesNotExist();
    }

    @Test
    void aBusyTaskIsThrottledToItsQuotaAndItsCpuTimeIsReported() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1",
                "while :; do :; done", scalar("cpus", 0.1)));

        // 10 ms per 100 ms period: a spinning shell is throttled within a period or two.
        ResourceStatistics usage = await().atMost(Duration.ofSeconds(20))
                .until(() -> containerizer.isolators().usage("c1"),
                        // All three together: on a loaded machine the kernel may count a throttled period
                        // before it has added up its throttled time.
                        stats -> stats.getCpusNrThrottled() > 0 && stats.getCpusThrottledTimeSecs() > 0
                                && stats.getCpusUserTimeSecs() + stats.getCpusSystemTimeSecs() > 0);
        assertThat(usage.getCpusNrPeriods()).isGreaterThanOrEqualTo(usage.getCpusNrThrottled());

        container.kill(Duration.ZERO);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();
    }
}
