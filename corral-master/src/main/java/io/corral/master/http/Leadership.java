package io.corral.master.http;

import io.corral.master.Master;
import io.corral.master.MasterLifecycle;
import java.util.Optional;

/**
 * The HTTP room's view of leadership: the current {@link MasterLifecycle}, one immutable value that the leadership
 * control thread replaces and requests read whole, so a request never sees half a change.
 *
 * <p>Threading: thread-safe; written by the control thread, read by HTTP threads.
 */
public final class Leadership {
    private volatile MasterLifecycle lifecycle = MasterLifecycle.start();

    public MasterLifecycle lifecycle() {
        return lifecycle;
    }

    public void set(MasterLifecycle next) {
        lifecycle = next;
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
