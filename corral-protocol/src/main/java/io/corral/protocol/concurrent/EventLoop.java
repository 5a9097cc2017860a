package io.corral.protocol.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that runs every event of a component (the master, the agent) in order, so that component's state needs
 * no locks: whoever owns state mutates it only from inside {@link #execute} or {@link #submit}.
 *
 * <p>Threading: thread-safe; events may be posted from any thread and run one at a time on the loop thread. An event
 * that throws is logged and does not stop the loop.
 */
public final class EventLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    private final java.util.concurrent.ThreadPoolExecutor executor;
    /** The executor's queue: {@link #readNext} puts events at its head. */
    private final LinkedBlockingDeque<Runnable> queue = new LinkedBlockingDeque<>();
    private volatile Thread thread;
    /**
     * Events that have started running; written by the loop thread only, before each event runs, so a thread that an
     * event releases (a completed future) never sees the count of before that event.
     */
    private volatile long startedEvents;
    /** Whether the loop thread is running an event (its effects included) right now; see {@link #isRunningEvent}. */
    private volatile boolean runningEvent;
    /** Runs on the loop after each event, before a {@link #submit}'s future completes; see {@link #afterEachEvent}. */
    private volatile Runnable afterEachEvent = () -> { };

    public EventLoop(String name) {
        this.executor = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, queue,
                runnable -> {
                    Thread t = new Thread(runnable, name);
                    t.setDaemon(true);
                    thread = t;
                    return t;
                });
        executor.prestartCoreThread(); // so that an event put in the queue directly (readNext) finds it running
    }

    /** Runs {@code event} on the loop, later. */
    public void execute(Runnable event) {
        try {
            executor.execute(() -> running(() -> {
                startedEvents++;
                runLogged(event);
                runLogged(afterEachEvent);
            }));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            LOG.debug("event dropped: loop closed");
        }
    }

    /**
     * Runs {@code event} on the loop and completes the future with its result (or its exception); once the loop is
     * closed the future fails with {@link java.util.concurrent.RejectedExecutionException}.
     */
    public <T> CompletableFuture<T> submit(Supplier<T> event) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(completing(event, result, true));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            result.completeExceptionally(closed);
        }
        return result;
    }

    /**
     * As {@link #submit}, for an event that only reads what the loop owns (a reader's request for a fresh view of the
     * state): it runs next, before every event already waiting, so a long queue does not delay it, and it is not
     * counted in {@link #startedEvents}, since nothing changes while it runs.
     */
    public <T> CompletableFuture<T> readNext(Supplier<T> event) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable task = completing(event, result, false);
        if (!executor.isShutdown()) {
            queue.offerFirst(task);
            if (!executor.isShutdown() || !queue.remove(task)) { // else closed meanwhile: nothing will take it
                return result;
            }
        }
        result.completeExceptionally(new java.util.concurrent.RejectedExecutionException("loop closed"));
        return result;
    }

    private <T> Runnable completing(Supplier<T> event, CompletableFuture<T> result, boolean counted) {
        return () -> running(() -> {
            if (counted) {
                startedEvents++;
            }
            T value;
            try {
                value = event.get();
            } catch (Throwable t) {
                runLogged(afterEachEvent);
                result.completeExceptionally(t);
                return;
            }
            runLogged(afterEachEvent);
            result.complete(value);
        });
    }

    private void running(Runnable event) {
        runningEvent = true;
        try {
            event.run();
        } finally {
            runningEvent = false;
        }
    }

    /**
     * Sets what runs on the loop after every event, e.g. carrying out the effects the event decided (the master's
     * messages): it runs before the future of a {@link #submit} completes, so whoever waits on that future sees the
     * event's effects done. Replaces the previous hook; set it before posting events.
     */
    public void afterEachEvent(Runnable hook) {
        this.afterEachEvent = java.util.Objects.requireNonNull(hook, "hook");
    }

    /**
     * How many events have started running (the one running now included): while it stays the same, nothing the loop
     * owns has changed. Readable from any thread.
     */
    public long startedEvents() {
        return startedEvents;
    }

    /**
     * Whether the loop is running an event right now. Readable from any thread: work that can wait and would take a
     * core from the loop (sending a large answer to a reader) waits while this is true.
     */
    public boolean isRunningEvent() {
        return runningEvent;
    }

    /** Events waiting to run (Mesos's {@code event_queue_messages}). */
    public int pendingEvents() {
        return executor.getQueue().size();
    }

    /** True when called from the loop thread; used in assertions guarding loop-owned state. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private static void runLogged(Runnable event) {
        try {
            event.run();
        } catch (Throwable t) {
            LOG.error("event failed", t);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
