package io.corral.agent.containerizer.cgroups;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cgroup v2's file writes and reads against a temporary directory laid out like a unified cgroupfs, for machines
 * (like the one these tests were written on) without a real v2 hierarchy; the kernel's own behaviour is covered by
 * the isolators' tests wherever v2 is mounted.
 */
class CgroupsV2Test {

    @TempDir Path mount;
    private Path root;
    private Cgroups cgroups;

    @BeforeEach
    void layOutAUnifiedHierarchy() throws IOException {
        Files.writeString(mount.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(mount.resolve("cgroup.subtree_control"), "");
        root = mount.resolve("corral-agent");
        Files.createDirectories(root);
        Files.writeString(root.resolve("cgroup.freeze"), "0\n");
        cgroups = Cgroups.detect(mount, "corral-agent");
    }

    @Test
    void detectsV2AndEnablesTheControllersForTheAgentsChildren() throws IOException {
        assertThat(cgroups.describe()).startsWith("cgroup v2");
        assertThat(cgroups.available()).containsExactlyInAnyOrder(Controller.CPU, Controller.CPUACCT,
                Controller.MEMORY, Controller.PIDS, Controller.FREEZER);
        assertThat(Files.readString(mount.resolve("cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids");
        assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids");
    }

    @Test
    void oneCgroupPerContainerForEveryController() throws IOException {
        cgroups.create(Controller.CPU, "c1");
        cgroups.create(Controller.MEMORY, "c1");
        cgroups.join(Controller.MEMORY, "c1", 4242);

        assertThat(cgroups.cgroup(Controller.CPU, "c1")).isEqualTo(root.resolve("c1"))
                .isEqualTo(cgroups.cgroup(Controller.PIDS, "c1"));
        assertThat(Files.readString(root.resolve("c1/cgroup.procs"))).isEqualTo("4242");
        assertThat(cgroups.containers(Controller.MEMORY)).containsExactly("c1");
    }

    @Test
    void cpusBecomeWeightAndCpuMax() throws IOException {
        cgroups.create(Controller.CPU, "c1");

        cgroups.setCpus("c1", 1.5);
        assertThat(Files.readString(root.resolve("c1/cpu.weight"))).isEqualTo("150");
        assertThat(Files.readString(root.resolve("c1/cpu.max"))).isEqualTo("150000 100000");

        cgroups.setCpus("c1", 0.001); // the smallest weight and the kernel's smallest quota
        assertThat(Files.readString(root.resolve("c1/cpu.weight"))).isEqualTo("1");
        assertThat(Files.readString(root.resolve("c1/cpu.max"))).isEqualTo("1000 100000");
    }

    @Test
    void cpuUsageComesFromCpuStat() throws IOException {
        cgroups.create(Controller.CPU, "c1");
        cgroups.setCpus("c1", 0.5);
        Files.writeString(root.resolve("c1/cpu.stat"), "usage_usec 3500000\nuser_usec 2500000\n"
                + "system_usec 1000000\nnr_periods 40\nnr_throttled 7\nthrottled_usec 250000\n");

        ResourceStatistics.Builder usage = ResourceStatistics.newBuilder();
        cgroups.cpuUsage("c1", usage);

        assertThat(usage.getCpusUserTimeSecs()).isEqualTo(2.5);
        assertThat(usage.getCpusSystemTimeSecs()).isEqualTo(1.0);
        assertThat(usage.getCpusLimit()).isEqualTo(0.5);
        assertThat(usage.getCpusNrPeriods()).isEqualTo(40);
        assertThat(usage.getCpusNrThrottled()).isEqualTo(7);
        assertThat(usage.getCpusThrottledTimeSecs()).isEqualTo(0.25);
    }

    @Test
    void memoryLimitUsageAndOomKillsUseTheV2Files() throws IOException {
        cgroups.create(Controller.MEMORY, "c1");
        cgroups.setMemoryLimit("c1", 64L << 20);
        assertThat(Files.readString(root.resolve("c1/memory.max"))).isEqualTo("67108864");
        Files.writeString(root.resolve("c1/memory.current"), "1048576\n");
        Files.writeString(root.resolve("c1/memory.peak"), "67100000\n");
        Files.writeString(root.resolve("c1/memory.stat"), "anon 800000\nfile 200000\nkernel 48576\n");
        Files.writeString(root.resolve("c1/memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
        Files.writeString(root.resolve("c1/cgroup.procs"), "");

        ResourceStatistics.Builder usage = ResourceStatistics.newBuilder();
        cgroups.memoryUsage("c1", usage);
        assertThat(usage.getMemTotalBytes()).isEqualTo(1048576);
        assertThat(usage.getMemLimitBytes()).isEqualTo(64L << 20);
        assertThat(usage.getMemRssBytes()).isEqualTo(800000);
        assertThat(usage.getMemCacheBytes()).isEqualTo(200000);
        assertThat(cgroups.memoryEvents("c1")).isEqualTo(new Cgroups.MemoryEvents(1, 64L << 20, 67100000));

        cgroups.setMemoryLimit("c1", -1);
        assertThat(Files.readString(root.resolve("c1/memory.max"))).isEqualTo("max");
        assertThat(cgroups.memoryEvents("c1").limitBytes()).isEqualTo(-1);
    }

    @Test
    void peakFallsBackToCurrentBeforeLinux519() throws IOException {
        cgroups.create(Controller.MEMORY, "c1");
        cgroups.setMemoryLimit("c1", 1 << 20);
        Files.writeString(root.resolve("c1/memory.current"), "524288\n");
        Files.writeString(root.resolve("c1/memory.events"), "oom_kill 0\n");

        assertThat(cgroups.memoryEvents("c1")).isEqualTo(new Cgroups.MemoryEvents(0, 1 << 20, 524288));
    }

    @Test
    void pidsLimitAndCount() throws IOException {
        cgroups.create(Controller.PIDS, "c1");
        cgroups.setPidsLimit("c1", 100);
        assertThat(Files.readString(root.resolve("c1/pids.max"))).isEqualTo("100");
        cgroups.setPidsLimit("c1", -1);
        assertThat(Files.readString(root.resolve("c1/pids.max"))).isEqualTo("max");
        Files.writeString(root.resolve("c1/pids.current"), "3\n");
        assertThat(cgroups.pidsCurrent("c1")).isEqualTo(3);
    }

    @Test
    void signallingFreezesAndThawsTheContainer() throws IOException {
        cgroups.create(Controller.FREEZER, "c1");
        Files.writeString(root.resolve("c1/cgroup.events"), "populated 1\nfrozen 1\n");
        Files.writeString(root.resolve("c1/cgroup.procs"), ""); // nobody to signal: only the freezer is exercised

        cgroups.signalAll("c1", true, -1);

        assertThat(Files.readString(root.resolve("c1/cgroup.freeze"))).isEqualTo("0"); // thawed again
    }

    @Test
    void aHybridSystemsEmptyUnifiedMountIsNotV2() throws IOException {
        // /sys/fs/cgroup with v1 hierarchies (and a controller-less "unified" mount inside) is v1.
        Path v1 = mount.resolve("v1");
        Files.createDirectories(v1.resolve("memory"));
        Files.writeString(v1.resolve("memory/cgroup.procs"), "");
        Files.writeString(v1.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
        Files.createDirectories(v1.resolve("unified"));
        Files.writeString(v1.resolve("unified/cgroup.controllers"), "");

        Cgroups detected = Cgroups.detect(v1, "corral-agent");

        assertThat(detected.describe()).startsWith("cgroup v1");
        assertThat(detected.available()).containsExactly(Controller.MEMORY);
    }
}
