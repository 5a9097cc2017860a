package io.corral.master.http;

import io.corral.master.MasterLifecycle;
import io.corral.protocol.http.HttpExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Requests that reach a master while it claims and recovers the registry wait here until it leads, instead of being
 * answered 503 at once. After a failover every agent and framework calls the new leader within milliseconds of its
 * election; answered 503, each would come back after its own random backoff (up to a second for Corral's agents,
 * whatever a framework's client chooses), and thousands of retries would compete with the recovery for the CPU.
 * Waiting, they are served the moment the master leads: its first agents and frameworks, and so its first offers,
 * come right after recovery.
 *
 * <p>Bounded: a request waits at most {@code patience}, and at most {@code capacity} wait at once; past either, the
 * request is answered as before (503 "Master has not finished recovery", which every client retries). Requests are
 * authenticated (and rate-limited) before they get here, so on a secured master no one unknown can fill the room;
 * the capacity bounds the memory held in any case.
 *
 * <p>Threading: thread-safe; {@link #await} is called on HTTP I/O threads, {@link #lifecycleChanged} by the leadership
 * control thread. A waiting request is resumed on its own connection's I/O thread, exactly once: when the recovery is
 * over, or when its patience runs out, whichever comes first.
 */
final class RecoveryWaitingRoom {

    /** A request waiting; {@code resume} serves it according to the lifecycle at the time it runs. */
    private static final class Waiter {
        private final HttpExchange exchange;
        private final Runnable resume;
        private final AtomicBoolean resumed = new AtomicBoolean();

        Waiter(HttpExchange exchange, Runnable resume) {
            this.exchange = exchange;
            this.resume = resume;
        }

        /** Released by the recovery's end and by the patience timer: only the first one serves the request. */
        void resumeOnce() {
            if (resumed.compareAndSet(false, true)) {
                resume.run();
            }
        }
    }

    private final int capacity;
    private final Duration patience;
    private final Set<Waiter> waiting = new LinkedHashSet<>(); // guarded by this
    private boolean recovering; // guarded by this

    RecoveryWaitingRoom(int capacity, Duration patience) {
        this.capacity = capacity;
        this.patience = patience;
    }

    /**
     * Holds {@code exchange} until the recovery is over, then runs {@code resume} on its I/O thread (at once, on the
     * caller's thread, if the recovery ended since the caller looked). False when the room is full: the caller
     * answers now.
     */
    boolean await(HttpExchange exchange, Runnable resume) {
        Waiter waiter = new Waiter(exchange, resume);
        boolean over;
        synchronized (this) {
            over = !recovering;
            if (!over && waiting.size() >= capacity) {
                return false;
            }
            if (!over) {
                waiting.add(waiter);
            }
        }
        if (over) {
            resume.run();
            return true;
        }
        // Released before this timer fires, the waiter is resumed by the release: the timer's resume does nothing
        exchange.runLater(patience.toNanos(), () -> {
            leave(waiter);
            waiter.resumeOnce();
        });
        return true;
    }

    /** Called with every new lifecycle: when it leaves CLAIMING and RECOVERING, everyone waiting is resumed. */
    void lifecycleChanged(MasterLifecycle next) {
        List<Waiter> released;
        synchronized (this) {
            recovering = isRecovering(next);
            if (recovering || waiting.isEmpty()) {
                return;
            }
            released = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Waiter waiter : released) {
            waiter.exchange.runLater(0, waiter::resumeOnce);
        }
    }

    /** How many requests wait now. */
    synchronized int size() {
        return waiting.size();
    }

    private synchronized void leave(Waiter waiter) {
        waiting.remove(waiter);
    }

    private static boolean isRecovering(MasterLifecycle lifecycle) {
        return lifecycle.phase() == MasterLifecycle.Phase.CLAIMING
                || lifecycle.phase() == MasterLifecycle.Phase.RECOVERING;
    }
}
