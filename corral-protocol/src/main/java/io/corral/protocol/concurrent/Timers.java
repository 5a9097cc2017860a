package io.corral.protocol.concurrent;

import java.time.Duration;

/**
 * Time as logic sees it: a clock and one-shot timers. Injected everywhere so that timeouts are tested with
 * {@link ManualTimers} instead of sleeping, and so no logic calls the system clock directly.
 */
public interface Timers {
    /** Milliseconds since the epoch. */
    long nowMillis();

    /** Runs {@code task} once after {@code delay}, on the executor this instance was built for. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A pending timer. Cancelling a timer that already ran is harmless. */
    interface Cancellable {
        void cancel();
    }
}
