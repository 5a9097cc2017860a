package io.corral.agent.containerizer.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cgroup v2, the unified hierarchy: one cgroup per container, {@code <mount>/<agent root>/<container id>}, for every
 * controller. The agent's root enables {@code cpu}, {@code memory} and {@code pids} for its children in
 * {@code cgroup.subtree_control} (and the mount's root for it, when they are not yet); it never holds a process
 * itself, as v2's "no internal processes" rule wants. Files: {@code cpu.weight}, {@code cpu.max}, {@code cpu.stat},
 * {@code memory.max}, {@code memory.current}, {@code memory.peak}, {@code memory.stat}, {@code memory.events},
 * {@code pids.max}, {@code pids.current}, {@code cgroup.freeze}, {@code cgroup.events}, {@code cgroup.kill}. v2 has
 * no devices files: {@link Controller#DEVICES} is an eBPF program attached to the container's cgroup
 * ({@link CgroupDeviceFilter}), offered when asked for and this process may attach one.
 *
 * <p>Stateless in memory beyond what start found; thread-safe.
 */
final class CgroupsV2 implements Cgroups {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupsV2.class);
    private static final List<String> WANTED = List.of("cpu", "memory", "pids");
    /** cpu.weight's range; 100, the kernel's default weight, is one cpu (as 1024 shares are in v1). */
    private static final long MIN_WEIGHT = 1;
    private static final long MAX_WEIGHT = 10_000;
    private static final long WEIGHT_PER_CPU = 100;
    private static final double MICROS_PER_SECOND = 1_000_000.0;
    private static final int FREEZE_WAIT_ROUNDS = 1000;

    private final Path root;
    private final Set<Controller> available;
    /** Present when the kernel lets this process attach device programs to the agent's cgroups. */
    private final Optional<CgroupDeviceFilter> devices;

    private CgroupsV2(Path root, Set<Controller> available, Optional<CgroupDeviceFilter> devices) {
        this.root = root;
        this.available = available;
        this.devices = devices;
    }

    static CgroupsV2 create(Path mount, String rootName, boolean deviceControl) throws IOException {
        Set<String> offered = controllers(mount.resolve("cgroup.controllers"));
        List<String> wanted = WANTED.stream().filter(offered::contains).toList();
        enable(mount.resolve("cgroup.subtree_control"), wanted);
        Path root = mount.resolve(rootName);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new IOException("cgroup v2 at " + mount + ": cannot create " + root + " (" + e + ")", e);
        }
        enable(root.resolve("cgroup.subtree_control"), wanted);
        Set<String> enabled = controllers(root.resolve("cgroup.subtree_control"));
        Set<Controller> available = EnumSet.of(Controller.CPUACCT); // cpu.stat's usage is in every cgroup
        if (enabled.contains("cpu")) {
            available.add(Controller.CPU);
        }
        if (enabled.contains("memory")) {
            available.add(Controller.MEMORY);
        }
        if (enabled.contains("pids")) {
            available.add(Controller.PIDS);
        }
        if (Files.isRegularFile(root.resolve("cgroup.freeze"))) { // Linux 5.2+
            available.add(Controller.FREEZER);
        }
        Optional<CgroupDeviceFilter> devices = deviceControl ? deviceFilter(root) : Optional.empty();
        devices.ifPresent(filter -> available.add(Controller.DEVICES));
        return new CgroupsV2(root, available, devices);
    }

    private static Optional<CgroupDeviceFilter> deviceFilter(Path root) {
        try {
            return Optional.of(CgroupDeviceFilter.probe(root));
        } catch (IOException e) {
            LOG.info("cgroup v2 at {}: no device control ({})", root, e.getMessage());
            return Optional.empty();
        }
    }

    /** The controller names in a {@code cgroup.controllers} or {@code cgroup.subtree_control} file. */
    private static Set<String> controllers(Path file) {
        try {
            return Arrays.stream(CgroupFiles.read(file).split("\\s+")).map(name -> name.replace("+", ""))
                    .filter(name -> !name.isEmpty()).collect(Collectors.toSet());
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** Enables the controllers for a cgroup's children: all in one write, else one by one (one may be refused). */
    private static void enable(Path subtreeControl, List<String> names) {
        Set<String> already = controllers(subtreeControl);
        List<String> missing = names.stream().filter(name -> !already.contains(name)).toList();
        if (missing.isEmpty()) {
            return;
        }
        try {
            CgroupFiles.write(subtreeControl, missing.stream().map(name -> "+" + name)
                    .collect(Collectors.joining(" ")));
        } catch (IOException all) {
            for (String name : missing) {
                try {
                    CgroupFiles.write(subtreeControl, "+" + name);
                } catch (IOException e) {
                    LOG.info("cgroup v2: cannot enable {} in {}: {}", name, subtreeControl, e.toString());
                }
            }
        }
    }

    @Override
    public String describe() {
        return "cgroup v2 at " + root.getParent() + " " + available;
    }

    @Override
    public Set<Controller> available() {
        return available;
    }

    @Override
    public Path cgroup(Controller controller, String containerId) {
        return root.resolve(containerId);
    }

    @Override
    public void create(Controller controller, String containerId) throws IOException {
        Files.createDirectories(root.resolve(containerId));
    }

    @Override
    public void join(Controller controller, String containerId, long pid) throws IOException {
        CgroupFiles.write(procsFile(controller, containerId), Long.toString(pid));
    }

    @Override
    public List<String> containers(Controller controller) throws IOException {
        try (Stream<Path> cgroups = Files.list(root)) {
            return cgroups.filter(Files::isDirectory).map(path -> path.getFileName().toString()).toList();
        }
    }

    @Override
    public void removeRootIfEmpty(Controller controller) {
        CgroupRemoval.removeIfEmpty(root);
    }

    /** {@code cgroup.kill} (Linux 5.14+) SIGKILLs every member at once; before it, freeze and signal each. */
    @Override
    public void destroy(Controller controller, String containerId) {
        Path cgroup = root.resolve(containerId);
        Path kill = cgroup.resolve("cgroup.kill");
        CgroupRemoval.remove(cgroup, members -> {
            if (Files.isRegularFile(kill)) {
                try {
                    CgroupFiles.write(kill, "1");
                    return;
                } catch (IOException e) {
                    LOG.debug("{}: cgroup.kill refused: {}", cgroup, e.toString());
                }
            }
            frozen(cgroup, () -> CgroupRemoval.signal(CgroupFiles.processes(cgroup), true, -1));
        }, () -> releaseMemory(cgroup));
    }

    /** memory.reclaim (Linux 5.19+) of all the cgroup still holds: see {@link CgroupRemoval#releaseMemory}. */
    private static void releaseMemory(Path cgroup) {
        try {
            long charged = Long.parseLong(Files.readString(cgroup.resolve("memory.current")).trim());
            if (charged > 0) {
                CgroupRemoval.releaseMemory(cgroup.resolve("memory.reclaim"), Long.toString(charged));
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("{}: no memory accounting to release ({})", cgroup, e.toString());
        }
    }

    /** Not cgroup.kill: it would kill the launcher too, which must live to record the task's exit. */
    @Override
    public void signalAll(String containerId, boolean forcibly, long spare) throws IOException {
        Path cgroup = root.resolve(containerId);
        if (!Files.isDirectory(cgroup)) {
            throw new IOException(cgroup + " does not exist");
        }
        frozen(cgroup, () -> CgroupRemoval.signal(CgroupFiles.processes(cgroup), forcibly, spare));
    }

    private void frozen(Path cgroup, Runnable action) {
        Path freeze = cgroup.resolve("cgroup.freeze");
        boolean canFreeze = available.contains(Controller.FREEZER);
        if (canFreeze) {
            try {
                CgroupFiles.write(freeze, "1");
                for (int round = 0; round < FREEZE_WAIT_ROUNDS && !isFrozen(cgroup); round++) {
                    LockSupport.parkNanos(1_000_000);
                }
            } catch (IOException e) {
                LOG.debug("{}: could not freeze: {}", cgroup, e.toString());
            }
        }
        try {
            action.run();
        } finally {
            if (canFreeze) {
                try {
                    CgroupFiles.write(freeze, "0");
                } catch (IOException e) {
                    LOG.debug("{}: could not thaw: {}", cgroup, e.toString());
                }
            }
        }
    }

    private static boolean isFrozen(Path cgroup) throws IOException {
        return CgroupFiles.readKeyed(cgroup.resolve("cgroup.events")).getOrDefault("frozen", 0L) == 1;
    }

    @Override
    public void setCpus(String containerId, double cpus) throws IOException {
        Path cgroup = root.resolve(containerId);
        long weight = Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, Math.round(WEIGHT_PER_CPU * cpus)));
        CgroupFiles.write(cgroup.resolve("cpu.weight"), Long.toString(weight));
        CgroupFiles.write(cgroup.resolve("cpu.max"), Cgroups.quotaMicros(cpus) + " " + CFS_PERIOD_MICROS);
    }

    @Override
    public void cpuUsage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        Path cgroup = root.resolve(containerId);
        Map<String, Long> stat = CgroupFiles.readKeyed(cgroup.resolve("cpu.stat"));
        usage.setCpusUserTimeSecs(stat.getOrDefault("user_usec", 0L) / MICROS_PER_SECOND);
        usage.setCpusSystemTimeSecs(stat.getOrDefault("system_usec", 0L) / MICROS_PER_SECOND);
        if (available.contains(Controller.CPU)) {
            String[] max = CgroupFiles.read(cgroup.resolve("cpu.max")).split(" ");
            if (max.length == 2 && !max[0].equals("max")) {
                usage.setCpusLimit(Double.parseDouble(max[0]) / Double.parseDouble(max[1]));
            }
            usage.setCpusNrPeriods(stat.getOrDefault("nr_periods", 0L).intValue());
            usage.setCpusNrThrottled(stat.getOrDefault("nr_throttled", 0L).intValue());
            usage.setCpusThrottledTimeSecs(stat.getOrDefault("throttled_usec", 0L) / MICROS_PER_SECOND);
        }
    }

    @Override
    public void setMemoryLimit(String containerId, long bytes) throws IOException {
        CgroupFiles.write(root.resolve(containerId).resolve("memory.max"), bytes < 0 ? "max" : Long.toString(bytes));
    }

    @Override
    public void memoryUsage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        Path cgroup = root.resolve(containerId);
        usage.setMemTotalBytes(CgroupFiles.readLong(cgroup.resolve("memory.current")));
        long limit = limit(cgroup);
        if (limit >= 0) {
            usage.setMemLimitBytes(limit);
        }
        Map<String, Long> stat = CgroupFiles.readKeyed(cgroup.resolve("memory.stat"));
        usage.setMemRssBytes(stat.getOrDefault("anon", 0L));
        usage.setMemCacheBytes(stat.getOrDefault("file", 0L));
        usage.setProcesses(CgroupFiles.processes(cgroup).size());
    }

    /** {@code memory.events} counts OOM kills; {@code memory.peak} exists from Linux 5.19 (else the current use). */
    @Override
    public MemoryEvents memoryEvents(String containerId) throws IOException {
        Path cgroup = root.resolve(containerId);
        long kills = CgroupFiles.readKeyed(cgroup.resolve("memory.events")).getOrDefault("oom_kill", 0L);
        Path peak = cgroup.resolve("memory.peak");
        long peakBytes = CgroupFiles.readLong(Files.isRegularFile(peak) ? peak : cgroup.resolve("memory.current"));
        return new MemoryEvents(kills, limit(cgroup), peakBytes);
    }

    private static long limit(Path cgroup) throws IOException {
        String max = CgroupFiles.read(cgroup.resolve("memory.max"));
        return max.equals("max") ? -1 : Long.parseLong(max);
    }

    @Override
    public void setDeviceRules(String containerId, List<DeviceRule> rules) throws IOException {
        if (devices.isEmpty()) {
            throw new IOException(describe() + " cannot attach device programs (not asked for, or see the agent's log"
                    + " at start)");
        }
        devices.get().replace(root.resolve(containerId), rules);
    }

    @Override
    public void setPidsLimit(String containerId, long max) throws IOException {
        CgroupFiles.write(root.resolve(containerId).resolve("pids.max"), max < 0 ? "max" : Long.toString(max));
    }

    @Override
    public long pidsCurrent(String containerId) throws IOException {
        return CgroupFiles.readLong(root.resolve(containerId).resolve("pids.current"));
    }
}
