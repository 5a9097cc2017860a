package io.corral.agent.resources;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resources an agent offers when the operator configures none, detected the way Mesos does it
 * ({@code Containerizer::resources}):
 *
 * <ul>
 *   <li>cpus: the processors the JVM may use ({@link Runtime#availableProcessors()}, which honours cgroup limits);
 *   <li>mem: total physical memory minus 1 GB for the system when there are at least 2 GB, otherwise half of it;
 *   <li>disk: the space of the work directory's file system minus 5 GB when there are at least 10 GB, otherwise
 *       half of it. Mesos measures the file system's total size; Corral measures its usable (free) space, because
 *       an agent usually shares its disk with other data and must not offer space that is already taken;
 *   <li>ports: 31000-32000, the Mesos default.
 * </ul>
 *
 * <p>Immutable.
 */
public record DetectedResources(int cpus, long memMb, long diskMb, long portsBegin, long portsEnd) {

    public static final long DEFAULT_PORTS_BEGIN = 31000;
    public static final long DEFAULT_PORTS_END = 32000;

    private static final long MB = 1024L * 1024;
    private static final long GB = 1024 * MB;

    public DetectedResources {
        if (cpus <= 0 || memMb <= 0 || diskMb < 0) {
            throw new IllegalArgumentException("resources must be positive: cpus=" + cpus + " mem=" + memMb
                    + " disk=" + diskMb);
        }
        if (portsBegin < 1 || portsEnd > 65535 || portsBegin > portsEnd) {
            throw new IllegalArgumentException(
                    "ports must be a range within 1-65535, got " + portsBegin + "-" + portsEnd);
        }
    }

    /** Detects this machine's resources; {@code workDir} (created when missing) decides which disk is measured. */
    public static DetectedResources detect(Path workDir) {
        int cpus = Runtime.getRuntime().availableProcessors();
        long totalMemory = physicalMemoryBytes();
        long usableDisk = usableDiskBytes(workDir);
        return new DetectedResources(cpus, memoryForTasksMb(totalMemory), diskForTasksMb(usableDisk),
                DEFAULT_PORTS_BEGIN, DEFAULT_PORTS_END);
    }

    /** Mesos's rule: leave 1 GB to the system from 2 GB up, otherwise half. */
    public static long memoryForTasksMb(long totalBytes) {
        long forTasks = totalBytes >= 2 * GB ? totalBytes - GB : totalBytes / 2;
        return forTasks / MB;
    }

    /** Mesos's rule: leave 5 GB to the system from 10 GB up, otherwise half. */
    public static long diskForTasksMb(long bytes) {
        long forTasks = bytes >= 10 * GB ? bytes - 5 * GB : bytes / 2;
        return forTasks / MB;
    }

    /**
     * Part {@code index} (0-based) of {@code parts} equal shares of these resources, as a {@code --resources} string:
     * how {@code corral local} divides one machine between its agents, so that together they offer the machine
     * once, not once each, and no two offer the same port.
     */
    public String share(int parts, int index) {
        if (parts < 1 || index < 0 || index >= parts) {
            throw new IllegalArgumentException("share " + index + " of " + parts);
        }
        long portCount = portsEnd - portsBegin + 1;
        if (portCount < parts) {
            throw new IllegalArgumentException("cannot give " + parts + " agents a port each from " + portCount);
        }
        long first = portsBegin + portCount * index / parts;
        long last = portsBegin + portCount * (index + 1) / parts - 1;
        double cpuShare = Math.max(0.1, Math.floor(cpus * 10.0 / parts) / 10.0);
        return "cpus:" + cpuShare + ";mem:" + Math.max(1, memMb / parts) + ";disk:" + diskMb / parts
                + ";ports:[" + first + "-" + last + "]";
    }

    /** "cpus:2;mem:23000;disk:50000;ports:[31000-32000]", the syntax of the Mesos {@code --resources} flag. */
    public String toMesosResourceString() {
        return "cpus:" + cpus + ";mem:" + memMb + ";disk:" + diskMb + ";ports:[" + portsBegin + "-" + portsEnd + "]";
    }

    private static long physicalMemoryBytes() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot) {
            return hotspot.getTotalMemorySize();
        }
        throw new IllegalStateException("this JVM does not report physical memory (no com.sun.management "
                + "OperatingSystemMXBean): configure the agent's resources explicitly");
    }

    private static long usableDiskBytes(Path workDir) {
        try {
            Files.createDirectories(workDir);
            return Files.getFileStore(workDir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure the disk of work directory " + workDir
                    + ": check that it exists or can be created: " + e.getMessage(), e);
        }
    }
}
