package io.corral.master.http;

import io.corral.master.Master;
import java.util.Optional;

/**
 * What the HTTP layer needs to know about leadership: whether this process leads (and then its {@link Master}), and
 * otherwise where the leader is, for redirects.
 *
 * <p>Threading: thread-safe; written by the leadership watcher, read by HTTP threads.
 */
public final class Leadership {
    private volatile Master master;
    private volatile String leaderAddress;
    private volatile boolean uncertain;
    private volatile boolean recovering;

    /** This process won the election and is recovering the registry: it leads but does not serve yet. */
    public void recover(String ownAddress) {
        this.master = null;
        this.leaderAddress = ownAddress;
        this.recovering = true;
    }

    /** This process leads from now on, serving through {@code master}. */
    public void lead(Master master, String ownAddress) {
        this.master = master;
        this.leaderAddress = ownAddress;
        this.recovering = false;
    }

    public boolean isRecovering() {
        return recovering;
    }

    /** Another process leads (or none, when {@code address} is null). */
    public void follow(String address) {
        this.master = null;
        this.leaderAddress = address;
        this.recovering = false;
    }

    /**
     * The ZooKeeper connection is SUSPENDED: this master may have lost the lead without knowing it yet, so it makes
     * no decisions and answers its APIs with 503 until the connection comes back (or the session is lost for good).
     */
    public void setUncertain(boolean uncertain) {
        this.uncertain = uncertain;
    }

    public boolean isUncertain() {
        return uncertain;
    }

    public Optional<Master> master() {
        return Optional.ofNullable(master);
    }

    /** host:port of the current leader, if one is known. */
    public Optional<String> leaderAddress() {
        return Optional.ofNullable(leaderAddress);
    }
}
