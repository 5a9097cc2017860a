package io.corral.agent.containerizer.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cgroup v1: one hierarchy per controller ({@code /sys/fs/cgroup/cpu}, {@code .../cpuacct}, {@code .../memory},
 * {@code .../pids}, {@code .../freezer}, {@code .../devices}; co-mounted ones such as {@code cpu,cpuacct} are reached through either
 * name), so a container has a cgroup in each hierarchy an isolator uses.
 *
 * <p>Stateless in memory beyond the hierarchies found at start; thread-safe.
 */
final class CgroupsV1 implements Cgroups {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupsV1.class);
    /** cpuacct.stat counts in USER_HZ, which Linux fixes at 100 on every architecture it exports it for. */
    private static final double USER_HZ = 100.0;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** How long a freeze may take before the signals go out anyway (a process stuck in the kernel delays it). */
    private static final int FREEZE_WAIT_ROUNDS = 1000;

    private final Path mount;
    /** The agent's directory in each usable hierarchy. */
    private final Map<Controller, Path> roots;

    private CgroupsV1(Path mount, Map<Controller, Path> roots) {
        this.mount = mount;
        this.roots = roots;
    }

    static CgroupsV1 create(Path mount, String rootName) throws IOException {
        Map<Controller, Path> roots = new EnumMap<>(Controller.class);
        StringBuilder missing = new StringBuilder();
        for (Controller controller : Controller.values()) {
            Path hierarchy = mount.resolve(subsystem(controller));
            String marker = marker(controller);
            if (!Files.isRegularFile(hierarchy.resolve("cgroup.procs"))
                    || (marker != null && !Files.isRegularFile(hierarchy.resolve(marker)))) {
                missing.append(' ').append(subsystem(controller)).append(" (not mounted)");
                continue;
            }
            Path root = hierarchy.resolve(rootName);
            try {
                Files.createDirectories(root);
                roots.put(controller, root);
            } catch (IOException e) {
                missing.append(' ').append(subsystem(controller)).append(" (").append(e).append(')');
            }
        }
        if (roots.isEmpty()) {
            throw new IOException("no writable cgroup v1 hierarchy under " + mount + ":" + missing);
        }
        if (!missing.isEmpty()) {
            LOG.info("cgroup v1 at {}: unusable controllers:{}", mount, missing);
        }
        return new CgroupsV1(mount, roots);
    }

    private static String subsystem(Controller controller) {
        return switch (controller) {
            case CPU -> "cpu";
            case CPUACCT -> "cpuacct";
            case MEMORY -> "memory";
            case PIDS -> "pids";
            case FREEZER -> "freezer";
            case DEVICES -> "devices";
        };
    }

    /** A file only the controller's hierarchy root has; null when cgroup.procs must do (pids, freezer). */
    private static String marker(Controller controller) {
        return switch (controller) {
            case CPU -> "cpu.shares";
            case CPUACCT -> "cpuacct.usage";
            case MEMORY -> "memory.limit_in_bytes";
            case DEVICES -> "devices.allow";
            case PIDS, FREEZER -> null;
        };
    }

    @Override
    public String describe() {
        return "cgroup v1 at " + mount + " " + roots.keySet();
    }

    @Override
    public Set<Controller> available() {
        return roots.keySet();
    }

    @Override
    public Path cgroup(Controller controller, String containerId) {
        Path root = roots.get(controller);
        if (root == null) {
            throw new IllegalStateException("the " + subsystem(controller) + " controller is not available here");
        }
        return root.resolve(containerId);
    }

    @Override
    public void create(Controller controller, String containerId) throws IOException {
        Files.createDirectories(cgroup(controller, containerId));
    }

    @Override
    public void join(Controller controller, String containerId, long pid) throws IOException {
        CgroupFiles.write(procsFile(controller, containerId), Long.toString(pid));
    }

    @Override
    public List<String> containers(Controller controller) throws IOException {
        try (Stream<Path> cgroups = Files.list(roots.get(controller))) {
            return cgroups.filter(Files::isDirectory).map(path -> path.getFileName().toString()).toList();
        }
    }

    @Override
    public void removeRootIfEmpty(Controller controller) {
        Path root = roots.get(controller);
        if (root != null) {
            CgroupRemoval.removeIfEmpty(root);
        }
    }

    @Override
    public void destroy(Controller controller, String containerId) {
        Path cgroup = cgroup(controller, containerId);
        CgroupRemoval.remove(cgroup, members -> {
            if (controller == Controller.FREEZER) {
                frozen(cgroup, () -> CgroupRemoval.signal(CgroupFiles.processes(cgroup), true, -1));
            } else {
                CgroupRemoval.signal(members, true, -1);
            }
        }, () -> {
            if (controller == Controller.MEMORY) {
                CgroupRemoval.releaseMemory(cgroup.resolve("memory.force_empty"), "0");
            }
        });
    }

    @Override
    public void signalAll(String containerId, boolean forcibly, long spare) throws IOException {
        if (!has(Controller.FREEZER)) {
            throw new IOException("no freezer hierarchy: cannot signal the container atomically");
        }
        Path cgroup = cgroup(Controller.FREEZER, containerId);
        frozen(cgroup, () -> CgroupRemoval.signal(CgroupFiles.processes(cgroup), forcibly, spare));
    }

    /** Runs {@code action} with the cgroup FROZEN: no member forks, exits or runs meanwhile; then thaws it. */
    private static void frozen(Path cgroup, Runnable action) {
        Path state = cgroup.resolve("freezer.state");
        try {
            CgroupFiles.write(state, "FROZEN");
            for (int round = 0; round < FREEZE_WAIT_ROUNDS && !"FROZEN".equals(CgroupFiles.read(state)); round++) {
                LockSupport.parkNanos(1_000_000); // FREEZING: members are being stopped
            }
        } catch (IOException e) {
            LOG.debug("{}: could not freeze: {}", cgroup, e.toString());
        }
        try {
            action.run();
        } finally {
            try {
                CgroupFiles.write(state, "THAWED");
            } catch (IOException e) {
                LOG.debug("{}: could not thaw: {}", cgroup, e.toString());
            }
        }
    }

    @Override
    public void setCpus(String containerId, double cpus) throws IOException {
        Path cgroup = cgroup(Controller.CPU, containerId);
        CgroupFiles.write(cgroup.resolve("cpu.shares"), Long.toString(Cgroups.shares(cpus)));
        CgroupFiles.write(cgroup.resolve("cpu.cfs_period_us"), Long.toString(CFS_PERIOD_MICROS));
        CgroupFiles.write(cgroup.resolve("cpu.cfs_quota_us"), Long.toString(Cgroups.quotaMicros(cpus)));
    }

    @Override
    public void cpuUsage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        if (has(Controller.CPUACCT)) {
            Map<String, Long> ticks = CgroupFiles.readKeyed(cgroup(Controller.CPUACCT, containerId)
                    .resolve("cpuacct.stat"));
            usage.setCpusUserTimeSecs(ticks.getOrDefault("user", 0L) / USER_HZ);
            usage.setCpusSystemTimeSecs(ticks.getOrDefault("system", 0L) / USER_HZ);
        }
        Path cpu = cgroup(Controller.CPU, containerId);
        long quota = CgroupFiles.readLong(cpu.resolve("cpu.cfs_quota_us"));
        if (quota > 0) {
            usage.setCpusLimit((double) quota / CgroupFiles.readLong(cpu.resolve("cpu.cfs_period_us")));
        }
        Map<String, Long> stat = CgroupFiles.readKeyed(cpu.resolve("cpu.stat"));
        usage.setCpusNrPeriods(stat.getOrDefault("nr_periods", 0L).intValue());
        usage.setCpusNrThrottled(stat.getOrDefault("nr_throttled", 0L).intValue());
        usage.setCpusThrottledTimeSecs((double) stat.getOrDefault("throttled_time", 0L) / NANOS_PER_SECOND);
    }

    @Override
    public void setMemoryLimit(String containerId, long bytes) throws IOException {
        CgroupFiles.write(cgroup(Controller.MEMORY, containerId).resolve("memory.limit_in_bytes"),
                Long.toString(bytes));
    }

    @Override
    public void memoryUsage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        Path cgroup = cgroup(Controller.MEMORY, containerId);
        usage.setMemTotalBytes(CgroupFiles.readLong(cgroup.resolve("memory.usage_in_bytes")));
        usage.setMemLimitBytes(CgroupFiles.readLong(cgroup.resolve("memory.limit_in_bytes")));
        Map<String, Long> stat = CgroupFiles.readKeyed(cgroup.resolve("memory.stat"));
        usage.setMemRssBytes(stat.getOrDefault("total_rss", 0L));
        usage.setMemCacheBytes(stat.getOrDefault("total_cache", 0L));
        usage.setProcesses(CgroupFiles.processes(cgroup).size());
    }

    /** The OOM killer counts its kills in {@code memory.oom_control} ("oom_kill N", Linux 4.13+). */
    @Override
    public MemoryEvents memoryEvents(String containerId) throws IOException {
        Path cgroup = cgroup(Controller.MEMORY, containerId);
        long kills = CgroupFiles.readKeyed(cgroup.resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
        return new MemoryEvents(kills, CgroupFiles.readLong(cgroup.resolve("memory.limit_in_bytes")),
                CgroupFiles.readLong(cgroup.resolve("memory.max_usage_in_bytes")));
    }

    @Override
    public void setDeviceRules(String containerId, List<DeviceRule> rules) throws IOException {
        Path cgroup = cgroup(Controller.DEVICES, containerId);
        for (DeviceRule rule : rules) {
            CgroupFiles.write(cgroup.resolve(rule.allow() ? "devices.allow" : "devices.deny"), rule.v1Text());
        }
    }

    @Override
    public List<String> deviceList(String containerId) throws IOException {
        return CgroupFiles.read(cgroup(Controller.DEVICES, containerId).resolve("devices.list")).lines().toList();
    }

    @Override
    public void setPidsLimit(String containerId, long max) throws IOException {
        CgroupFiles.write(cgroup(Controller.PIDS, containerId).resolve("pids.max"),
                max < 0 ? "max" : Long.toString(max));
    }

    @Override
    public long pidsCurrent(String containerId) throws IOException {
        return CgroupFiles.readLong(cgroup(Controller.PIDS, containerId).resolve("pids.current"));
    }
}
