package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each running task's {@code stdout} and {@code stderr} within a size, as Mesos's logrotate container logger
 * does: when a file is over {@code maxSize} it is copied to {@code stdout.1} (older copies move to {@code .2} ...
 * {@code .maxFiles}; the oldest goes) and truncated to nothing. So a stream uses at most
 * {@code maxSize x (maxFiles + 1)} bytes after every check, however much the task writes.
 *
 * <p>Why copy and truncate: the task holds the files open (the launcher redirects with {@code >>}, so they are
 * {@code O_APPEND}), and Corral has no logger process between the task and the file that could reopen it. With
 * {@code O_APPEND} every write goes to the current end, so after the truncation the task writes from offset 0
 * again (a plain {@code >} would leave a hole the size of the old file). Two costs, as with logrotate's
 * {@code copytruncate}: bytes written between the copy and the truncation are lost, and between two checks a file
 * can grow past {@code maxSize} by what the task writes in one {@code interval}. When a check finds a file over
 * {@code maxSize}, it is split into pieces of {@code maxSize} (newest in {@code .1}), and what does not fit in
 * {@code maxFiles} pieces is dropped, so the bound holds again right after every check.
 *
 * <p>Threading: thread-safe. Sandboxes are watched and unwatched from any thread (a concurrent set);
 * {@link #rotateAll} runs on one timer thread at a time (the containerizer's), and never throws.
 */
public final class LogRotation {
    private static final Logger LOG = LoggerFactory.getLogger(LogRotation.class);
    private static final List<String> STREAMS = List.of(ProcessContainerizer.STDOUT, ProcessContainerizer.STDERR);

    /**
     * Mesos's logrotate module flags: {@code max_stdout_size}/{@code max_stderr_size} (10 MB) and the number of
     * rotated files kept ({@code logrotate_stdout_options rotate 5} in effect); {@code interval} is how often files
     * are checked.
     */
    public record Policy(long maxSize, int maxFiles, Duration interval) {
        public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;
        public static final int DEFAULT_MAX_FILES = 5;
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
        public static final Policy DEFAULT = new Policy(DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES, DEFAULT_INTERVAL);

        public Policy {
            if (maxSize < 1) {
                throw new IllegalArgumentException("the container logger's max size must be at least 1 byte, got "
                        + maxSize);
            }
            if (maxFiles < 1 || maxFiles > 1000) {
                throw new IllegalArgumentException("the container logger keeps 1 to 1000 rotated files, not "
                        + maxFiles);
            }
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the container logger's check interval must be positive");
            }
        }
    }

    private final Policy policy;
    private final Set<Path> sandboxes = ConcurrentHashMap.newKeySet();

    public LogRotation(Policy policy) {
        this.policy = policy;
    }

    public Policy policy() {
        return policy;
    }

    /** Keeps {@code sandbox}'s stdout and stderr within the policy from now on. */
    public void watch(Path sandbox) {
        sandboxes.add(sandbox);
    }

    /** Stops watching {@code sandbox} (its task ended), after one last check. */
    public void unwatch(Path sandbox) {
        if (sandboxes.remove(sandbox)) {
            rotateSandbox(sandbox);
        }
    }

    /** The sandboxes watched now. */
    public Set<Path> watched() {
        return Set.copyOf(sandboxes);
    }

    /** Checks every watched sandbox once; what the containerizer's timer runs every {@link Policy#interval()}. */
    public void rotateAll() {
        sandboxes.forEach(this::rotateSandbox);
    }

    private void rotateSandbox(Path sandbox) {
        for (String stream : STREAMS) {
            try {
                rotateFile(sandbox.resolve(stream));
            } catch (NoSuchFileException gone) {
                // the sandbox was removed (garbage collected) under us: nothing to keep small
            } catch (IOException | RuntimeException e) {
                LOG.warn("Cannot rotate {}: {}", sandbox.resolve(stream), e.toString());
            }
        }
    }

    /** Rotates {@code file} if it is over the policy's size; see the class comment. */
    void rotateFile(Path file) throws IOException {
        long size = Files.size(file);
        long maxSize = policy.maxSize();
        if (size <= maxSize) {
            return;
        }
        // The newest `pieces` pieces of maxSize bytes are kept; anything older than them is dropped.
        int pieces = (int) Math.min(policy.maxFiles(), (size + maxSize - 1) / maxSize);
        for (int i = policy.maxFiles(); i >= 1; i--) {
            Path from = rotated(file, i);
            if (i + pieces > policy.maxFiles()) {
                Files.deleteIfExists(from);
            } else if (Files.exists(from)) {
                Files.move(from, rotated(file, i + pieces), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int piece = 1; piece <= pieces; piece++) {
                long end = size - (piece - 1) * maxSize;
                long start = Math.max(0, end - maxSize);
                copy(in, start, end - start, rotated(file, piece));
            }
        }
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out.truncate(0);
        }
    }

    static Path rotated(Path file, int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private static void copy(FileChannel in, long position, long length, Path to) throws IOException {
        Path partial = to.resolveSibling(to.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long done = 0;
            while (done < length) {
                long moved = in.transferTo(position + done, length - done, out);
                if (moved <= 0) {
                    break; // the file got shorter under us
                }
                done += moved;
            }
        }
        Files.move(partial, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
