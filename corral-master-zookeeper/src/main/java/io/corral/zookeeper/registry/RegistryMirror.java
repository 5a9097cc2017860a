package io.corral.zookeeper.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby master's copy of the registry, kept current through one persistent recursive watch, so that the new
 * leader's recovery reads one znode instead of every agent's (reading and decoding 10,000 agents took two seconds of
 * a failover). The documents are decoded as they change, while the master follows.
 *
 * <p>Why a copy can be trusted at a claim ({@link #afterClaim}): ZooKeeper sends one connection its watch
 * notifications and its replies in the order of the changes, and the client dispatches them in that order. So by the
 * time the claim's reply reached this client, every change made before the claim (the last leader's writes) had been
 * notified, and the mirror had asked to read each changed znode. After the claim nobody else writes the registry (the
 * claim fenced the last leader). The mirror then reads meta once more: once that reply is in, every read asked
 * before it has answered, and the copy is the registry as the claim left it. This holds only on the ZooKeeper session
 * that claimed, with the watch unbroken since the copy was loaded: after any suspension of the connection (events
 * may have been missed) the mirror loads itself again, and until then it declines, and the master reads the registry
 * as before.
 *
 * <p>Threading: ZooKeeper's event thread delivers notifications and replies; the documents live on the mirror's own
 * thread ({@code mirror}), which applies them in the order they arrived and builds snapshots. Every public method
 * may be called from any thread.
 */
public final class RegistryMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryMirror.class);

    /** A document as read, decoded once (or the reason it could not be). */
    private record Document(DocumentKind kind, Object decoded, RegistryFormatException error) {
    }

    private final CuratorFramework zk;
    private final RegistryPaths paths;
    private final ExecutorService mirror;
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private final Watcher watcher = this::notified;
    private final AtomicBoolean closing = new AtomicBoolean();
    /** How many claims this mirror vouched for (its copy served as the registry). */
    private final AtomicInteger copiesServed = new AtomicInteger();
    /** The current load; notifications and replies of an older one are ignored. Written on the mirror thread. */
    private final AtomicInteger generation = new AtomicInteger();
    /** The session's handle being mirrored in; written on the mirror thread, read on the event thread too. */
    private volatile ZooKeeper handle;
    // ---- owned by the mirror thread ----
    private final Map<String, Document> documents = new TreeMap<>();
    /** Whether the current generation's load is complete and nothing since could have been missed. */
    private boolean intact;

    private RegistryMirror(CuratorFramework zk, String rootPath) {
        this.zk = zk;
        this.paths = new RegistryPaths(rootPath);
        this.mirror = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "registry-mirror");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts mirroring the registry under {@code rootPath} in {@code zk}'s session (loading it in the background). */
    public static RegistryMirror start(CuratorFramework zk, String rootPath) {
        RegistryMirror started = new RegistryMirror(zk, rootPath);
        zk.getConnectionStateListenable().addListener(started.connectionListener);
        started.post(started::reload);
        return started;
    }

    /**
     * The registry as it is right after a claim made in the ZooKeeper session {@code claimSessionId}; empty when the
     * mirror cannot vouch for it (another session, a load not finished, a connection suspended since).
     */
    CompletableFuture<Optional<RegistryReader.Loaded>> afterClaim(long claimSessionId) {
        CompletableFuture<Optional<RegistryReader.Loaded>> result = new CompletableFuture<>();
        whenPosted(result, () -> {
            if (!intact || handle == null || handle.getSessionId() != claimSessionId) {
                result.complete(Optional.empty());
                return;
            }
            int current = generation.get();
            String meta = paths.meta();
            handle.getData(meta, false, (rc, path, ctx, bytes, stat) -> whenPosted(result, () -> {
                if (Code.get(rc) != Code.OK || generation.get() != current || !intact) {
                    result.complete(Optional.empty());
                    return;
                }
                try {
                    documents.put(meta, decode(DocumentKind.META, bytes));
                    RegistryReader.Loaded copy = loaded();
                    copiesServed.incrementAndGet();
                    result.complete(Optional.of(copy));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }), null);
        });
        return result;
    }

    /**
     * The copy as it is now, for a standby's rehearsal (not vouched for: a change may be on its way); empty while the
     * mirror is loading or was suspended. Fails with {@link RegistryFormatException} naming a document that cannot
     * be decoded, as a recovery from it would.
     */
    public CompletableFuture<Optional<RegistrySnapshot>> copy() {
        CompletableFuture<Optional<RegistrySnapshot>> result = new CompletableFuture<>();
        whenPosted(result, () -> {
            try {
                result.complete(intact ? Optional.of(loaded().snapshot()) : Optional.empty());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Posts {@code task}; a mirror closed meanwhile answers {@code result} empty instead. */
    private <T> void whenPosted(CompletableFuture<Optional<T>> result, Runnable task) {
        if (!post(task)) {
            result.complete(Optional.empty());
        }
    }

    /** How many claims the mirror's copy served as the registry (for tests). */
    public int copiesServed() {
        return copiesServed.get();
    }

    /** Whether the mirror holds a complete copy now (for tests and logs). */
    public CompletableFuture<Boolean> isIntact() {
        return CompletableFuture.supplyAsync(() -> intact, mirror);
    }

    /** Stops mirroring: the watch is removed, so the leader this master becomes is not told of its own writes. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return; // closed already
        }
        zk.getConnectionStateListenable().removeListener(connectionListener);
        post(() -> { // tasks posted before this one still run; later ones are refused
            intact = false;
            generation.incrementAndGet();
            documents.clear();
            removeWatch();
        });
        mirror.shutdown();
    }

    /** Runs {@code task} on the mirror thread; after {@link #close} nothing runs (a late ZooKeeper reply). */
    private boolean post(Runnable task) {
        try {
            mirror.execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return false;
        }
    }

    // ---- loading (mirror thread) ----

    /** Loads the whole registry anew: watch first, then list and read, then a read that marks the end. */
    private void reload() {
        int current = generation.incrementAndGet();
        intact = false;
        documents.clear();
        removeWatch();
        try {
            handle = zk.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            LOG.debug("No ZooKeeper connection to mirror the registry in yet", e);
            return; // the next RECONNECTED loads again
        }
        ZooKeeper loading = handle;
        loading.addWatch(paths.registry(), watcher, AddWatchMode.PERSISTENT_RECURSIVE, (rc, path, ctx) -> {
            if (Code.get(rc) != Code.OK) {
                LOG.info("Cannot watch the registry ({}): a new leader will read it whole", Code.get(rc));
                return;
            }
            list(loading, current);
        }, null);
    }

    /** Lists every document directory and reads each document; the last listing starts the closing read. */
    private void list(ZooKeeper loading, int current) {
        read(loading, paths.meta(), current);
        read(loading, paths.maintenance(), current);
        List<String> directories = List.of(paths.agents(), paths.frameworks(), paths.roles(), paths.agentModes());
        AtomicInteger listing = new AtomicInteger(directories.size());
        for (String directory : directories) {
            loading.getChildren(directory, false, (rc, path, ctx, children) -> {
                if (Code.get(rc) == Code.OK) {
                    children.forEach(child -> read(loading, directory + "/" + child, current));
                } else if (Code.get(rc) != Code.NONODE) {
                    post(() -> broken(current, "listing " + directory + ": " + Code.get(rc)));
                }
                if (listing.decrementAndGet() == 0) { // replies come in order: this read answers after all others
                    loading.exists(paths.registry(), false, (rc2, p, c, stat) -> post(() -> {
                        if (Code.get(rc2) == Code.OK) {
                            loaded(current);
                        } else {
                            broken(current, "closing the load: " + Code.get(rc2));
                        }
                    }), null);
                }
            }, null);
        }
    }

    /** Asks for one document; its reply is applied on the mirror thread (in the order replies arrive). */
    private void read(ZooKeeper reading, String path, int current) {
        DocumentKind kind = kindOf(path);
        if (kind == null) {
            return; // a directory
        }
        reading.getData(path, false, (rc, p, ctx, bytes, stat) -> post(() -> {
            if (generation.get() != current) {
                return;
            }
            switch (Code.get(rc)) {
                case OK -> documents.put(path, decode(kind, bytes));
                case NONODE -> documents.remove(path);
                default -> broken(current, "reading " + path + ": " + Code.get(rc));
            }
        }), null);
    }

    private void loaded(int current) {
        if (generation.get() == current && handle != null) {
            intact = true;
            LOG.info("Mirroring the registry: {} documents", documents.size());
        }
    }

    private void broken(int current, String why) {
        if (generation.get() == current && intact) {
            LOG.info("The registry mirror is incomplete ({}); loading it again", why);
        }
        if (generation.get() == current) {
            intact = false;
            generation.incrementAndGet(); // a load's end already on its way must not mark this copy intact
            post(this::reload);
        }
    }

    private void removeWatch() {
        if (handle == null) {
            return;
        }
        handle.removeWatches(paths.registry(), watcher, Watcher.WatcherType.Any, true, (rc, path, ctx) -> { }, null);
        handle = null;
    }

    // ---- ZooKeeper's threads ----

    /** A registry znode was created, changed or deleted (event thread): read it again, or forget it. */
    private void notified(WatchedEvent event) {
        int current = generation.get();
        switch (event.getType()) {
            case NodeCreated, NodeDataChanged -> {
                ZooKeeper reading = handle;
                if (reading != null) {
                    read(reading, event.getPath(), current);
                }
            }
            case NodeDeleted -> post(() -> {
                if (generation.get() == current) {
                    documents.remove(event.getPath());
                }
            });
            default -> { } // connection states: handled by connectionChanged
        }
    }

    /** A suspended connection may have missed notifications: load again once it is back. */
    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        switch (state) {
            case SUSPENDED, LOST -> post(() -> {
                intact = false;
                generation.incrementAndGet();
            });
            case RECONNECTED -> post(this::reload);
            default -> { }
        }
    }

    // ---- documents ----

    private DocumentKind kindOf(String path) {
        if (path.equals(paths.meta())) {
            return DocumentKind.META;
        }
        if (path.equals(paths.maintenance())) {
            return DocumentKind.MAINTENANCE;
        }
        int slash = path.lastIndexOf('/');
        String parent = slash > 0 ? path.substring(0, slash) : "";
        if (parent.equals(paths.agents())) {
            return DocumentKind.AGENT;
        }
        if (parent.equals(paths.frameworks())) {
            return DocumentKind.FRAMEWORK;
        }
        if (parent.equals(paths.roles())) {
            return DocumentKind.ROLE;
        }
        return parent.equals(paths.agentModes()) ? DocumentKind.AGENT_MODE : null;
    }

    private static Document decode(DocumentKind kind, byte[] bytes) {
        byte[] document = bytes == null ? new byte[0] : bytes;
        Function<byte[], ?> decoder = switch (kind) {
            case META -> RegistryCodec::decodeMeta;
            case AGENT -> RegistryCodec::decodeAgent;
            case FRAMEWORK -> RegistryCodec::decodeFramework;
            case ROLE -> RegistryCodec::decodeRole;
            case MAINTENANCE -> RegistryCodec::decodeMaintenance;
            case AGENT_MODE -> RegistryCodec::decodeAgentMode;
        };
        try {
            return new Document(kind, decoder.apply(document), null);
        } catch (RegistryFormatException e) {
            return new Document(kind, null, e);
        }
    }

    /** The copy as a loaded registry; a document that could not be decoded fails it, naming its znode. */
    private RegistryReader.Loaded loaded() {
        List<AgentRecord> agents = new ArrayList<>();
        List<FrameworkRecord> frameworks = new ArrayList<>();
        List<RoleRecord> roles = new ArrayList<>();
        List<AgentModeRecord> agentModes = new ArrayList<>();
        RegistryMeta meta = RegistryMeta.UNCLAIMED;
        MaintenanceRecord maintenance = MaintenanceRecord.NONE;
        List<String> entityPaths = new ArrayList<>();
        for (Map.Entry<String, Document> entry : documents.entrySet()) {
            Document document = entry.getValue();
            if (document.error() != null) {
                throw RegistryFormatException.inZnode(entry.getKey(), document.error());
            }
            if (document.kind() != DocumentKind.META) {
                entityPaths.add(entry.getKey());
            }
            switch (document.kind()) {
                case META -> meta = (RegistryMeta) document.decoded();
                case AGENT -> agents.add((AgentRecord) document.decoded());
                case FRAMEWORK -> frameworks.add((FrameworkRecord) document.decoded());
                case ROLE -> roles.add((RoleRecord) document.decoded());
                case MAINTENANCE -> maintenance = (MaintenanceRecord) document.decoded();
                case AGENT_MODE -> agentModes.add((AgentModeRecord) document.decoded());
            }
        }
        return new RegistryReader.Loaded(new RegistrySnapshot(meta, agents, frameworks, roles, maintenance,
                agentModes), entityPaths);
    }
}
