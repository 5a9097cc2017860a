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
 * order and off ZooKeeper's event thread.
 *
 * <p>Threading: thread-safe. The refresh action and every {@link #execute}d task run on the one thread. After
 * {@link #close()} requests are ignored.
 */
public final class RefreshThread implements AutoCloseable {
    private final ScheduledExecutorService thread;
    private final Runnable refresh;
    private final AtomicBoolean queued = new AtomicBoolean();

    /** @param refresh the watcher's read-and-report step, run on this thread */
    public RefreshThread(String name, Runnable refresh) {
        this.refresh = refresh;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues one refresh, unless one is queued already. */
    public void request() {
        if (queued.compareAndSet(false, true)) {
            execute(() -> {
                queued.set(false);
                refresh.run();
            });
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
