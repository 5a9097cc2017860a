package io.corral.zookeeper.presence;

import io.corral.zookeeper.RefreshThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's view of agent presence: watches the children of {@code <root>/presence} (not recursively) and tells
 * a {@link Listener} who is there ({@link Listener#present} once, first), then who appeared and who disappeared.
 *
 * <p>How it stays truthful:
 * <ul>
 *   <li>A missing parent counts as "nobody is present" and is watched until it is created.</li>
 *   <li>Each agent's znode also carries a data watch, and znodes are told apart by their creation id (czxid). So an
 *       agent whose znode was deleted and re-created between two reads (session expired, agent came straight back)
 *       is still reported as disappeared, then appeared.</li>
 *   <li>While this watcher's own ZooKeeper session is LOST it reports nothing: it cannot tell, and "everyone
 *       vanished" would be false. Once reconnected it reads everything again and reports only the difference.</li>
 *   <li>A disappearance is seen when ZooKeeper deletes the agent's ephemeral znode, i.e. within the agent's session
 *       timeout (plus one server tick) of its last contact, then one watch notification later. A listing every
 *       {@value #SAFETY_REREAD_SECONDS} s guards against a lost notification; there is no other polling.</li>
 *   <li>A notification costs a listing of every agent (ZooKeeper's child watches say only "changed"), compared
 *       with the last one in hash maps: with 10,000 agents each listing is linear, not a rebuild of sorted maps.
 *       Listings are not spaced out: an agent whose znode lived a moment between two spaced listings would never be
 *       seen, nor its disappearance.</li>
 * </ul>
 *
 * <p>Threading: every ZooKeeper read and every listener call happens on one private thread, so the listener sees
 * events one at a time, in order, and must not block for long. {@link #current()} may be called from any thread.
 */
public final class PresenceWatcher implements AutoCloseable {

    /** Receives presence changes, always on the watcher's thread. */
    public interface Listener {
        /** Called once, first: the agents present when the watcher started (possibly none). */
        void present(Set<String> agentIds);

        /** An agent's presence znode appeared (address empty if its data is unreadable). */
        void appeared(String agentId, String address);

        /** An agent's presence znode disappeared: its session ended or it withdrew. */
        void disappeared(String agentId);
    }

    static final long SAFETY_REREAD_SECONDS = 60;

    private static final Logger LOG = LoggerFactory.getLogger(PresenceWatcher.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final long NO_SESSION = 0;

    private final WatcherRemoveCuratorFramework zk;
    private final String parentPath;
    private final Listener listener;
    private final RefreshThread refresher;
    private final CuratorWatcher parentWatcher = this::onParentEvent;
    private final CuratorWatcher agentNodeWatcher = this::onAgentNodeEvent;
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;

    /**
     * As last reported; a new map each time, never changed once reported. Written on the watcher thread only, read by
     * {@link #current()} from any thread.
     */
    private volatile Map<String, AgentNode> reported = Map.of();
    // Confined to the watcher thread.
    private final Set<String> toReread = new HashSet<>();
    private final Set<AgentNode> warnedUnreadable = new HashSet<>();
    private boolean snapshotReported;
    private boolean sessionLost;
    private long watchedSession = NO_SESSION;

    private volatile boolean started;
    private volatile boolean closed;

    /** One agent's presence znode as last read; czxid tells a re-created znode from the one seen before. */
    private record AgentNode(String agentId, String address, long czxid) {
    }

    /**
     * @param zk       a started client; this watcher does not close it
     * @param rootPath absolute root path, e.g. "/corral"
     * @param listener receives the snapshot and the changes
     */
    public PresenceWatcher(CuratorFramework zk, String rootPath, Listener listener) {
        this.zk = Objects.requireNonNull(zk, "zk").newWatcherRemoveCuratorFramework();
        this.parentPath = PresencePaths.parent(rootPath);
        this.listener = Objects.requireNonNull(listener, "listener");
        this.refresher = new RefreshThread("presence-watcher" + rootPath, this::refresh);
    }

    /** Starts watching; the listener's {@link Listener#present} follows as soon as ZooKeeper answers. */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException("a PresenceWatcher starts once; create a new one to watch again");
        }
        started = true;
        zk.getConnectionStateListenable().addListener(connectionListener);
        refresher.request();
        refresher.requestEvery(Duration.ofSeconds(SAFETY_REREAD_SECONDS));
    }

    /** The agents present as last reported to the listener, with their addresses (empty before the snapshot). */
    public Map<String, String> current() {
        Map<String, String> addresses = new TreeMap<>();
        reported.forEach((agentId, node) -> addresses.put(agentId, node.address()));
        return Collections.unmodifiableMap(addresses);
    }

    @Override
    public synchronized void close() {
        closed = true;
        zk.getConnectionStateListenable().removeListener(connectionListener);
        zk.removeWatchers();
        refresher.close();
    }

    private void onParentEvent(WatchedEvent event) {
        // Connection events (type None) come through the connection state listener instead.
        if (event.getType() != Watcher.Event.EventType.None) {
            refresher.request();
        }
    }

    /** Deleted, data changed: read that znode again (its watch is spent) and let czxid tell what happened. */
    private void onAgentNodeEvent(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None && event.getPath() != null) {
            String agentId = ZKPaths.getNodeFromPath(event.getPath());
            refresher.execute(() -> toReread.add(agentId));
            refresher.request();
        }
    }

    private void onConnectionStateChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.LOST) {
            refresher.execute(() -> {
                sessionLost = true;
                LOG.warn("ZooKeeper session lost: agent presence is unknown until reconnected");
            });
        } else if (state == ConnectionState.RECONNECTED) {
            // Refresh right here: a refresh queued while the session was lost would run (and be skipped) first.
            refresher.execute(() -> {
                sessionLost = false;
                refresh(); // changes may have happened while disconnected
            });
        }
    }

    private void refresh() {
        if (closed || sessionLost) {
            return;
        }
        try {
            long session = zk.getZookeeperClient().getZooKeeper().getSessionId();
            // Watches belong to a session: in a new one every znode must be read (and watched) again.
            boolean newSession = session != watchedSession;
            List<String> listed = listChildrenOrWatchParent();
            Set<String> stale = new HashSet<>();
            for (String agentId : listed) {
                if (newSession || !reported.containsKey(agentId) || toReread.contains(agentId)) {
                    stale.add(agentId);
                }
            }
            Map<String, AgentNode> read = readAgentNodes(stale);
            toReread.clear();
            watchedSession = session;
            report(nextState(listed, stale, read));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (Exception e) {
            if (!closed) {
                LOG.warn("Cannot read agent presence under {} ({}); retrying in {} s", parentPath, e.toString(),
                        RETRY_DELAY.toSeconds());
                refresher.retryAfter(RETRY_DELAY);
            }
        }
    }

    /** The parent's children (and a watch on them), or none if it does not exist yet (and a watch on its creation). */
    private List<String> listChildrenOrWatchParent() throws Exception {
        try {
            return zk.getChildren().usingWatcher(parentWatcher).forPath(parentPath);
        } catch (KeeperException.NoNodeException e) {
            if (zk.checkExists().usingWatcher(parentWatcher).forPath(parentPath) != null) {
                refresher.request(); // created between the two calls
            }
            return List.of();
        }
    }

    /**
     * Reads (and watches) the given agents' znodes, all requests in flight at once so a new leader with thousands
     * of agents is not held up by round trips. A znode deleted since the listing is simply absent from the result.
     */
    private Map<String, AgentNode> readAgentNodes(Collection<String> agentIds) throws Exception {
        Map<String, AgentNode> nodes = new ConcurrentHashMap<>();
        AtomicReference<KeeperException> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(agentIds.size());
        for (String agentId : agentIds) {
            zk.getData().usingWatcher(agentNodeWatcher).inBackground((client, event) -> {
                collect(agentId, event, nodes, failure);
                done.countDown();
            }).forPath(parentPath + "/" + agentId);
        }
        if (!done.await(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("reading " + agentIds.size() + " presence znodes took over "
                    + READ_TIMEOUT.toSeconds() + " s");
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return nodes;
    }

    private static void collect(String agentId, CuratorEvent event, Map<String, AgentNode> nodes,
                                AtomicReference<KeeperException> failure) {
        KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
        if (code == KeeperException.Code.OK) {
            nodes.put(agentId, new AgentNode(agentId, addressIn(agentId, event.getData()), event.getStat().getCzxid()));
        } else if (code != KeeperException.Code.NONODE) {
            failure.compareAndSet(null, KeeperException.create(code, event.getPath()));
        }
    }

    private static String addressIn(String agentId, byte[] data) {
        try {
            return PresenceDocument.parse(data).address();
        } catch (IllegalArgumentException e) {
            return ""; // still a live session for that agent; reported with an empty address (warned once below)
        }
    }

    /** Listed agents: as just read if re-read, else as reported before. Re-read ones that vanished are left out. */
    private Map<String, AgentNode> nextState(List<String> listed, Set<String> stale, Map<String, AgentNode> read) {
        Map<String, AgentNode> next = new HashMap<>(listed.size() * 4 / 3 + 1);
        for (String agentId : listed) {
            AgentNode node = stale.contains(agentId) ? read.get(agentId) : reported.get(agentId);
            if (node != null) {
                next.put(agentId, node);
            }
        }
        return next;
    }

    private void report(Map<String, AgentNode> next) {
        warnAboutUnreadableData(next.values());
        Map<String, AgentNode> previous = reported;
        reported = next;
        if (!snapshotReported) {
            snapshotReported = true;
            Set<String> present = Collections.unmodifiableSet(new TreeSet<>(next.keySet()));
            LOG.info("Agents present under {}: {}", parentPath, present);
            call(() -> listener.present(present));
            return;
        }
        // Disappearances first: a re-created znode reads "disappeared, then appeared", in that order. Each kind in
        // the order of agent ids, so that logs and listeners see the same order every time.
        for (AgentNode before : changed(previous, next)) {
            LOG.info("Agent {} is no longer present", before.agentId());
            call(() -> listener.disappeared(before.agentId()));
        }
        for (AgentNode now : changed(next, previous)) {
            LOG.info("Agent {} is present at {}", now.agentId(), now.address());
            call(() -> listener.appeared(now.agentId(), now.address()));
        }
    }

    /** The nodes of {@code these} that {@code others} lacks or holds as another znode (czxid), by agent id. */
    private static List<AgentNode> changed(Map<String, AgentNode> these, Map<String, AgentNode> others) {
        List<AgentNode> changed = new ArrayList<>();
        for (AgentNode node : these.values()) {
            AgentNode other = others.get(node.agentId());
            if (other == null || other.czxid() != node.czxid()) {
                changed.add(node);
            }
        }
        changed.sort(Comparator.comparing(AgentNode::agentId));
        return changed;
    }

    private void warnAboutUnreadableData(Collection<AgentNode> nodes) {
        for (AgentNode node : nodes) {
            if (node.address().isEmpty() && warnedUnreadable.add(node)) {
                LOG.warn("{}/{} does not hold presence JSON (agent_id, address, since); reporting it without an address",
                        parentPath, node.agentId());
            }
        }
    }

    private void call(Runnable listenerCall) {
        try {
            listenerCall.run();
        } catch (RuntimeException e) {
            LOG.error("A presence listener failed", e);
        }
    }


}
