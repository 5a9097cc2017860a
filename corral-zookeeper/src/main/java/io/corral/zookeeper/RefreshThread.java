package io.corral.zookeeper;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one thread a ZooKeeper watcher (master detector, configuration watch, presence watch) reads and reports on.
 * Watch events and reconnections only {@link #request()} a refresh; requests that arrive while one is queued share
 * it, so a burst of events costs one read; a failed read is retried with {@link #retryAfter}. Reads thus stay in
 * order and off ZooKeeper's event thread. A watcher whose reads are large (thousands of children) may also ask for
 * a least spacing between the starts of two refreshes, so that a steady stream of events cannot keep it (and the
 * ZooKeeper server answering) reading back to back.
 *
 * <p>Threading: thread-safe. The refresh action and every {@link #execute}d task run on the one thread. After
 * {@link #close()} requests are ignored.
 */
public final class RefreshThread implements AutoCloseable {
    private final ScheduledExecutorService thread;
    private final Runnable refresh;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final long spacingNanos;
    /** When the last refresh started (System.nanoTime); written on the thread, read by requesters. */
    private volatile long lastStartNanos;

    /** @param refresh the watcher's read-and-report step, run on this thread */
    public RefreshThread(String name, Runnable refresh) {
        this(name, refresh, Duration.ZERO);
    }

    /**
     * @param refresh the watcher's read-and-report step, run on this thread
     * @param spacing the least time between the starts of two refreshes
     */
    public RefreshThread(String name, Runnable refresh, Duration spacing) {
        this.refresh = refresh;
        this.spacingNanos = spacing.toNanos();
        this.lastStartNanos = System.nanoTime() - spacingNanos;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues one refresh, unless one is queued already. */
    public void request() {
        if (queued.compareAndSet(false, true)) {
            long wait = spacingNanos == 0 ? 0 : lastStartNanos + spacingNanos - System.nanoTime();
            Runnable run = () -> {
                queued.set(false);
                lastStartNanos = System.nanoTime();
                refresh.run();
            };
            if (wait <= 0) {
                execute(run);
            } else {
                try {
                    thread.schedule(run, wait, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException closed) {
                    // closed: nothing more to read
                }
            }
        }
    }

    /** Requests a refresh after {@code delay} (a failed read's retry). */
    public void retryAfter(Duration delay) {
        try {
            thread.schedule(this::request, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // closed: nothing more to read
        }
    }

    /** Requests a refresh every {@code period} too, as a safety net under the watches. */
    public void requestEvery(Duration period) {
        try {
            thread.scheduleWithFixedDelay(this::request, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // closed
        }
    }

    /** Runs {@code task} on this thread (e.g. adding a listener in order with the reports). */
    public void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException closed) {
            // closed: nothing more to report
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
