package io.corral.scheduler;

import io.corral.protocol.concurrent.Timers;
import java.time.Duration;

/**
 * Notices a silent event stream. Mesos sends a HEARTBEAT every {@code heartbeat_interval_seconds}; when no event at all
 * arrives for {@value #MISSED_HEARTBEATS} intervals the connection is presumed dead (a half-open TCP connection can
 * stay "open" for minutes), and {@code onSilence} runs once so the client can drop it and resubscribe.
 *
 * <p>Threading: thread-safe; {@link #eventSeen()} is called by the reader thread, the expiry runs on a timer thread.
 */
final class HeartbeatWatchdog {
    static final int MISSED_HEARTBEATS = 5;

    private final Timers timers;
    private final Runnable onSilence;
    private Duration timeout;
    private Timers.Cancellable pending;
    private long generation;

    HeartbeatWatchdog(Timers timers, Runnable onSilence) {
        this.timers = timers;
        this.onSilence = onSilence;
    }

    /** Starts watching with the interval the master announced in SUBSCRIBED. */
    synchronized void arm(Duration heartbeatInterval) {
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            // A master that announces no interval gives us nothing to measure against; only stream errors count.
            disarm();
            return;
        }
        timeout = heartbeatInterval.multipliedBy(MISSED_HEARTBEATS);
        restart();
    }

    /** Any event proves the connection alive and restarts the countdown. */
    synchronized void eventSeen() {
        if (timeout != null) {
            restart();
        }
    }

    synchronized void disarm() {
        timeout = null;
        generation++;
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
    }

    private void restart() {
        if (pending != null) {
            pending.cancel();
        }
        long myGeneration = ++generation;
        pending = timers.schedule(timeout, () -> expire(myGeneration));
    }

    private void expire(long countdown) {
        synchronized (this) {
            // A countdown that was replaced or disarmed after it had already started to fire must not count.
            if (countdown != generation || timeout == null) {
                return;
            }
            pending = null;
            timeout = null;
        }
        onSilence.run();
    }
}
