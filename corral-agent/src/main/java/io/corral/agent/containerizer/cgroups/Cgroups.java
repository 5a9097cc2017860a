package io.corral.agent.containerizer.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.ResourceStatistics;

/**
 * One agent's containers' cgroups, whichever cgroup version the kernel offers: each container gets a cgroup named by
 * its container id under the agent's own directory ({@code corral-<digest of the work dir>}), in every hierarchy
 * that has a controller an isolator uses (v1), or once in the unified hierarchy (v2). The isolators speak to this
 * interface only; {@link CgroupsV1} and {@link CgroupsV2} know the files. {@link #detect} chooses one at start.
 *
 * <p>Implementations keep no per-container state in memory (everything is in the cgroup file system, so a restarted
 * agent finds its containers' cgroups again) and are thread-safe.
 */
public interface Cgroups {

    /** Where the kernel mounts cgroups. */
    Path DEFAULT_MOUNT = Path.of("/sys/fs/cgroup");

    /** The controllers the isolators use. */
    enum Controller {
        /** cpu shares/weight and the CFS quota. */
        CPU,
        /** cpu time used (v1's cpuacct; v2's cpu.stat, always there). */
        CPUACCT,
        MEMORY,
        PIDS,
        /** freezing a container to signal all of it at once (v1's freezer; v2's cgroup.freeze, always there). */
        FREEZER,
        /** which device nodes a container may open (v1's devices controller; in v2 an eBPF program on the cgroup). */
        DEVICES
    }

    /** CFS period: Mesos's 100 ms. */
    long CFS_PERIOD_MICROS = 100_000;
    /** The kernel's smallest CFS quota. */
    long MIN_CFS_QUOTA_MICROS = 1_000;
    /** v1's smallest cpu.shares, and Mesos's. */
    long MIN_SHARES = 2;
    long SHARES_PER_CPU = 1024;

    /** "cgroup v1 at /sys/fs/cgroup", for logs. */
    String describe();

    /** The controllers this kernel lets the agent use. */
    Set<Controller> available();

    default boolean has(Controller controller) {
        return available().contains(controller);
    }

    /** The container's cgroup directory for a controller (in v2, the same for every controller). */
    Path cgroup(Controller controller, String containerId);

    /** Creates the container's cgroup for the controller (nothing when it exists). */
    void create(Controller controller, String containerId) throws IOException;

    /**
     * The file {@link #join} writes a pid to; the launcher server's per-task launchers write their own pid there
     * ({@link io.corral.agent.containerizer.Isolator#joinFiles}).
     */
    default Path procsFile(Controller controller, String containerId) {
        return cgroup(controller, containerId).resolve("cgroup.procs");
    }

    /** Moves a process (and its future children) into the container's cgroup for the controller. */
    void join(Controller controller, String containerId, long pid) throws IOException;

    /** The container ids that have a cgroup for this controller, for recovery. */
    List<String> containers(Controller controller) throws IOException;

    /**
     * Removes the agent's own cgroup for the controller if no container's cgroup is left in it (the kernel refuses
     * otherwise, which changes nothing); for an agent that stops with nothing running. Never throws.
     */
    void removeRootIfEmpty(Controller controller);

    /** The processes in the container's cgroup for the controller; empty when it has none or is gone. */
    default List<Long> processes(Controller controller, String containerId) {
        return CgroupFiles.processes(cgroup(controller, containerId));
    }

    /**
     * SIGKILLs every process still in the container's cgroup for the controller and removes the cgroup. Only once
     * the launcher ended: it kills everything inside. Never throws; logs what it could not remove.
     */
    void destroy(Controller controller, String containerId);

    /**
     * Freezes the container (so nothing forks or exits meanwhile), sends every member but {@code spare} (the
     * launcher, which must live to record the task's exit) SIGTERM or SIGKILL, and thaws it: processes that left
     * the task's session or daemonized are reached too.
     */
    void signalAll(String containerId, boolean forcibly, long spare) throws IOException;

    /** Shares (v1) or weight (v2) from {@code cpus}, and a CFS quota of {@code cpus} per 100 ms period. */
    void setCpus(String containerId, double cpus) throws IOException;

    /** cpus_limit, cpu times and throttling into Mesos's statistics. */
    void cpuUsage(String containerId, ResourceStatistics.Builder usage) throws IOException;

    /** The memory limit in bytes; -1 for none. */
    void setMemoryLimit(String containerId, long bytes) throws IOException;

    /** mem_total_bytes, mem_limit_bytes, mem_rss_bytes, mem_cache_bytes into Mesos's statistics. */
    void memoryUsage(String containerId, ResourceStatistics.Builder usage) throws IOException;

    /** The kernel's OOM killer's count of kills in this container, with the limit and the peak usage. */
    MemoryEvents memoryEvents(String containerId) throws IOException;

    /** The largest number of processes and threads; -1 for none. */
    void setPidsLimit(String containerId, long max) throws IOException;

    /** The number of processes and threads now in the container (Mesos's {@code threads}). */
    long pidsCurrent(String containerId) throws IOException;

    /**
     * Makes {@code rules} the devices the container may open: a rule decides for the devices it names (rules name
     * distinct devices: v1 and v2 would read overlapping ones differently), a device no rule names may be opened.
     * v1 writes them to {@code devices.allow} and {@code devices.deny}; v2 attaches them as an eBPF device program.
     */
    default void setDeviceRules(String containerId, List<DeviceRule> rules) throws IOException {
        throw new IOException(describe() + " cannot control devices");
    }

    /** The container's {@code devices.list}: what it may open ({@code "a *:* rwm"} while it may open anything). */
    default List<String> deviceList(String containerId) throws IOException {
        throw new IOException(describe() + " has no devices controller");
    }

    /** What the memory controller saw: OOM kills, the limit (-1: none) and the peak usage, in bytes. */
    record MemoryEvents(long oomKills, long limitBytes, long peakBytes) {}

    /** v1 cpu.shares for {@code cpus}: 1024 per cpu, at least 2 (Mesos's {@code cgroups/cpu}). */
    static long shares(double cpus) {
        return Math.max(MIN_SHARES, (long) (SHARES_PER_CPU * cpus));
    }

    /** The CFS quota for {@code cpus} per {@link #CFS_PERIOD_MICROS}, at least the kernel's 1 ms. */
    static long quotaMicros(double cpus) {
        return Math.max(MIN_CFS_QUOTA_MICROS, (long) (CFS_PERIOD_MICROS * cpus));
    }

    /**
     * The cgroups of this machine for an agent's containers under {@code mount/rootName}: v2 when {@code mount} is
     * the unified hierarchy, else v1 (a hybrid system's {@code unified} mount has no controllers, so v1 it is).
     *
     * @throws IOException when the kernel offers no cgroup the agent may write (not root, read-only, none mounted)
     */
    static Cgroups detect(Path mount, String rootName) throws IOException {
        return detect(mount, rootName, false);
    }

    /**
     * As {@link #detect(Path, String)}, and with {@code deviceControl} (only GPU isolation needs it) v2 also finds out
     * whether this process may attach eBPF device programs, which loads a native library and a program into the
     * kernel: not done at every agent's start for nothing. v1's devices controller is found with the others.
     */
    static Cgroups detect(Path mount, String rootName, boolean deviceControl) throws IOException {
        if (Files.isRegularFile(mount.resolve("cgroup.controllers"))) {
            return CgroupsV2.create(mount, rootName, deviceControl);
        }
        return CgroupsV1.create(mount, rootName);
    }
}
