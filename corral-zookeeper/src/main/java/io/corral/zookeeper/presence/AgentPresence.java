package io.corral.zookeeper.presence;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.api.CuratorListener;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's presence: the EPHEMERAL znode {@code <root>/presence/<agentId>} holding a {@link PresenceDocument}. It
 * lives exactly as long as the agent's ZooKeeper session, so the leading master (through {@link PresenceWatcher})
 * learns within the session timeout that the agent died, hung or lost ZooKeeper.
 *
 * <p>Curator's {@link PersistentNode} keeps the znode: it re-creates it in every new session after an expiry and
 * whenever it is deleted. Before starting it, {@link #announce} deals with a znode left by a previous incarnation of
 * this agent (a process that died less than a session timeout ago, so its session still holds the znode):
 * <ul>
 *   <li>if its data names the same agent id, it is ours: it is deleted and re-created at once in our session.
 *       Waiting instead would tie our presence to a dead session, and when that session expired the master would see
 *       the agent vanish although it is running. Only one live process can own an agent id (the id comes from the
 *       agent's own checkpointed work directory), so deleting it cannot hide another live agent;</li>
 *   <li>otherwise (unreadable data or another id: not written by this agent) it is left alone, with a warning:
 *       Corral never deletes what it cannot prove is its own. PersistentNode then takes it over (overwrites its data)
 *       and re-creates it in our session when its owner's session ends.</li>
 * </ul>
 *
 * <p>Close this before the client. If the client is closed first anyway (the session ends, so ZooKeeper deletes
 * the znode), this class stops the node at once: PersistentNode would otherwise try to re-create it on the closed
 * client, again and again.
 *
 * <p>Threading: {@link #announce} returns at once; the ZooKeeper work runs on a private thread (or the executor
 * given), so it may be called from an event loop. {@link #awaitAnnounced} blocks. All methods may be called from
 * any thread.
 */
public final class AgentPresence implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentPresence.class);

    private final CuratorFramework zk;
    private final String rootPath;
    private final Clock clock;
    /** Runs {@link #start}; shut down by {@link #close} only when this class created it. */
    private final java.util.concurrent.Executor starter;
    private final boolean ownsStarter;
    private final CountDownLatch nodeStarted = new CountDownLatch(1);
    private final CuratorListener clientClosing = (client, event) -> {
        if (event.getType() == CuratorEventType.CLOSING) {
            stopWithClient();
        }
    };

    // Written under this; node is also read without the lock when the client closes.
    private String announcedAgentId;
    private volatile PersistentNode node;
    private volatile boolean closed;

    /**
     * @param zk       a started client; the agent's session is this client's session. Not closed by this class.
     * @param rootPath absolute root path, e.g. "/corral"
     */
    public AgentPresence(CuratorFramework zk, String rootPath) {
        this(zk, rootPath, Clock.systemUTC());
    }

    /** As {@link #AgentPresence(CuratorFramework, String)}, with the clock that stamps {@code since}. */
    public AgentPresence(CuratorFramework zk, String rootPath, Clock clock) {
        this(zk, rootPath, clock, Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "agent-presence" + rootPath);
            thread.setDaemon(true);
            return thread;
        }), true);
    }

    /**
     * As {@link #AgentPresence(CuratorFramework, String, Clock)}, doing the ZooKeeper work of {@link #announce} on
     * {@code starter}, which this class neither owns nor shuts down: for a process that keeps the presence of many
     * agents (the simulator in {@code corral-bench}), where one thread per agent would be thousands of idle threads.
     */
    public AgentPresence(CuratorFramework zk, String rootPath, Clock clock, java.util.concurrent.Executor starter) {
        this(zk, rootPath, clock, starter, false);
    }

    private AgentPresence(CuratorFramework zk, String rootPath, Clock clock, java.util.concurrent.Executor starter,
                          boolean ownsStarter) {
        this.zk = Objects.requireNonNull(zk, "zk");
        this.rootPath = PresencePaths.requireRoot(rootPath);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.starter = Objects.requireNonNull(starter, "starter");
        this.ownsStarter = ownsStarter;
    }

    /**
     * Starts keeping this agent's presence znode. Call once, after the agent has its id (after registering).
     *
     * @param agentId the AgentID the master gave this agent
     * @param address where the agent serves, host:port
     * @throws IllegalArgumentException if the id cannot name a znode or the address is empty
     * @throws IllegalStateException    if already announced or closed
     */
    public synchronized void announce(String agentId, String address) {
        PresenceDocument document = new PresenceDocument(agentId, address, clock.millis());
        if (closed) {
            throw new IllegalStateException("this AgentPresence is closed; create a new one to announce again");
        }
        if (announcedAgentId != null) {
            throw new IllegalStateException("already announced agent " + announcedAgentId
                    + "; close this AgentPresence and create a new one to announce another id");
        }
        announcedAgentId = agentId;
        starter.execute(() -> start(document));
    }

    /**
     * Waits until the znode exists in ZooKeeper for the first time.
     *
     * @return false if it does not within {@code timeout} (it keeps being retried in the background)
     */
    public boolean awaitAnnounced(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!nodeStarted.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        PersistentNode started = node;
        return started != null && started.waitForInitialCreate(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /**
     * Deletes the znode (if this session holds it) and stops re-creating it. Blocks until ZooKeeper confirms the
     * delete or Curator's retries give up (Curator then keeps deleting in the background while the session lasts).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsStarter) {
            ((ExecutorService) starter).shutdownNow();
        }
        zk.getCuratorListenable().removeListener(clientClosing);
        if (node == null) {
            return;
        }
        if (zk.getState() != CuratorFrameworkState.STARTED) {
            LOG.debug("The ZooKeeper client is closed: its session, and the presence znode, ended with it");
            return;
        }
        try {
            node.close();
            LOG.info("Withdrew the presence of agent {}", announcedAgentId);
        } catch (Exception e) {
            LOG.warn("Could not delete the presence of agent {} ({}); it disappears when the session ends",
                    announcedAgentId, e.toString());
        }
    }

    /** Runs on the starter thread. */
    private void start(PresenceDocument document) {
        String path = PresencePaths.node(rootPath, document.agentId());
        try {
            ensurePersistentParent();
            removePreviousIncarnation(document.agentId(), path);
        } catch (Exception e) {
            if (closed) {
                return; // interrupted by close(), or the client closed with us
            }
            // PersistentNode retries on its own; the only loss is that it may take over a stale znode (see above).
            LOG.warn("Could not prepare {} ({}); announcing anyway", path, e.toString());
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            PersistentNode started = new PersistentNode(zk, CreateMode.EPHEMERAL, false, path, document.toJson(), true);
            started.getListenable().addListener(createdPath -> LOG.info("Presence znode {} created", createdPath));
            node = started;
            zk.getCuratorListenable().addListener(clientClosing);
            started.start();
        }
        nodeStarted.countDown();
    }

    /** The client is closing (its session, and so the znode, ends with it): stop PersistentNode from re-creating. */
    private void stopWithClient() {
        PersistentNode started = node;
        if (started == null) {
            return;
        }
        try {
            started.close(); // marks it closed, then fails to delete on the closing client: expected
        } catch (Exception e) {
            LOG.debug("Presence node stopped with its client ({})", e.toString());
        }
    }

    /**
     * Creates {@code <root>/presence} as a PERSISTENT znode. PersistentNode would create missing parents as
     * containers, which ZooKeeper deletes once they are empty; a stable parent keeps the master's watch simple.
     */
    private void ensurePersistentParent() throws Exception {
        try {
            zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(PresencePaths.parent(rootPath));
        } catch (KeeperException.NodeExistsException e) {
            // The usual case.
        }
    }

    private void removePreviousIncarnation(String agentId, String path) throws Exception {
        long ourSession = zk.getZookeeperClient().getZooKeeper().getSessionId();
        Stat stat = new Stat();
        byte[] data;
        try {
            data = zk.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return; // the usual case
        }
        if (stat.getEphemeralOwner() == ourSession) {
            return; // already ours: PersistentNode takes it over
        }
        if (!isOurs(agentId, data)) {
            LOG.warn("{} exists, owned by session 0x{}, but its data does not name agent {}: leaving it alone; "
                    + "it is replaced when that session ends", path, Long.toHexString(stat.getEphemeralOwner()), agentId);
            return;
        }
        try {
            zk.delete().withVersion(stat.getVersion()).forPath(path);
            LOG.info("Deleted {} left by a previous incarnation of agent {} (session 0x{})", path, agentId,
                    Long.toHexString(stat.getEphemeralOwner()));
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            // It changed since we read it (its session ended, or it was re-written): no longer provably stale.
        }
    }

    private static boolean isOurs(String agentId, byte[] data) {
        try {
            return PresenceDocument.parse(data).agentId().equals(agentId);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
