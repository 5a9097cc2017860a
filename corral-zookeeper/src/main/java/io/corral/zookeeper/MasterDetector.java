package io.corral.zookeeper;

import io.corral.protocol.json.MesosJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells who the leading master is, the way Mesos clients find it: list the children of the root path (not
 * recursively), keep those named {@code json.info_<sequence>}, and read the MasterInfo JSON of the lowest sequence.
 *
 * <p>Robustness: a missing root path is watched until it appears; after a reconnection everything is read again;
 * a node whose data is not MasterInfo JSON is skipped with one warning (the next valid node leads); ZooKeeper
 * errors are retried every 2 s, as Mesos does. When the session is LOST the leader is unknown (empty) until the
 * client reconnects.
 *
 * <p>Threading: all ZooKeeper reads and all listener calls happen on one private thread, so listeners see every
 * change once, in order. Listeners must not block for long. {@link #current()} and {@link #awaitLeader(Duration)}
 * may be called from any thread.
 */
public final class MasterDetector implements AutoCloseable {

    /** The leading master: its znode name and the MasterInfo stored there. */
    public record Leader(String nodeName, MasterInfo info) {
        public Leader {
            Objects.requireNonNull(nodeName, "nodeName");
            Objects.requireNonNull(info, "info");
        }
    }

    /**
     * Name prefix of master znodes; ZooKeeper appends a 10-digit sequence number. It lives here rather than with
     * MasterContender, which creates these znodes, so that agents and frameworks can find the leader without the
     * master-side module.
     */
    public static final String NODE_PREFIX = "json.info_";

    private static final Logger LOG = LoggerFactory.getLogger(MasterDetector.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(2);

    private final WatcherRemoveCuratorFramework zk;
    private final String rootPath;
    private final RefreshThread refresher;
    private final CuratorWatcher childrenWatcher = this::onWatchedEvent;
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;
    private final Object leaderMonitor = new Object();

    // Confined to the detector thread.
    private final List<Consumer<Optional<Leader>>> listeners = new ArrayList<>();
    private final Set<String> reportedCorruptNodes = new HashSet<>();

    // Written on the detector thread under leaderMonitor; read anywhere.
    private volatile Optional<Leader> current = Optional.empty();
    private volatile boolean closed;

    /**
     * Starts watching at once.
     *
     * @param zk       a started client; this detector does not close it
     * @param rootPath absolute path of the master znodes' parent, e.g. "/corral"
     */
    public MasterDetector(CuratorFramework zk, String rootPath) {
        this.zk = Objects.requireNonNull(zk, "zk").newWatcherRemoveCuratorFramework();
        this.rootPath = requireAbsolute(rootPath);
        this.refresher = new RefreshThread("master-detector" + rootPath, this::refresh);
        this.zk.getConnectionStateListenable().addListener(connectionListener);
        refresher.request();
    }

    /** The leader as last read, or empty if none is known. */
    public Optional<Leader> current() {
        return current;
    }

    /**
     * Adds a listener. It is called first with the leader known at that moment, then on every change, always on
     * the detector thread.
     */
    public void addListener(Consumer<Optional<Leader>> listener) {
        Objects.requireNonNull(listener, "listener");
        refresher.execute(() -> {
            listeners.add(listener);
            notify(listener, current);
        });
    }

    /** Removes a listener added with {@link #addListener}; it is not called after this takes effect. */
    public void removeListener(Consumer<Optional<Leader>> listener) {
        refresher.execute(() -> listeners.remove(listener));
    }

    /**
     * Waits until a leader is known and returns it.
     *
     * @throws TimeoutException if no leader appears within {@code timeout}
     */
    public Leader awaitLeader(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (leaderMonitor) {
            while (current.isEmpty()) {
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remainingMs <= 0 || closed) {
                    throw new TimeoutException("no leading master under " + rootPath + " within "
                            + ZkClients.describe(timeout) + ": check that a master runs and uses this ZooKeeper path");
                }
                leaderMonitor.wait(remainingMs);
            }
            return current.get();
        }
    }

    @Override
    public void close() {
        closed = true;
        zk.getConnectionStateListenable().removeListener(connectionListener);
        zk.removeWatchers();
        refresher.close();
        synchronized (leaderMonitor) {
            leaderMonitor.notifyAll();
        }
    }

    private void onWatchedEvent(WatchedEvent event) {
        // Connection events (type None) come through the connection state listener instead.
        if (event.getType() != Watcher.Event.EventType.None) {
            refresher.request();
        }
    }

    private void onConnectionStateChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.RECONNECTED) {
            refresher.request(); // a new session has no watches and the leader may have changed meanwhile
        } else if (state == ConnectionState.LOST) {
            refresher.execute(() -> update(Optional.empty()));
        }
    }

    private void refresh() {
        if (closed) {
            return;
        }
        try {
            List<String> children = readChildrenOrWatchRoot();
            update(children == null ? Optional.empty() : electLeader(children));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (Exception e) {
            if (!closed) {
                LOG.warn("Cannot read masters under {} ({}); retrying in {}", rootPath, e.toString(),
                        ZkClients.describe(RETRY_DELAY));
                refresher.retryAfter(RETRY_DELAY);
            }
        }
    }

    /** The children of the root path (and a watch on them), or null if the root does not exist yet (and a watch on its creation). */
    private List<String> readChildrenOrWatchRoot() throws Exception {
        try {
            return zk.getChildren().usingWatcher(childrenWatcher).forPath(rootPath);
        } catch (KeeperException.NoNodeException e) {
            if (zk.checkExists().usingWatcher(childrenWatcher).forPath(rootPath) != null) {
                refresher.request(); // created between the two calls
            }
            return null;
        }
    }

    private Optional<Leader> electLeader(List<String> children) throws Exception {
        List<Candidate> candidates = children.stream()
                .map(Candidate::of)
                .flatMap(Optional::stream)
                .sorted(Comparator.comparingLong(Candidate::sequence).thenComparing(Candidate::name))
                .toList();
        for (Candidate candidate : candidates) {
            Optional<Leader> leader = read(candidate.name());
            if (leader.isPresent()) {
                return leader;
            }
        }
        return Optional.empty();
    }

    private Optional<Leader> read(String nodeName) throws Exception {
        byte[] data;
        Stat stat = new Stat();
        try {
            data = zk.getData().storingStatIn(stat).forPath(rootPath + "/" + nodeName);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty(); // gone since the listing; the children watch brings the next state
        }
        if (stat.getEphemeralOwner() == 0) {
            // A master's node dies with its session. A persistent one was planted (by hand or by an attacker where
            // the root is writable): believing it would depose the real leader for as long as it stays.
            if (reportedCorruptNodes.add(nodeName)) {
                LOG.warn("Ignoring {}/{}: it is not ephemeral, so no master's session created it; delete it",
                        rootPath, nodeName);
            }
            return Optional.empty();
        }
        try {
            return Optional.of(new Leader(nodeName, MesosJson.parse(data, MasterInfo.getDefaultInstance())));
        } catch (RuntimeException e) {
            if (reportedCorruptNodes.add(nodeName)) {
                LOG.warn("Skipping {}/{}: its data is not MasterInfo JSON ({})", rootPath, nodeName, e.getMessage());
            }
            return Optional.empty();
        }
    }

    private void update(Optional<Leader> next) {
        if (next.equals(current)) {
            return;
        }
        synchronized (leaderMonitor) {
            current = next;
            leaderMonitor.notifyAll();
        }
        LOG.info("Leading master under {}: {}", rootPath,
                next.map(l -> l.nodeName() + " " + l.info().getHostname() + ":" + l.info().getPort()).orElse("none"));
        for (Consumer<Optional<Leader>> listener : listeners) {
            notify(listener, next);
        }
    }

    private static void notify(Consumer<Optional<Leader>> listener, Optional<Leader> leader) {
        try {
            listener.accept(leader);
        } catch (RuntimeException e) {
            LOG.error("A master detector listener failed", e);
        }
    }



    /** A child named json.info_ followed by its sequence number. */
    private record Candidate(String name, long sequence) {
        static Optional<Candidate> of(String name) {
            if (!name.startsWith(NODE_PREFIX)) {
                return Optional.empty();
            }
            String digits = name.substring(NODE_PREFIX.length());
            if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Optional.empty();
            }
            return Optional.of(new Candidate(name, Long.parseLong(digits)));
        }
    }

    private static String requireAbsolute(String rootPath) {
        if (rootPath == null || rootPath.length() < 2 || !rootPath.startsWith("/") || rootPath.endsWith("/")) {
            throw new IllegalArgumentException("root path '" + rootPath
                    + "' must be absolute without a trailing slash, e.g. /corral");
        }
        return rootPath;
    }
}
