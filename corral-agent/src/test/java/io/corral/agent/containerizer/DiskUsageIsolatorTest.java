package io.corral.agent.containerizer;

import static io.corral.agent.containerizer.CgroupFixture.scalar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.concurrent.ManualTimers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** disk/du with a clock the test drives: each {@code advance} is one measurement round, no sleeping. */
class DiskUsageIsolatorTest {
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    @TempDir Path workDir;

    private final ScheduledExecutorService killTimers = Executors.newSingleThreadScheduledExecutor();
    private final ManualTimers clock = new ManualTimers(0);
    private DiskUsageIsolator isolator;
    private ProcessContainerizer containerizer;

    @BeforeEach
    void createIsolator() throws Exception {
        isolator = new DiskUsageIsolator(clock, INTERVAL, workDir.resolve("disk-state"));
        containerizer = new ProcessContainerizer(killTimers, new Isolators(List.of(isolator)));
    }

    @AfterEach
    void stop() {
        killTimers.shutdownNow();
    }

    @Test
    void aTaskWhoseSandboxOutgrowsItsDiskIsKilledWithTheDiskLimitation() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1",
                "dd if=/dev/zero of=big bs=1M count=3 2>/dev/null; : > written; exec sleep 1000",
                scalar("disk", 2)));
        await().until(() -> Files.exists(workDir.resolve("c1/written")));

        clock.advance(INTERVAL);
        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();

        assertThat(exit.limitation()).hasValueSatisfying(limitation -> {
            assertThat(limitation.reason()).isEqualTo(Reason.REASON_CONTAINER_LIMITATION_DISK);
            assertThat(limitation.message()).isEqualTo("Disk limit exceeded: the sandbox uses 3.0 MB of its 2.0 MB");
        });
        assertThat(clock.pendingCount()).isZero(); // no more measuring once the container is gone
        assertThat(workDir.resolve("disk-state/c1")).doesNotExist();
    }

    @Test
    void aSandboxWithinItsDiskIsMeasuredEveryIntervalAndReported() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1",
                "dd if=/dev/zero of=small bs=1K count=100 2>/dev/null; : > written; exec sleep 1000",
                scalar("disk", 2)));
        await().until(() -> Files.exists(workDir.resolve("c1/written")));

        clock.advance(INTERVAL);
        clock.advance(INTERVAL);

        ResourceStatistics usage = containerizer.isolators().usage("c1");
        assertThat(usage.getDiskLimitBytes()).isEqualTo(2L << 20);
        assertThat(usage.getDiskUsedBytes()).isBetween(100L * 1024, 110L * 1024); // small, and the empty stdout
        assertThat(clock.pendingCount()).isEqualTo(1);
        assertThat(container.exit()).isNotDone();

        container.kill(Duration.ZERO);
        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(exit.limitation()).isEmpty();
    }

    @Test
    void aTaskWithoutDiskIsNotWatched() throws Exception {
        RunningContainer container = containerizer.launch(CgroupFixture.spec(workDir, "c1", "exec sleep 1000"));

        assertThat(clock.pendingCount()).isZero();
        container.kill(Duration.ZERO);
        container.exit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void persistentVolumesDoNotCountTowardsTheSandboxLimit() {
        Resource volume = scalar("disk", 100).toBuilder().setDisk(Resource.DiskInfo.newBuilder()
                .setPersistence(Resource.DiskInfo.Persistence.newBuilder().setId("v1"))).build();

        assertThat(DiskUsageIsolator.limitBytes(List.of(scalar("disk", 1.5), volume))).isEqualTo(1536L * 1024);
    }

    @Test
    void aRestartedAgentWatchesTheContainersItRecoveredAgain() throws Exception {
        Path sandbox = Files.createDirectories(workDir.resolve("c1"));
        isolator.prepare(CgroupFixture.spec(workDir, "c1", "true", scalar("disk", 1)));
        isolator.prepare(CgroupFixture.spec(workDir, "gone", "true", scalar("disk", 1)));
        Files.write(sandbox.resolve("big"), new byte[2 << 20]);

        ManualTimers restarted = new ManualTimers(0);
        DiskUsageIsolator after = new DiskUsageIsolator(restarted, INTERVAL, workDir.resolve("disk-state"));
        CompletableFuture<Limitation> watch = after.watch("c1"); // the recovered container asks first
        after.recover(Set.of("c1"));
        restarted.advance(INTERVAL);

        assertThat(watch).isCompletedWithValueMatching(
                limitation -> limitation.reason() == Reason.REASON_CONTAINER_LIMITATION_DISK);
        assertThat(workDir.resolve("disk-state/gone")).doesNotExist();
    }
}
