package io.corral.zookeeper.registry;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.zookeeper.ZkAcls;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.zookeeper.data.ACL;

/**
 * The durable registry in ZooKeeper ({@code docs/architecture.md}, "ZooKeeper layout"): agents, frameworks, roles
 * and meta, one znode per entity, written only by the leading master and fenced so that a deposed leader can never
 * write.
 *
 * <p>Life of a store, one per leadership term:
 * <ol>
 *   <li>{@link #claimLeadership} once, after the master's contender znode became the lowest: it increments the
 *       leader epoch in meta, conditional on the contender znode existing in this very session;</li>
 *   <li>{@link #load()}: everything written before, for replay through the master's apply path. Load after the
 *       claim: then no earlier leader's write can land after the snapshot;</li>
 *   <li>writes ({@link #write}, {@link #putAgent}, ...), each one fenced multi (or several in order, see
 *       {@link RegistryBatch}), until the store is fenced or closed.</li>
 * </ol>
 *
 * <p>Fencing: every write multi checks that the contender znode exists and that meta still has the version this
 * master's claim gave it, and runs in the ZooKeeper session that claimed. A write after the session ended, after the
 * contender znode was deleted, or after another master claimed, fails with {@link FencedException}: even if this
 * master has not noticed yet. Fencing is permanent for the store; {@link #whenFenced()} reports it as soon as the
 * store sees it (through a watch, a session event or a refused write), so the master can step down.
 *
 * <p>Ordering: writes are applied in the order they were submitted: a few multis are in flight at once and
 * ZooKeeper applies one session's requests in order. The one exception is a multi that must be sent again (after a
 * connection loss, or to repair a create/set guess): it may land after later multis, but those never touch the same
 * znodes. So changes to one agent, framework or role are always applied in submission order, and a future that
 * completed means its changes and every earlier change to the same entities are durable. If a write fails, later
 * ones are still attempted (unless the store is fenced, which fails them all).
 *
 * <p>Threading: thread-safe; no method blocks. Writes are queued and the calling thread (the master's event loop)
 * returns at once; documents are encoded and multis built on the store's own writer thread. Returned futures
 * complete on a store thread: hop to your own loop (e.g. {@code thenAcceptAsync(..., loop)}) and never block there.
 */
public final class RegistryStore implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RegistryStore.class);

    /**
     * Default cap of one multi's size: three quarters of ZooKeeper's default {@code jute.maxbuffer} (1 MB), which the
     * request and the leader's proposal to followers must both stay under; the rest is headroom for framing (already
     * over-estimated per operation). Bigger multis cost the ensemble less CPU per znode (bench/registry-admission).
     */
    public static final int DEFAULT_MAX_BATCH_BYTES = 768 * 1024;

    private final CuratorFramework zk;
    private final RegistryPaths paths;
    private final int maxBatchBytes;
    private final EventLoop loop;
    private final RegistryReader reader;
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** The ZooKeeper session that claims (0 before the claim): a mirror is trusted only in that session. */
    private volatile long claimSessionId;
    private final CompletableFuture<FencedWriter> writer = new CompletableFuture<>();
    private volatile boolean closed;

    /** A store under {@code rootPath} (e.g. "/corral") with the default batch size. */
    public RegistryStore(CuratorFramework zk, String rootPath) {
        this(zk, rootPath, DEFAULT_MAX_BATCH_BYTES);
    }

    /**
     * @param zk            a started client; the store does not close it
     * @param rootPath      the Corral root, e.g. "/corral"
     * @param maxBatchBytes the largest multi to send (and so the largest document); at most ZooKeeper's
     *                      {@code jute.maxbuffer} minus some headroom
     */
    public RegistryStore(CuratorFramework zk, String rootPath, int maxBatchBytes) {
        this.zk = Objects.requireNonNull(zk, "zk");
        this.paths = new RegistryPaths(rootPath);
        if (maxBatchBytes < 4096 || maxBatchBytes > 1_000_000) {
            throw new IllegalArgumentException("maxBatchBytes " + maxBatchBytes
                    + " is out of range: use 4096..1000000 (ZooKeeper's default jute.maxbuffer is 1 MB)");
        }
        this.maxBatchBytes = maxBatchBytes;
        this.loop = new EventLoop("registry-writer");
        this.reader = new RegistryReader(zk, paths, loop::execute);
    }

    public RegistryPaths paths() {
        return paths;
    }

    /**
     * Claims the registry for this master's leadership term (call once, when the master's contender znode leads).
     *
     * @param ownContenderPath the master's own {@code json.info_} znode, e.g. from
     *                         {@code MasterContender.ownNodePath()}; it must be owned by {@code zk}'s current session
     * @param master           this master; its id and address are recorded in meta as the last leader
     * @return completes with the metas before and after the claim; fails with {@link FencedException} if the
     *         contender znode is gone or not this session's, or another master claimed at the same moment; with
     *         {@link RegistryFormatException} if meta was written by a newer Corral
     * @throws IllegalStateException if called twice
     */
    public CompletableFuture<LeadershipClaim> claimLeadership(String ownContenderPath, MasterInfo master) {
        Objects.requireNonNull(ownContenderPath, "ownContenderPath");
        Objects.requireNonNull(master, "master");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the registry store is closed"));
        }
        if (!claimed.compareAndSet(false, true)) {
            throw new IllegalStateException("a RegistryStore claims leadership once; use a new store for a new term");
        }
        RegistryMeta.Leader self = new RegistryMeta.Leader(master.getId(), MasterInfos.httpAddress(master));
        ZkSession session;
        List<ACL> registryAcl;
        try {
            // Registry znodes are all private to Corral, so one ACL (from the client's provider) fits them all.
            registryAcl = ZkAcls.forCreate(zk, paths.meta());
            session = new ZkSession(zk);
            claimSessionId = session.sessionId();
        } catch (Exception e) {
            return CompletableFuture.failedFuture(new RegistryWriteException("no ZooKeeper session to claim in", e));
        }
        return new RegistryClaimer(session, paths, ownContenderPath, self, registryAcl).claim()
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        session.close();
                    }
                })
                .thenApplyAsync(claimedWith -> {
                    FencedWriter started = new FencedWriter(claimedWith.fence(), paths, loop, maxBatchBytes);
                    started.start();
                    writer.complete(started);
                    return claimedWith.claim();
                }, loop::execute);
    }

    /**
     * Reads the whole registry (see {@link RegistryStore} for when). Fails with {@link RegistryFormatException}
     * naming the znode if a document cannot be read.
     */
    public CompletableFuture<RegistrySnapshot> load() {
        return seeded(reader.load());
    }

    /**
     * Like {@link #load()}, from {@code mirror}'s copy when it can vouch for it after this store's claim (see
     * {@link RegistryMirror}): one read instead of every document. Otherwise reads the registry whole.
     */
    public CompletableFuture<RegistrySnapshot> load(RegistryMirror mirror) {
        long session = claimSessionId;
        if (session == 0) {
            throw new IllegalStateException("load after claimLeadership has completed");
        }
        return seeded(mirror.afterClaim(session).thenCompose(copy -> {
            if (copy.isPresent()) {
                return CompletableFuture.completedFuture(copy.get());
            }
            LOG.info("The registry mirror cannot vouch for the registry after this claim: reading it whole");
            return reader.load();
        }));
    }

    private CompletableFuture<RegistrySnapshot> seeded(CompletableFuture<RegistryReader.Loaded> loading) {
        return loading.thenApply(loaded -> {
            writer.thenAccept(w -> w.seedExisting(loaded.entityPaths()));
            return loaded.snapshot();
        });
    }

    /** Applies a batch of changes (in order; see {@link RegistryBatch} for atomicity). */
    public CompletableFuture<Void> write(RegistryBatch batch) {
        return claimedWriter().submit(batch.changes());
    }

    /** Creates or replaces an agent's entry. */
    public CompletableFuture<Void> putAgent(AgentRecord agent) {
        return write(new RegistryBatch().putAgent(agent));
    }

    /** Deletes an agent's entry (for garbage collection of gone agents; Mesos marks agents gone instead). */
    public CompletableFuture<Void> removeAgent(String agentId) {
        return write(new RegistryBatch().removeAgent(agentId));
    }

    /** Creates or replaces a framework's entry, e.g. with or without its failover deadline. */
    public CompletableFuture<Void> putFramework(FrameworkRecord framework) {
        return write(new RegistryBatch().putFramework(framework));
    }

    /** Deletes a framework's entry once it is torn down; no error if it is not there. */
    public CompletableFuture<Void> removeFramework(String frameworkId) {
        return write(new RegistryBatch().removeFramework(frameworkId));
    }

    /** Creates or replaces a role's entry. */
    public CompletableFuture<Void> putRole(RoleRecord role) {
        return write(new RegistryBatch().putRole(role));
    }

    /** Deletes a role's entry; no error if it is not there. */
    public CompletableFuture<Void> removeRole(String role) {
        return write(new RegistryBatch().removeRole(role));
    }

    /** True once this store knows it can never write again. */
    public boolean isFenced() {
        FencedWriter w = writer.getNow(null);
        return w != null && w.isFenced();
    }

    /**
     * Completes (on a store or ZooKeeper thread) when the store learns it is fenced: its session ended, its contender
     * znode was deleted, or another master claimed. Never completes before a successful claim.
     */
    public CompletableFuture<FencedException> whenFenced() {
        return writer.thenCompose(FencedWriter::whenFenced);
    }

    /** Applied multis and znodes written so far. */
    public WriteStats stats() {
        FencedWriter w = writer.getNow(null);
        return w == null ? new WriteStats(0, 0) : w.stats();
    }

    /**
     * Fails queued writes with {@link IllegalStateException} and stops the writer thread; does not close zk. Closing
     * does not delete anything or change meta: the next leader's claim is what ends this store's term for others.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Runnable closeWriter = () -> {
            FencedWriter w = writer.getNow(null);
            if (w != null) {
                w.close();
            }
        };
        if (loop.inLoop()) { // called from a callback of one of our futures
            closeWriter.run();
        } else {
            loop.submit(() -> {
                closeWriter.run();
                return null;
            }).join();
        }
        loop.close();
    }

    private FencedWriter claimedWriter() {
        if (closed) {
            throw new IllegalStateException("the registry store is closed");
        }
        FencedWriter w = writer.getNow(null);
        if (w == null) {
            throw new IllegalStateException("no registry writes before claimLeadership has completed");
        }
        return w;
    }
}
