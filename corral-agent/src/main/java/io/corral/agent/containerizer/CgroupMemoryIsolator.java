package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's {@code cgroups/mem} on the cgroup v1 memory controller: each container gets
 * {@code <hierarchy>/<root>/<container id>}, its {@code memory.limit_in_bytes} is the task's {@code mem} (no limit
 * when the task has none), the launcher is moved in before it starts the task, and when the kernel's OOM killer
 * ended the task the container reports the memory limitation (Mesos: {@code REASON_CONTAINER_LIMITATION_MEMORY}).
 *
 * <p>The cgroup also finds every process of the container, even one that left the task's session: cleanup
 * SIGKILLs them all before removing the cgroup.
 *
 * <p>{@code root} is per agent (several agents may share a machine, as under {@code corral local}), so recovery
 * only cleans up cgroups of its own agent.
 *
 * <p>Stateless in memory (everything is in the cgroup file system) and thread-safe.
 */
public final class CgroupMemoryIsolator implements Isolator {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupMemoryIsolator.class);
    public static final Path DEFAULT_HIERARCHY = Path.of("/sys/fs/cgroup/memory");
    private static final long MIB = 1024 * 1024;
    /** Cleanup rounds, 10 ms apart: processes forked while we kill are caught by the next round. */
    private static final int KILL_ROUNDS = 500;

    private final Path root;

    private CgroupMemoryIsolator(Path root) {
        this.root = root;
    }

    /**
     * The isolator under {@code hierarchy/rootName}, or a reason it cannot work here (no v1 memory controller, or
     * not allowed to create cgroups: the agent is not root).
     */
    public static CgroupMemoryIsolator create(Path hierarchy, String rootName) throws IOException {
        if (!Files.isRegularFile(hierarchy.resolve("memory.limit_in_bytes"))) {
            throw new IOException(hierarchy + " is not a cgroup v1 memory hierarchy");
        }
        Path root = hierarchy.resolve(rootName);
        Files.createDirectories(root);
        return new CgroupMemoryIsolator(root);
    }

    @Override
    public String name() {
        return "cgroups/mem";
    }

    Path cgroupOf(String containerId) {
        return root.resolve(containerId);
    }

    @Override
    public void prepare(ContainerSpec spec) throws IOException {
        Path cgroup = cgroupOf(spec.containerId());
        Files.createDirectories(cgroup);
        update(spec.containerId(), spec.resources());
    }

    @Override
    public void isolate(String containerId, long launcherPid) throws IOException {
        write(cgroupOf(containerId).resolve("cgroup.procs"), Long.toString(launcherPid));
    }

    @Override
    public void update(String containerId, List<Resource> resources) throws IOException {
        double mem = resources.stream().filter(r -> r.getName().equals("mem") && r.hasScalar())
                .mapToDouble(r -> r.getScalar().getValue()).sum();
        // -1: unlimited, for a task that asked for no memory (Mesos requires mem for every task; the master decides).
        long limit = mem > 0 ? (long) Math.ceil(mem * MIB) : -1;
        write(cgroupOf(containerId).resolve("memory.limit_in_bytes"), Long.toString(limit));
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        Path cgroup = cgroupOf(containerId);
        usage.setMemTotalBytes(readLong(cgroup.resolve("memory.usage_in_bytes")));
        usage.setMemLimitBytes(readLong(cgroup.resolve("memory.limit_in_bytes")));
        for (String line : Files.readAllLines(cgroup.resolve("memory.stat"), StandardCharsets.US_ASCII)) {
            String[] field = line.split(" ");
            switch (field[0]) {
                case "total_rss" -> usage.setMemRssBytes(Long.parseLong(field[1]));
                case "total_cache" -> usage.setMemCacheBytes(Long.parseLong(field[1]));
                default -> { }
            }
        }
        usage.setProcesses(Files.readAllLines(cgroup.resolve("cgroup.procs")).size());
    }

    /** The OOM killer counts its kills in {@code memory.oom_control} ("oom_kill N", Linux 4.13+). */
    @Override
    public Optional<String> limitation(String containerId) {
        Path cgroup = cgroupOf(containerId);
        try {
            for (String line : Files.readAllLines(cgroup.resolve("memory.oom_control"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("oom_kill ") && Long.parseLong(line.substring(9).trim()) > 0) {
                    long limit = readLong(cgroup.resolve("memory.limit_in_bytes"));
                    long peak = readLong(cgroup.resolve("memory.max_usage_in_bytes"));
                    return Optional.of("Memory limit exceeded: the task used " + peak / MIB + " MB of its "
                            + limit / MIB + " MB and was killed by the kernel's OOM killer");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Container {}: cannot read its OOM count: {}", containerId, e.toString());
        }
        return Optional.empty();
    }

    @Override
    public void cleanup(String containerId) {
        Path cgroup = cgroupOf(containerId);
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        for (int round = 0; round < KILL_ROUNDS; round++) {
            List<Long> pids = members(cgroup);
            if (pids.isEmpty()) {
                try {
                    Files.delete(cgroup); // rmdir(2): the kernel refuses while a process is inside
                    return;
                } catch (IOException e) {
                    LOG.debug("Container {}: cgroup not removable yet: {}", containerId, e.toString());
                }
            }
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // SIGKILLed processes take a moment to go
        }
        LOG.warn("Container {}: could not remove cgroup {} (processes keep appearing or it is busy)", containerId,
                cgroup);
    }

    @Override
    public void recover(Set<String> live) {
        try (Stream<Path> cgroups = Files.list(root)) {
            for (Path cgroup : cgroups.filter(Files::isDirectory).toList()) {
                String containerId = cgroup.getFileName().toString();
                if (!live.contains(containerId)) {
                    LOG.info("Removing cgroup {}: no recovered container owns it", cgroup);
                    cleanup(containerId);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not list {} to clean up unknown containers: {}", root, e.getMessage());
        }
    }

    private static List<Long> members(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.procs"), StandardCharsets.US_ASCII).stream()
                    .map(String::trim).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
    }

    private static long readLong(Path file) throws IOException {
        return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
    }

    /** Cgroup files take one write(2) each: no temporary file, no truncation. */
    private static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.WRITE);
    }
}
