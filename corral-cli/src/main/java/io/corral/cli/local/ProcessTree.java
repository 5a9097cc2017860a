package io.corral.cli.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops processes together with everything they started (an agent's task processes, for instance), leaving nothing
 * behind: SIGTERM to the given processes, a bounded wait, SIGTERM to descendants that outlived their parent, a short
 * wait, then SIGKILL to whatever remains.
 *
 * <p>Descendants are collected before the first signal: once a parent exits its children are re-parented and can no
 * longer be found through it.
 *
 * <p>Stateless; thread-safe. Blocks the calling thread for at most about {@code grace} plus a few seconds.
 */
public final class ProcessTree {
    private static final Duration ORPHAN_GRACE = Duration.ofSeconds(2);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private ProcessTree() {
    }

    /** Every live process in the trees rooted at {@code roots}, roots first. */
    public static Set<ProcessHandle> treeOf(List<ProcessHandle> roots) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        for (ProcessHandle root : roots) {
            if (root.isAlive()) {
                all.add(root);
                root.descendants().forEach(all::add);
            }
        }
        return all;
    }

    /**
     * Stops {@code roots} and their descendants.
     *
     * @return processes still alive afterwards (empty unless even SIGKILL failed, e.g. for lack of permission)
     */
    public static List<ProcessHandle> stop(List<ProcessHandle> roots, Duration grace) {
        Set<ProcessHandle> tree = treeOf(roots);
        roots.forEach(ProcessHandle::destroy);
        awaitExit(roots, grace);

        // Descendants the roots did not stop themselves, plus any started while the roots were shutting down.
        tree.addAll(treeOf(alive(roots)));
        List<ProcessHandle> orphans = alive(new ArrayList<>(tree));
        orphans.forEach(ProcessHandle::destroy);
        awaitExit(orphans, ORPHAN_GRACE);

        List<ProcessHandle> stubborn = alive(new ArrayList<>(treeOf(alive(new ArrayList<>(tree)))));
        stubborn.forEach(ProcessHandle::destroyForcibly);
        awaitExit(stubborn, KILL_WAIT);
        return alive(stubborn);
    }

    private static List<ProcessHandle> alive(List<ProcessHandle> processes) {
        return processes.stream().filter(ProcessHandle::isAlive).toList();
    }

    /** Waits until every process has exited or {@code timeout} has passed, whichever comes first. */
    private static void awaitExit(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle process : processes) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            try {
                process.onExit().get(remaining, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return;
            } catch (ExecutionException e) {
                // onExit does not fail; treat it as exited.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
