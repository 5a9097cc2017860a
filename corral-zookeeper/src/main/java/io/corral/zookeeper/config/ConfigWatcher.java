package io.corral.zookeeper.config;

import io.corral.zookeeper.RefreshThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link ConfigSnapshot} of every setting current through ZooKeeper watches: on the children of
 * {@code /corral/config} (settings appearing) and on each setting's data. Any event re-reads all settings (there are
 * a handful) and, when something differs, publishes a new snapshot to the listeners.
 *
 * <p>Robustness: a missing {@code /corral/config} is watched until it appears; after a reconnection everything is
 * read again (a new session has lost its watches); read errors are retried every {@value #RETRY_DELAY_MS} ms. While
 * disconnected the last snapshot stays in effect: settings are not safety-critical, and running on the last known
 * values beats reverting to defaults.
 *
 * <p>Threading: all ZooKeeper reads and all listener calls happen on one private thread, so listeners see every
 * change once and in order. Listeners must not block for long. {@link #current()} may be called from any thread.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final long RETRY_DELAY_MS = 2_000;

    private final WatcherRemoveCuratorFramework zk;
    private final ConfigSchema schema;
    private final ConfigReader reader;
    private final RefreshThread refresher;
    private final CuratorWatcher watcher = this::onWatchedEvent;
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;

    // Confined to the watch thread.
    private final List<Consumer<ConfigSnapshot>> listeners = new ArrayList<>();

    // Written on the watch thread; read anywhere. Null until the first read succeeds.
    private volatile ConfigSnapshot current;
    private volatile boolean closed;

    /** Starts reading and watching at once; {@code zk} is not closed by {@link #close()}. */
    ConfigWatcher(CuratorFramework zk, ConfigPaths paths, ConfigSchema schema) {
        this.zk = zk.newWatcherRemoveCuratorFramework();
        this.schema = schema;
        this.reader = new ConfigReader(this.zk, paths, schema);
        this.refresher = new RefreshThread("config-watch" + paths.root(), this::refresh);
        this.zk.getConnectionStateListenable().addListener(connectionListener);
        refresher.request();
    }

    /** The latest snapshot, or empty until the first read has completed. */
    Optional<ConfigSnapshot> current() {
        return Optional.ofNullable(current);
    }

    /** Adds a listener, called on the watch thread with the current snapshot (once read) and then every change. */
    void addListener(Consumer<ConfigSnapshot> listener) {
        Objects.requireNonNull(listener, "listener");
        refresher.execute(() -> {
            listeners.add(listener);
            if (current != null) {
                notify(listener, current);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        zk.getConnectionStateListenable().removeListener(connectionListener);
        zk.removeWatchers();
        refresher.close();
    }

    private void onWatchedEvent(WatchedEvent event) {
        // Connection events (type None) come through the connection state listener instead.
        if (event.getType() != Watcher.Event.EventType.None) {
            refresher.request();
        }
    }

    private void onConnectionStateChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.RECONNECTED) {
            refresher.request();
        }
    }

    private void refresh() {
        if (closed) {
            return;
        }
        ConfigSnapshot next;
        try {
            next = new ConfigSnapshot(schema, reader.readAll(Optional.of(watcher)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
            return;
        } catch (Exception e) {
            if (!closed) {
                LOG.warn("Cannot read the cluster configuration ({}); retrying in {} ms", e.toString(),
                        RETRY_DELAY_MS);
                refresher.retryAfter(Duration.ofMillis(RETRY_DELAY_MS));
            }
            return;
        }
        if (!next.equals(current)) {
            current = next;
            LOG.info("Cluster configuration: {}", next);
            for (Consumer<ConfigSnapshot> listener : listeners) {
                notify(listener, next);
            }
        }
    }

    private static void notify(Consumer<ConfigSnapshot> listener, ConfigSnapshot snapshot) {
        try {
            listener.accept(snapshot);
        } catch (RuntimeException e) {
            LOG.error("A configuration listener failed", e);
        }
    }


}
