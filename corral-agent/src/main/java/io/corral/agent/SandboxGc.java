package io.corral.agent;

import io.corral.protocol.concurrent.Timers;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandbox garbage collection, as Mesos's agent does it ({@code --gc_delay}, {@code --gc_disk_headroom},
 * {@code --disk_watermark_interval}):
 *
 * <ul>
 *   <li>a container's sandbox ({@code slaves/<agent>/frameworks/<fw>/executors/<executor>/runs/<container>}) is
 *       scheduled for removal {@code gc_delay} (1 week) after its task or executor is done with it: a task once its
 *       last status update is acknowledged, an executor once it ended;
 *   <li>every {@code disk_watermark_interval} (1 min) the disk holding the work dir is measured, and sandboxes
 *       scheduled for longer than {@code gc_delay x max(0, 1 - gc_disk_headroom - disk usage)} are removed at once:
 *       the fuller the disk, the sooner (at 90 % used with the default headroom of 0.1, everything scheduled goes);
 *   <li>a sandbox still in use by a task or executor the agent knows is never removed: that is asked again right
 *       before removal, so a schedule never outruns the agent's state;
 *   <li>nothing of this is checkpointed: a restarted agent {@link #recover}s the schedule from the sandboxes on
 *       disk, each due {@code gc_delay} after its last modification.
 * </ul>
 *
 * Once a sandbox is removed, its executor and framework directories go too when they are left empty.
 *
 * <p>Threading contract: owned by the agent's event loop, like the {@link Agent}; its timers fire there. Removing a
 * directory tree (slow on a big sandbox) happens on the worker; the loop only decides.
 */
final class SandboxGc {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxGc.class);

    /** Mesos's defaults: {@code --gc_delay=1weeks}, {@code --gc_disk_headroom=0.1}, {@code --disk_watermark_interval=1mins}. */
    record Policy(Duration delay, double diskHeadroom, Duration diskWatermarkInterval) {
        static final Policy DEFAULT = new Policy(Duration.ofDays(7), 0.1, Duration.ofMinutes(1));

        Policy {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("gc_delay must not be negative");
            }
            if (!(diskHeadroom >= 0 && diskHeadroom <= 1)) {
                throw new IllegalArgumentException("gc_disk_headroom must be between 0.0 and 1.0");
            }
            if (diskWatermarkInterval.isNegative() || diskWatermarkInterval.isZero()) {
                throw new IllegalArgumentException("disk_watermark_interval must be positive");
            }
        }
    }

    private final Path slavesDir;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final Executor worker;
    private final DoubleSupplier diskUsage;
    private final Predicate<Path> inUse;
    private Policy policy;
    /** Scheduled sandboxes: since when each is removable (epoch millis), and its timer. */
    private final Map<Path, Scheduled> scheduled = new HashMap<>();
    private Timers.Cancellable watermarkTimer;

    private static final class Scheduled {
        final long sinceMillis;
        Timers.Cancellable timer;

        Scheduled(long sinceMillis) {
            this.sinceMillis = sinceMillis;
        }
    }

    /**
     * @param workDir the agent's work dir; sandboxes are under its {@code slaves/}
     * @param diskUsage the fraction (0..1) of the work dir's disk in use
     * @param inUse whether a task or executor the agent knows still uses a sandbox (asked on the loop)
     */
    SandboxGc(Path workDir, Policy policy, Timers timers, Consumer<Runnable> loop, Executor worker,
              DoubleSupplier diskUsage, Predicate<Path> inUse) {
        this.slavesDir = workDir.resolve("slaves");
        this.policy = policy;
        this.timers = timers;
        this.loop = loop;
        this.worker = worker;
        this.diskUsage = diskUsage;
        this.inUse = inUse;
    }

    /** The fraction of the disk holding {@code dir} that is used; 0 when it cannot be measured. */
    static double diskUsageOf(Path dir) {
        try {
            var store = Files.getFileStore(dir);
            long total = store.getTotalSpace();
            return total <= 0 ? 0 : 1.0 - (double) store.getUsableSpace() / total;
        } catch (IOException e) {
            LOG.warn("Cannot measure the disk usage of {}: {}", dir, e.getMessage());
            return 0;
        }
    }

    /**
     * The sandbox a task's or executor's sandbox belongs to: the {@code runs/<container>} directory (a default
     * executor's task lives in {@code runs/<container>/tasks/<task>}, inside its executor's).
     */
    static Path containerSandboxOf(Path sandbox) {
        for (Path path = sandbox; path != null && path.getParent() != null; path = path.getParent()) {
            if (path.getParent().getFileName() != null && path.getParent().getFileName().toString().equals("runs")) {
                return path;
            }
        }
        return sandbox;
    }

    /** A task or executor is done with this sandbox: remove it {@code gc_delay} from now (unless in use then). */
    void schedule(Path sandbox) {
        schedule(containerSandboxOf(sandbox), timers.nowMillis());
    }

    private void schedule(Path sandbox, long sinceMillis) {
        Scheduled previous = scheduled.remove(sandbox);
        if (previous != null && previous.timer != null) {
            previous.timer.cancel();
        }
        Scheduled entry = new Scheduled(sinceMillis);
        scheduled.put(sandbox, entry);
        long dueIn = Math.max(0, sinceMillis + policy.delay().toMillis() - timers.nowMillis());
        entry.timer = timers.schedule(Duration.ofMillis(dueIn), () -> due(sandbox, entry));
        LOG.debug("Sandbox {} scheduled for removal in {} ms", sandbox, dueIn);
    }

    /**
     * After a restart: every container sandbox on disk that no recovered task or executor uses is scheduled, due
     * {@code gc_delay} after its last modification. Then the disk watermark checks start.
     */
    void recover() {
        int found = 0;
        for (Path run : containerSandboxes()) {
            if (!inUse.test(run)) {
                long modified;
                try {
                    modified = Files.getLastModifiedTime(run, LinkOption.NOFOLLOW_LINKS).toMillis();
                } catch (IOException e) {
                    modified = timers.nowMillis();
                }
                schedule(run, Math.min(modified, timers.nowMillis()));
                found++;
            }
        }
        if (found > 0) {
            LOG.info("Scheduled {} sandbox(es) of ended tasks and executors for removal", found);
        }
        watermarkTimer = timers.schedule(policy.diskWatermarkInterval(), this::checkDiskUsage);
    }

    /** {@code slaves/*}{@code /frameworks/*}{@code /executors/*}{@code /runs/*}: every container sandbox on disk. */
    private List<Path> containerSandboxes() {
        List<Path> runs = new java.util.ArrayList<>();
        for (Path agent : children(slavesDir)) {
            for (Path framework : children(agent.resolve("frameworks"))) {
                for (Path executor : children(framework.resolve("executors"))) {
                    runs.addAll(children(executor.resolve("runs")));
                }
            }
        }
        return runs;
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<Path> children = new java.util.ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path child : stream) {
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    children.add(child);
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot list {}: {}", dir, e.getMessage());
        }
        return children;
    }

    /**
     * Mesos's disk watermark: removes at once what has been scheduled longer than
     * {@code gc_delay x max(0, 1 - headroom - usage)}; then checks again after the interval.
     */
    void checkDiskUsage() {
        double usage = diskUsage.getAsDouble();
        long maxAgeMillis = (long) (policy.delay().toMillis() * Math.max(0.0, 1.0 - policy.diskHeadroom() - usage));
        long now = timers.nowMillis();
        List<Path> expired = scheduled.entrySet().stream()
                .filter(entry -> now - entry.getValue().sinceMillis >= maxAgeMillis)
                .map(Map.Entry::getKey).toList();
        if (!expired.isEmpty()) {
            LOG.info("Disk usage {}%: removing {} sandbox(es) scheduled for {} or longer", Math.round(usage * 100),
                    expired.size(), Duration.ofMillis(maxAgeMillis));
        }
        for (Path sandbox : expired) {
            due(sandbox, scheduled.get(sandbox));
        }
        watermarkTimer = timers.schedule(policy.diskWatermarkInterval(), this::checkDiskUsage);
    }

    /** A new {@code gc_delay} (from the cluster configuration): every schedule is recomputed with it. */
    void setDelay(Duration delay) {
        if (delay.equals(policy.delay())) {
            return;
        }
        policy = new Policy(delay, policy.diskHeadroom(), policy.diskWatermarkInterval());
        LOG.info("gc_delay is now {}", delay);
        Map<Path, Scheduled> current = new HashMap<>(scheduled);
        current.forEach((sandbox, entry) -> schedule(sandbox, entry.sinceMillis));
    }

    Duration delay() {
        return policy.delay();
    }

    /** The sandboxes waiting for removal (for tests and the logs). */
    Set<Path> scheduled() {
        return Set.copyOf(scheduled.keySet());
    }

    void stop() {
        if (watermarkTimer != null) {
            watermarkTimer.cancel();
        }
        scheduled.values().forEach(entry -> entry.timer.cancel());
        scheduled.clear();
    }

    private void due(Path sandbox, Scheduled entry) {
        if (entry == null || scheduled.get(sandbox) != entry) {
            return; // rescheduled or removed meanwhile
        }
        scheduled.remove(sandbox);
        entry.timer.cancel();
        if (inUse.test(sandbox)) {
            // A task or executor uses it again (or still): it is scheduled anew when that one is done with it.
            LOG.info("Not removing sandbox {}: still in use", sandbox);
            return;
        }
        worker.execute(() -> {
            try {
                deleteTree(sandbox);
                LOG.info("Removed sandbox {}", sandbox);
                // On the loop, where sandboxes are created: a directory found empty there stays empty until removed.
                loop.accept(() -> deleteEmptyParents(sandbox));
            } catch (IOException | RuntimeException e) {
                LOG.warn("Cannot remove sandbox {}: {}; trying again later", sandbox, e.getMessage());
                loop.accept(() -> {
                    if (!scheduled.containsKey(sandbox)) {
                        schedule(sandbox, timers.nowMillis());
                    }
                });
            }
        });
    }

    /** Deletes a tree without following symbolic links (a persistent volume is linked into the sandbox). */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * {@code runs/}, the executor's directory, {@code executors/} and the framework's directory, each if nothing else
     * is left in it. On the loop.
     */
    private void deleteEmptyParents(Path sandbox) {
        Path dir = sandbox.getParent();
        for (int level = 0; level < 4 && dir != null && dir.startsWith(slavesDir) && !dir.equals(slavesDir);
                level++, dir = dir.getParent()) {
            try {
                Files.delete(dir); // fails unless empty, which is the point
            } catch (IOException e) {
                return;
            }
        }
    }
}
