package io.corral.zookeeper;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master's candidacy for leadership, in the Mesos layout: an EPHEMERAL_SEQUENTIAL znode
 * {@code <root>/json.info_NNNNNNNNNN} holding the master's MasterInfo JSON. The contender whose node has the lowest
 * sequence number leads; {@link MasterDetector} tells who that is.
 *
 * <p>The candidacy ends when the ZooKeeper session is LOST or the node is deleted; then every listener's
 * {@link Listener#onCandidacyLost()} runs once and the master must step down. This class never contends again: a
 * new candidacy needs a new contender (Mesos masters exit and are restarted instead).
 *
 * <p>Why the node is created with the raw ZooKeeper handle: Curator retries a create after a connection loss, and
 * for a sequential node a blind retry can leave a second node behind (Curator avoids that only with its "protection"
 * name prefix, which would break the exact {@code json.info_} name Mesos clients look for). So after a connection
 * loss this class looks for a child owned by its own session with its own data, as Curator's LeaderLatch looks for
 * its protected node, and creates again only if there is none.
 *
 * <p>ACLs come from {@link ZkAcls} for every node this class creates: with credentials the root, its parents and the
 * {@code json.info_} node are readable by everyone (Mesos's EVERYONE_READ_CREATOR_ALL) and writable only by Corral.
 * A NoAuth refusal surfaces as a {@link ZkAccessDeniedException}.
 *
 * <p>Threading: {@link #start()} and {@link #close()} may be called from any thread (they block on ZooKeeper).
 * Listeners run at most once, on a Curator/ZooKeeper event thread; they must return quickly and must not block on
 * ZooKeeper. {@link #close()} does not call them.
 */
public final class MasterContender implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MasterContender.class);
    private static final int MAX_CREATE_ATTEMPTS = 5;

    /** Receives the end of a candidacy. */
    @FunctionalInterface
    public interface Listener {
        /** The session was lost or the node deleted: stop acting as leader. */
        void onCandidacyLost();
    }

    private final WatcherRemoveCuratorFramework zk;
    private final String rootPath;
    private final byte[] masterInfoJson;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean lost = new AtomicBoolean();
    private final ConnectionStateListener sessionWatcher = this::onConnectionStateChanged;
    private final CuratorWatcher nodeWatcher = this::onNodeEvent;
    private volatile String ownPath;
    private volatile boolean closed;

    /**
     * @param zk             a started client; this contender does not close it
     * @param rootPath       absolute path of the master znodes' parent, e.g. "/corral"
     * @param masterInfoJson the node's data: MasterInfo as compact JSON (UTF-8)
     */
    public MasterContender(CuratorFramework zk, String rootPath, byte[] masterInfoJson) {
        this.zk = Objects.requireNonNull(zk, "zk").newWatcherRemoveCuratorFramework();
        this.rootPath = requireAbsolute(rootPath);
        this.masterInfoJson = Objects.requireNonNull(masterInfoJson, "masterInfoJson").clone();
    }

    /** Adds a listener; add listeners before {@link #start()} so none misses the loss. */
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Creates missing parents (persistent) and this master's node.
     *
     * @throws IllegalStateException if already started or closed
     * @throws Exception             if ZooKeeper stays unavailable or refuses the create
     */
    public synchronized void start() throws Exception {
        if (closed || ownPath != null) {
            throw new IllegalStateException("a MasterContender starts once; create a new one to contend again");
        }
        zk.getConnectionStateListenable().addListener(sessionWatcher);
        ensureRoot();
        Created created = createOwnNode();
        ownPath = created.path();
        LOG.info("Contending for leadership as {}", ownPath);
        if (currentSessionId() != created.sessionId()) {
            // The session ended between the create and now; its LOST event may have come before ownPath was set.
            candidacyLost("the ZooKeeper session ended while the node was being created");
            return;
        }
        watchOwnNode();
    }

    /** The node's name, e.g. "json.info_0000000007". */
    public String ownNodeName() {
        String path = requireStarted();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The node's full path, e.g. "/corral/json.info_0000000007". */
    public String ownNodePath() {
        return requireStarted();
    }

    /** True from {@link #start()} until the candidacy is lost or this contender is closed. */
    public boolean hasCandidacy() {
        return ownPath != null && !lost.get() && !closed;
    }

    /** Withdraws: deletes the node (if the session still holds it) without calling the listeners. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        zk.getConnectionStateListenable().removeListener(sessionWatcher);
        zk.removeWatchers();
        String path = ownPath;
        if (path != null && !lost.get()) {
            try {
                zk.delete().quietly().forPath(path);
                LOG.info("Withdrew candidacy {}", path);
            } catch (Exception e) {
                LOG.warn("Could not delete {}; it disappears when the ZooKeeper session ends", path, e);
            }
        }
    }

    /**
     * After a connection loss during create: finds a child that this session created with this data, if any.
     * Visible for tests.
     */
    Optional<String> findOwnNode(long sessionId) throws Exception {
        List<String> children;
        try {
            children = zk.getChildren().forPath(rootPath);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
        for (String child : children) {
            if (!child.startsWith(MasterDetector.NODE_PREFIX)) {
                continue;
            }
            String path = rootPath + "/" + child;
            Stat stat = new Stat();
            try {
                byte[] data = zk.getData().storingStatIn(stat).forPath(path);
                if (stat.getEphemeralOwner() == sessionId && Arrays.equals(data, masterInfoJson)) {
                    return Optional.of(path);
                }
            } catch (KeeperException.NoNodeException e) {
                // Deleted since the listing: not ours, or no longer there.
            }
        }
        return Optional.empty();
    }

    private record Created(String path, long sessionId) {
    }

    /**
     * Creates the root and its parents, if missing, with the ACLs ZkAcls gives them (readable by everyone). Looks
     * first: ZooKeeper checks the right to create in the parent before it checks existence, and a root set up by an
     * operator may well sit in a parent Corral may not write to.
     */
    private void ensureRoot() throws Exception {
        try {
            if (zk.checkExists().forPath(rootPath) != null) {
                return;
            }
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(rootPath);
        } catch (KeeperException.NodeExistsException e) {
            // Usual case: another master or an earlier run created it.
        } catch (KeeperException.NoAuthException e) {
            throw ZkAccessDeniedException.forPath(e.getPath() != null ? e.getPath() : rootPath);
        }
    }

    private Created createOwnNode() throws Exception {
        String prefixPath = rootPath + "/" + MasterDetector.NODE_PREFIX;
        // Readable by everyone when Corral has credentials, so Mesos detectors without any can find the leader.
        List<ACL> acl = ZkAcls.forCreate(zk, prefixPath);
        for (int attempt = 1; ; attempt++) {
            ZooKeeper handle = zk.getZookeeperClient().getZooKeeper();
            long sessionId = handle.getSessionId();
            try {
                String path = handle.create(prefixPath, masterInfoJson, acl, CreateMode.EPHEMERAL_SEQUENTIAL);
                return new Created(path, sessionId);
            } catch (KeeperException.NoAuthException e) {
                throw ZkAccessDeniedException.forPath(prefixPath);
            } catch (KeeperException.ConnectionLossException e) {
                // The server may have created the node before the reply was lost.
                awaitConnected(e);
                Optional<String> existing = findOwnNode(sessionId);
                if (existing.isPresent()) {
                    LOG.info("Found {} created before the connection loss", existing.get());
                    return new Created(existing.get(), sessionId);
                }
                giveUpAfter(attempt, e);
            } catch (KeeperException.SessionExpiredException | KeeperException.SessionMovedException e) {
                // Whatever this session created dies with it: simply create again in the next session.
                awaitConnected(e);
                giveUpAfter(attempt, e);
            } catch (KeeperException.NoNodeException e) {
                // The root was deleted under us.
                ensureRoot();
                giveUpAfter(attempt, e);
            }
        }
    }

    private void awaitConnected(KeeperException cause) throws Exception {
        int timeoutMs = zk.getZookeeperClient().getConnectionTimeoutMs();
        if (!zk.blockUntilConnected(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new ZkUnreachableException("Lost the ZooKeeper connection while creating " + rootPath + "/"
                    + MasterDetector.NODE_PREFIX + " and it did not come back within "
                    + ZkClients.describe(Duration.ofMillis(timeoutMs)), cause);
        }
    }

    private static void giveUpAfter(int attempt, KeeperException cause) throws KeeperException {
        if (attempt >= MAX_CREATE_ATTEMPTS) {
            throw cause;
        }
    }

    private void watchOwnNode() throws Exception {
        if (zk.checkExists().usingWatcher(nodeWatcher).forPath(ownPath) == null) {
            candidacyLost("the node " + ownPath + " is gone");
        }
    }

    private void onNodeEvent(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
            candidacyLost("the node " + ownPath + " was deleted");
        } else if (event.getType() != Watcher.Event.EventType.None && !closed && !lost.get()) {
            rearmWatch(); // e.g. the data changed: still our node, keep watching
        }
        // EventType.None (connection changes) is handled through the connection state listener.
    }

    private void rearmWatch() {
        try {
            zk.checkExists().usingWatcher(nodeWatcher).inBackground((client, event) -> {
                if (event.getResultCode() == KeeperException.Code.NONODE.intValue()) {
                    candidacyLost("the node " + ownPath + " is gone");
                }
            }).forPath(ownPath);
        } catch (Exception e) {
            LOG.warn("Could not watch {} again", ownPath, e);
        }
    }

    private void onConnectionStateChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.LOST && ownPath != null) {
            candidacyLost("the ZooKeeper session was lost");
        }
    }

    private void candidacyLost(String why) {
        if (closed || !lost.compareAndSet(false, true)) {
            return;
        }
        LOG.warn("Lost candidacy {}: {}", ownPath, why);
        for (Listener listener : listeners) {
            try {
                listener.onCandidacyLost();
            } catch (RuntimeException e) {
                LOG.error("A candidacy listener failed", e);
            }
        }
    }

    private long currentSessionId() throws Exception {
        return zk.getZookeeperClient().getZooKeeper().getSessionId();
    }

    private String requireStarted() {
        String path = ownPath;
        if (path == null) {
            throw new IllegalStateException("the contender has not created its node yet: call start() first");
        }
        return path;
    }

    private static String requireAbsolute(String rootPath) {
        if (rootPath == null || rootPath.length() < 2 || !rootPath.startsWith("/") || rootPath.endsWith("/")) {
            throw new IllegalArgumentException("root path '" + rootPath
                    + "' must be absolute without a trailing slash, e.g. /corral");
        }
        return rootPath;
    }
}
