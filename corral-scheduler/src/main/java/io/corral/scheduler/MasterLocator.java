package io.corral.scheduler;

import java.net.URI;
import java.time.Duration;

/**
 * Tells a client which master to talk to. Two kinds exist: {@link FixedMasterLocator} (a configured URL, moved along
 * by the 307 redirects of non-leading masters) and {@link ZooKeeperMasterLocator} (the leader as elected in ZooKeeper,
 * which follows master failover by itself).
 *
 * <p>Threading: implementations are thread-safe.
 */
public interface MasterLocator extends AutoCloseable {

    /**
     * The base URI ({@code http://host:port}) of the master to send the next request to: the leader when it is known,
     * otherwise a master that will redirect to it.
     *
     * @throws MasterNotFoundException when no master is known within {@code timeout}
     */
    URI master(Duration timeout) throws InterruptedException;

    /** The master at {@code from} redirected to {@code leader}; a locator may remember it for next time. */
    default void redirected(URI from, URI leader) {}

    /** A request to {@code master} failed to connect; a locator should stop preferring it. */
    default void unreachable(URI master) {}

    /**
     * Calls {@code listener}, on a thread of the locator's, whenever it learns that a master leads (at once if one is
     * known): a client waiting out a backoff after failed attempts may then go at once. Returns what stops the calls.
     * A locator that learns of leaders only when asked (a fixed URL) never calls it.
     */
    default Runnable onLeader(Runnable listener) {
        return () -> { };
    }

    /** Human-readable description for messages, e.g. the URL or the zk:// address. */
    String describe();

    /** Releases what the locator holds (a ZooKeeper session, for instance). */
    @Override
    default void close() {}

    /** No master could be found. */
    final class MasterNotFoundException extends RuntimeException {
        public MasterNotFoundException(String message) {
            super(message);
        }
    }
}
