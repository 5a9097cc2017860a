package io.corral.protocol.concurrent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the CPU priority of the calling thread (its Linux nice value; Linux keeps one per thread), so that work
 * which can wait, such as rendering the state for readers, yields the cores to work which cannot, such as the
 * master's loop, whenever both want them. An idle machine still gives such a thread all the CPU it asks for.
 *
 * <p>Java has no call for this: {@link Thread#setPriority} is ignored on Linux unless the JVM was started with
 * {@code -XX:ThreadPriorityPolicy=1}. So the thread runs {@code renice} on its own thread id, once. Lowering one's
 * own priority needs no privilege. Where it cannot be done (not Linux, no {@code renice}), the thread keeps its
 * priority, and the log says so once.
 *
 * <p>Threading: any thread, for itself.
 */
public final class BackgroundPriority {
    private static final Logger log = LoggerFactory.getLogger(BackgroundPriority.class);
    /** Whether a failure was logged already: one line per process, not one per thread. */
    private static final AtomicBoolean warned = new AtomicBoolean();

    private BackgroundPriority() {}

    /**
     * Raises the calling thread's nice value by {@code steps} (1 to 19; at most to 19, the lowest priority), from the
     * value it has now, so that a master the operator started at nice 5 puts its readers at 15, not back at 10.
     * Returns whether it took; never throws for a system that cannot.
     */
    public static boolean lowerCurrentThread(int steps) {
        if (steps < 1 || steps > 19) {
            throw new IllegalArgumentException("a thread's priority is lowered by 1 to 19 steps, not " + steps);
        }
        OptionalInt tid = currentThreadId();
        OptionalInt now = currentNice();
        if (tid.isEmpty() || now.isEmpty()) {
            return warnOnce("this system has no /proc/thread-self");
        }
        int target = Math.min(19, now.getAsInt() + steps);
        if (target == now.getAsInt()) {
            return true; // already the lowest
        }
        try {
            // "renice N -p ID" sets N in util-linux and BusyBox alike; "-n N" adds N in some and sets it in others
            Process renice = new ProcessBuilder("renice", Integer.toString(target), "-p",
                    Integer.toString(tid.getAsInt())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!renice.waitFor(10, TimeUnit.SECONDS)) {
                renice.destroyForcibly();
                return warnOnce("renice did not finish within 10 s");
            }
            return currentNice().equals(OptionalInt.of(target))
                    || warnOnce("renice exited with " + renice.exitValue() + " and left the thread at "
                    + currentNice());
        } catch (IOException e) {
            return warnOnce("renice could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The calling thread's nice value as the kernel has it, or empty where {@code /proc} does not say. */
    public static OptionalInt currentNice() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // Fields after the command name (which may hold spaces), from field 3 on: nice is field 19
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalInt.of(Integer.parseInt(fields[16]));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code <pid>/task/<tid>}. */
    private static OptionalInt currentThreadId() {
        try {
            Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            return OptionalInt.of(Integer.parseInt(link.getFileName().toString()));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    private static boolean warnOnce(String why) {
        if (warned.compareAndSet(false, true)) {
            log.warn("Background threads keep the normal CPU priority ({}): on a busy machine they compete with"
                    + " the work that cannot wait", why);
        }
        return false;
    }
}
