package io.corral.protocol.http;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Keeps at most {@code max} asynchronous calls in flight and starts the others in the order they were submitted as
 * earlier ones complete.
 *
 * <p>Why: the JDK's {@link java.net.http.HttpClient} opens one HTTP/1.1 connection (and a worker thread) per request
 * in flight. A scheduler acknowledging hundreds of status updates at once, or an agent sending hundreds of them, would
 * open hundreds of connections to the master, overrun its accept queue and its per-client connection limit, and see
 * calls fail with connect timeouts, which the agent then retries only after {@code 10 s}. Bounded, the calls share a
 * few kept-alive connections and queue in the client instead, where waiting costs nothing. (The SDK's calls go
 * through {@link KeptAliveClient}, which bounds its connections itself; Mesos's scheduler library goes further and
 * pipelines every call on one connection.)
 *
 * <p>Threading: thread-safe; the queue and the count are guarded by {@code this}. A call is started outside the lock,
 * on the thread that submitted it or the one that completed the call before it.
 */
public final class InFlightLimit {
    private final int max;
    private final Queue<Pending<?>> waiting = new ArrayDeque<>();
    private int inFlight;

    public InFlightLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one call must be allowed in flight, not " + max);
        }
        this.max = max;
    }

    /**
     * Starts {@code call} now if fewer than {@code max} are in flight, else once one completes. The answer completes
     * as the call's own future does.
     */
    public <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> call) {
        Pending<T> pending = new Pending<>(call);
        boolean now;
        synchronized (this) {
            now = inFlight < max;
            if (now) {
                inFlight++;
            } else {
                waiting.add(pending);
            }
        }
        if (now) {
            run(pending);
        }
        return pending.answer;
    }

    /** Calls waiting for a free slot (for metrics and tests). */
    public synchronized int waiting() {
        return waiting.size();
    }

    /**
     * Starts {@code first} in the slot it holds, then, as long as calls complete at once (a refusal before any I/O),
     * the next waiting ones in a loop rather than by recursion, so that a long queue cannot overflow the stack.
     */
    private void run(Pending<?> first) {
        Pending<?> next = first;
        while (next != null) {
            CompletableFuture<?> started = next.start();
            if (!started.isDone()) {
                Pending<?> current = next;
                started.whenComplete((value, failure) -> {
                    current.finish(started);
                    run(nextOrFreeSlot());
                });
                return;
            }
            next.finish(started);
            next = nextOrFreeSlot();
        }
    }

    /** The next waiting call, which takes over the slot of the one that completed; null after freeing the slot. */
    private synchronized Pending<?> nextOrFreeSlot() {
        Pending<?> next = waiting.poll();
        if (next == null) {
            inFlight--;
        }
        return next;
    }

    /** A submitted call and the answer its caller holds. */
    private static final class Pending<T> {
        private final Supplier<CompletableFuture<T>> call;
        private final CompletableFuture<T> answer = new CompletableFuture<>();

        Pending(Supplier<CompletableFuture<T>> call) {
            this.call = call;
        }

        CompletableFuture<T> start() {
            try {
                return call.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        /** Completes the answer as {@code started} (which is done) completed. */
        @SuppressWarnings("unchecked")
        void finish(CompletableFuture<?> started) {
            ((CompletableFuture<T>) started).whenComplete((value, failure) -> {
                if (failure != null) {
                    answer.completeExceptionally(failure);
                } else {
                    answer.complete(value);
                }
            });
        }
    }
}
