package io.corral.agent.http;

import io.corral.agent.containerizer.Isolators;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;

/**
 * A container's resource usage (Mesos's {@code ResourceStatistics}), for {@code /monitor/statistics} and
 * {@code GET_CONTAINERS}: what the containerizer's isolators measure (cgroups: memory, cpu time, throttling), else,
 * as Mesos's posix isolators do, the sum over the container's process tree read from {@code /proc} (cpu time, resident
 * memory, processes, threads); plus the limits its resources set.
 *
 * <p>Thread-safe and stateless: it reads the kernel's files on the caller's thread (an HTTP reader thread; never the
 * agent's loop, which must not wait on the file system for a reader). A request reads {@code /proc} once
 * ({@link ProcessTable}, immutable once read) and measures all its containers from it.
 */
public final class ContainerUsage {
    /** The kernel's USER_HZ: /proc reports cpu times in these ticks (100 on every Linux this runs on). */
    private static final double TICKS_PER_SECOND = 100;
    private static final long PAGE_SIZE = 4096;
    private static final Path PROC = Path.of("/proc");

    private final Isolators isolators;

    public ContainerUsage(Isolators isolators) {
        this.isolators = isolators;
    }

    /**
     * The machine's processes as {@code /proc} lists them now: read once per request, then each container's tree is
     * summed from it (one scan, however many containers).
     */
    public static final class ProcessTable {
        /** pid to {ppid, utime, stime, threads, rss pages}. */
        private final Map<Long, long[]> stats;
        private final Map<Long, List<Long>> children = new HashMap<>();

        private ProcessTable(Map<Long, long[]> stats) {
            this.stats = stats;
            stats.forEach((pid, stat) -> children.computeIfAbsent(stat[0], parent -> new ArrayList<>()).add(pid));
        }

        /** Reads every process's {@code stat}; an unreadable {@code /proc} gives an empty table. */
        public static ProcessTable read() {
            Map<Long, long[]> stats = new HashMap<>();
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, "[0-9]*")) {
                for (Path process : processes) {
                    long[] stat = stat(process);
                    if (stat != null) {
                        stats.put(Long.parseLong(process.getFileName().toString()), stat);
                    }
                }
            } catch (IOException | RuntimeException e) {
                stats.clear();
            }
            return new ProcessTable(stats);
        }
    }

    /**
     * @param processes the process table of this request ({@link ProcessTable#read}), for containers no isolator
     *     measures cpu or memory of
     * @param launcherPid the container's launcher, whose process tree is measured then; -1 when no process runs
     * @param resources the container's resources, for {@code cpus_limit} and {@code mem_limit_bytes}
     */
    public ResourceStatistics usage(String containerId, ProcessTable processes, long launcherPid,
                                    List<Resource> resources) {
        ResourceStatistics.Builder usage = isolators.usage(containerId).toBuilder();
        if (!usage.hasCpusUserTimeSecs() || !usage.hasMemRssBytes()) {
            processTree(processes, launcherPid, usage);
        }
        if (!usage.hasCpusLimit()) {
            double cpus = scalar(resources, "cpus");
            if (cpus > 0) {
                usage.setCpusLimit(cpus);
            }
        }
        if (!usage.hasMemLimitBytes()) {
            double mem = scalar(resources, "mem");
            if (mem > 0) {
                usage.setMemLimitBytes((long) (mem * 1024 * 1024));
            }
        }
        return usage.build();
    }

    /** Sums cpu time, resident memory, processes and threads over the launcher and everything it started. */
    private static void processTree(ProcessTable processes, long launcherPid, ResourceStatistics.Builder usage) {
        if (launcherPid <= 0 || !processes.stats.containsKey(launcherPid)) {
            return;
        }
        long userTicks = 0;
        long systemTicks = 0;
        long rssPages = 0;
        long threads = 0;
        int count = 0;
        Deque<Long> todo = new ArrayDeque<>(List.of(launcherPid));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            long[] stat = processes.stats.get(pid);
            if (stat == null) {
                continue;
            }
            count++;
            userTicks += stat[1];
            systemTicks += stat[2];
            threads += stat[3];
            rssPages += stat[4];
            todo.addAll(processes.children.getOrDefault(pid, List.of()));
        }
        if (!usage.hasCpusUserTimeSecs()) {
            usage.setCpusUserTimeSecs(userTicks / TICKS_PER_SECOND).setCpusSystemTimeSecs(systemTicks / TICKS_PER_SECOND);
        }
        if (!usage.hasMemRssBytes()) {
            usage.setMemRssBytes(rssPages * PAGE_SIZE);
        }
        if (!usage.hasProcesses()) {
            usage.setProcesses(count).setThreads((int) threads);
        }
    }

    /** {ppid, utime, stime, threads, rss pages} of one process, or null when it vanished. */
    private static long[] stat(Path process) {
        try {
            String stat = Files.readString(process.resolve("stat"), StandardCharsets.US_ASCII);
            // Field 2 (the command) is in parentheses and may hold spaces: fields 3.. follow the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[11]), Long.parseLong(fields[12]),
                    Long.parseLong(fields[17]), Long.parseLong(fields[21])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static double scalar(List<Resource> resources, String name) {
        double total = 0;
        for (Resource resource : resources) {
            if (resource.getName().equals(name) && resource.hasScalar()) {
                total += resource.getScalar().getValue();
            }
        }
        return total;
    }
}
