package io.corral.agent.containerizer;

import io.corral.protocol.concurrent.Timers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's {@code disk/du}: measures each container's sandbox ({@link SandboxUsage}) every {@code interval} (Mesos's
 * {@code --container_disk_watch_interval}) and, when it uses more than the task's {@code disk} resource (persistent
 * volumes excluded: they live outside the sandbox), fires its {@link #watch}, so the container is killed and ends
 * TASK_FAILED with REASON_CONTAINER_LIMITATION_DISK and a message naming the limit and the usage. (Mesos enforces
 * only with {@code --enforce_container_disk_quota}; Corral always does when this isolator is on.) A task without a
 * {@code disk} resource is not limited.
 *
 * <p>Each container's limit and sandbox are written to {@code stateDir/<container id>} when it is prepared, so a
 * restarted agent watches its recovered containers again.
 *
 * <p>Threading: thread-safe. Measurements run on {@code timers}' thread (give it one that is not the agent's loop: a
 * big sandbox takes a while to walk); watches are in a concurrent map, and each watch's timer is guarded by the
 * watch.
 */
public final class DiskUsageIsolator implements Isolator {
    private static final Logger LOG = LoggerFactory.getLogger(DiskUsageIsolator.class);
    /** Mesos's default {@code --container_disk_watch_interval}. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(15);
    private static final double MIB = 1024.0 * 1024;

    private final Timers timers;
    private final Duration interval;
    private final Path stateDir;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();

    public DiskUsageIsolator(Timers timers, Duration interval, Path stateDir) throws IOException {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the disk watch interval must be positive, got " + interval);
        }
        this.timers = timers;
        this.interval = interval;
        this.stateDir = stateDir;
        Files.createDirectories(stateDir);
    }

    @Override
    public String name() {
        return "disk/du";
    }

    /** One container's watch; created by whichever comes first, {@link #watch} or {@link #prepare}/recovery. */
    private final class Watch {
        final String containerId;
        final CompletableFuture<Limitation> over = new CompletableFuture<>();
        volatile long usedBytes = -1;
        // Guarded by this.
        private Path sandbox;
        private long limitBytes;
        private Timers.Cancellable timer;
        private boolean stopped;

        Watch(String containerId) {
            this.containerId = containerId;
        }

        synchronized void start(Path sandbox, long limitBytes) {
            this.sandbox = sandbox;
            this.limitBytes = limitBytes;
            if (!stopped && timer == null) {
                timer = timers.schedule(interval, this::check);
            }
        }

        /** A new limit for a watch that knows its sandbox; nothing for one that does not. */
        synchronized void updateLimit(long limit) {
            if (sandbox != null) {
                start(sandbox, limit);
            }
        }

        synchronized long limitBytes() {
            return limitBytes;
        }

        synchronized void stop() {
            stopped = true;
            if (timer != null) {
                timer.cancel();
            }
        }

        private void check() {
            Path dir;
            long limit;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                dir = sandbox;
                limit = limitBytes;
            }
            try {
                long used = SandboxUsage.bytes(dir);
                usedBytes = used;
                if (used > limit) {
                    LOG.info("Container {}: sandbox uses {} bytes, over its {}", containerId, used, limit);
                    over.complete(new Limitation(Reason.REASON_CONTAINER_LIMITATION_DISK, "Disk limit exceeded: "
                            + "the sandbox uses " + mib(used) + " of its " + mib(limit)));
                    return;
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("Container {}: cannot measure {}: {}", containerId, dir, e.toString());
            }
            synchronized (this) {
                if (!stopped) {
                    timer = timers.schedule(interval, this::check);
                }
            }
        }
    }

    private Watch watchOf(String containerId) {
        return watches.computeIfAbsent(containerId, Watch::new);
    }

    @Override
    public void prepare(ContainerSpec spec) throws IOException {
        long limit = limitBytes(spec.resources());
        if (limit <= 0) {
            return;
        }
        Path sandbox = spec.sandbox().toAbsolutePath();
        AtomicFiles.writeUnsynced(stateDir.resolve(spec.containerId()), limit + "\n" + sandbox + "\n");
        watchOf(spec.containerId()).start(sandbox, limit);
    }

    /** The sandbox's share of the task's disk: persistent volumes are not in the sandbox. */
    static long limitBytes(List<Resource> resources) {
        double mb = resources.stream()
                .filter(r -> r.getName().equals("disk") && r.hasScalar())
                .filter(r -> !(r.hasDisk() && r.getDisk().hasPersistence()))
                .mapToDouble(r -> r.getScalar().getValue()).sum();
        return (long) Math.ceil(mb * MIB);
    }

    @Override
    public void isolate(String containerId, long launcherPid) {
        // nothing to join: the sandbox is measured from outside
    }

    @Override
    public Optional<List<Path>> joinFiles(String containerId) {
        return Optional.of(List.of());
    }

    @Override
    public void update(String containerId, List<Resource> resources) {
        Watch watch = watches.get(containerId);
        long limit = limitBytes(resources);
        if (watch != null && limit > 0) {
            watch.updateLimit(limit);
        }
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) {
        Watch watch = watches.get(containerId);
        if (watch != null && watch.limitBytes() > 0) {
            usage.setDiskLimitBytes(watch.limitBytes());
            if (watch.usedBytes >= 0) {
                usage.setDiskUsedBytes(watch.usedBytes);
            }
        }
    }

    @Override
    public CompletableFuture<Limitation> watch(String containerId) {
        return watchOf(containerId).over;
    }

    /** The limitation reaches the container through {@link #watch}; nothing is left to find afterwards. */
    @Override
    public Optional<Limitation> limitation(String containerId) {
        return Optional.empty();
    }

    @Override
    public void cleanup(String containerId) {
        Watch watch = watches.remove(containerId);
        if (watch != null) {
            watch.stop();
        }
        try {
            Files.deleteIfExists(stateDir.resolve(containerId));
        } catch (IOException e) {
            LOG.debug("Container {}: cannot delete its disk watch record: {}", containerId, e.toString());
        }
    }

    @Override
    public void recover(Set<String> live) {
        try (Stream<Path> records = Files.list(stateDir)) {
            for (Path record : records.toList()) {
                String containerId = record.getFileName().toString();
                if (!live.contains(containerId)) {
                    cleanup(containerId);
                    continue;
                }
                List<String> lines = Files.readAllLines(record, StandardCharsets.UTF_8);
                try {
                    watchOf(containerId).start(Path.of(lines.get(1)), Long.parseLong(lines.get(0)));
                } catch (RuntimeException e) {
                    LOG.warn("Container {}: damaged disk watch record {}: not watched", containerId, record);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not read the disk watch records in {}: {}", stateDir, e.getMessage());
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / MIB);
    }
}
