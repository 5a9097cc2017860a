package io.corral.cli.local;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Follows which master leads a cluster and serves: tells its listener the leader's {@code host:port} each time a new
 * leader starts answering, and empty when no leader is known.
 */
public interface LeaderFeed extends AutoCloseable {

    /** Opens feeds; {@code corral local} uses {@link ZooKeeperLeaderFeed}, tests may use their own. */
    @FunctionalInterface
    interface Factory {
        /**
         * Starts following the cluster at {@code zkUrl}. The listener is called on the feed's own thread, once per
         * change, never twice in a row with the same value.
         */
        LeaderFeed open(String zkUrl, Consumer<Optional<String>> listener);
    }

    @Override
    void close();
}
