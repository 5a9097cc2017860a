package io.corral.protocol.concurrent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link Timers} on the wall clock. Timers fire on a shared daemon thread and hand their task to the given
 * {@link EventLoop}, so the task still runs on the owner's loop thread.
 *
 * <p>Threading: thread-safe.
 */
public final class SystemTimers implements Timers, AutoCloseable {
    private final ScheduledExecutorService ticker;
    private final EventLoop loop;

    public SystemTimers(EventLoop loop, String name) {
        this.loop = loop;
        this.ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, name + "-timers");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public long nowMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> future;
        try {
            future = ticker.schedule(() -> loop.execute(task), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // As the loop drops events once closed: a last event of a stopping server may still ask for a timer.
            return () -> { };
        }
        return () -> future.cancel(false);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
