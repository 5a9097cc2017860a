package io.corral.master.http;

import io.corral.master.Master;
import io.corral.master.MasterLifecycle;
import io.corral.protocol.http.HttpExchange;
import java.time.Duration;
import java.util.Optional;

/**
 * The HTTP room's view of leadership: the current {@link MasterLifecycle}, one immutable value that the leadership
 * control thread replaces and requests read whole, so a request never sees half a change. Requests that come while
 * the master recovers wait for it here ({@link #awaitRecovery}).
 *
 * <p>Threading: thread-safe; written by the control thread, read by HTTP threads.
 */
public final class Leadership {
    /** Room for every agent and framework of a 10,000-agent cluster calling at once after a failover. */
    private static final int MOST_WAITING = 16_384;
    /** Longer than a recovery of 10,000 agents takes; shorter than clients' request timeouts (the SDK's: 15 s). */
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    private volatile MasterLifecycle lifecycle = MasterLifecycle.start();
    private final RecoveryWaitingRoom waitingRoom;

    public Leadership() {
        this(MOST_WAITING, PATIENCE);
    }

    /**
     * @param mostWaiting how many requests may wait for a recovery at once
     * @param patience    how long each may wait before it is answered 503
     */
    public Leadership(int mostWaiting, Duration patience) {
        this.waitingRoom = new RecoveryWaitingRoom(mostWaiting, patience);
    }

    public MasterLifecycle lifecycle() {
        return lifecycle;
    }

    public void set(MasterLifecycle next) {
        lifecycle = next;
        waitingRoom.lifecycleChanged(next);
    }

    /**
     * While this master claims or recovers the registry, holds {@code exchange} and runs {@code resume} on its I/O
     * thread once it leads (or no longer recovers), or after a few seconds at most; false when too many wait already
     * (answer now). Once the recovery is over, runs {@code resume} at once.
     */
    boolean awaitRecovery(HttpExchange exchange, Runnable resume) {
        return waitingRoom.await(exchange, resume);
    }

    /** How many requests wait for the recovery now. */
    public int waitingForRecovery() {
        return waitingRoom.size();
    }

    /** The elected master's {@link Master}: while leading, and while suspended after leading. */
    public Optional<Master> master() {
        return lifecycle.master();
    }

    /** host:port of the current leader, if one is known. */
    public Optional<String> leaderAddress() {
        return lifecycle.leaderAddress();
    }
}
