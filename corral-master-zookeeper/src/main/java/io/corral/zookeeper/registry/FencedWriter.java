package io.corral.zookeeper.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.corral.protocol.concurrent.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write pipeline of a claimed registry: turns changes into fenced ZooKeeper multis, one at a time, in order.
 *
 * <p>Every multi starts with {@code check(contender, any version)} and {@code check(meta, version at claim)}, so it
 * fails as a whole once the master's candidacy ends or another master has claimed. Once fenced, always fenced: all
 * queued and later writes fail with the same {@link FencedException}.
 *
 * <p>Group commit and pipelining: up to {@link #MAX_IN_FLIGHT} multis are in flight at once; changes queue up behind
 * them, and the next multi takes as many queued changes as fit in {@code maxBatchBytes} (ZooKeeper refuses requests
 * over its {@code jute.maxbuffer}, 1 MB by default). Multis in flight never share a znode: a change to a znode that
 * is in flight waits (and everything behind it, so the queue stays in order). ZooKeeper applies one session's
 * requests in order, so changes are applied in submission order; only a multi that has to be repaired or resent
 * after a connection loss can land after later ones, and those never touch its znodes. So changes to one entity are
 * always applied in the order they were submitted.
 *
 * <p>Create or set: a put becomes {@code create} for a znode not known to exist, {@code setData} otherwise. What
 * exists is known from {@link #seedExisting} (the store's load) and from this writer's own applied multis (it is the
 * only writer while it is not fenced). When that knowledge is wrong, or a connection loss leaves unknown whether a
 * multi was applied, ZooKeeper answers NODEEXISTS or NONODE; the writer then asks which of the batch's znodes exist
 * and sends the same batch again. Puts carry whole documents and removals are idempotent, so sending again is safe.
 *
 * <p>Threading: all fields but the counters and {@link #whenFenced} are confined to the store's writer loop; public
 * entry points post to it. Futures complete on the writer loop: callers must hop to their own thread.
 */
final class FencedWriter implements AutoCloseable {

    /** Room for the multi's framing and its two checks. */
    static final int FENCE_BYTES = 512;
    /** Per-operation framing beyond path and data: headers, version or flags, one ACL. */
    static final int OP_OVERHEAD_BYTES = 128;

    private static final Logger LOG = LoggerFactory.getLogger(FencedWriter.class);
    private static final int MAX_REPAIRS = 3;
    /** Enough to overlap encoding, sending and the quorum's commit of consecutive multis. */
    static final int MAX_IN_FLIGHT = 3;

    private final Fence fence;
    private final RegistryPaths paths;
    private final EventLoop loop;
    private final int maxBatchBytes;
    private final CompletableFuture<FencedException> whenFenced = new CompletableFuture<>();
    private final AtomicLong appliedMultis = new AtomicLong();
    private final AtomicLong writtenZnodes = new AtomicLong();

    // Confined to the loop.
    private final Deque<PendingOp> pending = new ArrayDeque<>();
    private final Map<String, Boolean> knownExists = new HashMap<>();
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    private final Set<String> pathsInFlight = new HashSet<>();
    private FencedException fenced;
    private boolean closed;

    /** One caller's request: done when all its changes are applied. */
    private static final class Request {
        final CompletableFuture<Void> done;
        int remaining;

        Request(CompletableFuture<Void> done, int changes) {
            this.done = done;
            this.remaining = changes;
        }

        void changeApplied() {
            if (--remaining == 0) {
                done.complete(null);
            }
        }
    }

    /** One change ready to send: a document for a path, or (null data) its removal. */
    private record PendingOp(String path, byte[] data, Request request) {
        int estimatedBytes() {
            return estimate(path, data);
        }
    }

    /** A multi being applied. */
    private static final class InFlight {
        final List<PendingOp> ops;
        Map<String, Boolean> existsAfter = Map.of();
        List<String> sentPaths = List.of(); // the path of each write operation sent, in order after the checks
        int znodeOps;
        int repairs;

        InFlight(List<PendingOp> ops) {
            this.ops = ops;
        }
    }

    FencedWriter(Fence fence, RegistryPaths paths, EventLoop loop, int maxBatchBytes) {
        this.fence = fence;
        this.paths = paths;
        this.loop = loop;
        this.maxBatchBytes = maxBatchBytes;
    }

    /** Starts watching for the end of leadership, so the store knows it is fenced even before it writes. */
    void start() {
        fence.session().ended().thenRun(() -> fenceLater(Fencing.sessionEnded(fence.session())));
        watchMeta();
        watchContender();
    }

    /** Only claims change meta: any change after ours means another master claimed. */
    private void watchMeta() {
        fence.session().existsAndWatch(fence.metaPath(), event -> fenceLater(event == Watcher.Event.EventType.None
                        ? Fencing.sessionEnded(fence.session())
                        : claimedByAnother()))
                .thenAccept(reply -> {
                    boolean movedAlready = reply.code() == Code.OK && reply.value().getVersion() != fence.metaVersion();
                    if (reply.code() == Code.NONODE || movedAlready) {
                        fenceLater(claimedByAnother());
                    }
                });
    }

    /** The contender znode's deletion (or the session's end) ends the candidacy. */
    private void watchContender() {
        fence.session().existsAndWatch(fence.contenderPath(), event -> {
                    if (event == Watcher.Event.EventType.NodeDeleted) {
                        fenceLater(Fencing.contenderGone(fence.contenderPath()));
                    } else if (event == Watcher.Event.EventType.None) {
                        fenceLater(Fencing.sessionEnded(fence.session()));
                    }
                })
                .thenAccept(reply -> {
                    if (reply.code() == Code.NONODE) {
                        fenceLater(Fencing.contenderGone(fence.contenderPath()));
                    }
                });
    }

    /** From a ZooKeeper thread: fence on the loop. */
    private void fenceLater(FencedException why) {
        loop.execute(() -> fence(why));
    }

    /** Queues changes; the future completes when ZooKeeper has applied all of them. */
    CompletableFuture<Void> submit(List<RegistryBatch.Change> changes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (changes.isEmpty()) {
            done.complete(null);
            return done;
        }
        loop.submit(() -> {
            enqueue(changes, done);
            return null;
        }).exceptionally(rejected -> {
            done.completeExceptionally(closedException());
            return null;
        });
        return done;
    }

    /** Tells the writer which znodes a read found (only fills in znodes it knows nothing about yet). */
    void seedExisting(Collection<String> existingPaths) {
        loop.execute(() -> existingPaths.forEach(path -> knownExists.putIfAbsent(path, true)));
    }

    boolean isFenced() {
        return whenFenced.isDone();
    }

    CompletableFuture<FencedException> whenFenced() {
        return whenFenced;
    }

    WriteStats stats() {
        return new WriteStats(appliedMultis.get(), writtenZnodes.get());
    }

    /** Fails whatever is queued; must run on the loop (the store calls it there before closing the loop). */
    @Override
    public void close() {
        closed = true;
        failAll(closedException());
        fence.session().close();
    }

    // ---- on the loop ----

    private void enqueue(List<RegistryBatch.Change> changes, CompletableFuture<Void> done) {
        if (closed || fenced != null) {
            done.completeExceptionally(closed ? closedException() : fenced);
            return;
        }
        Request request = new Request(done, changes.size());
        List<PendingOp> ops = new ArrayList<>(changes.size());
        for (RegistryBatch.Change change : changes) {
            String path = paths.of(change.kind(), change.id());
            byte[] data;
            try {
                data = change.isRemoval() ? null : change.encoder().get();
            } catch (RuntimeException e) {
                done.completeExceptionally(new UnstorableDocumentException("could not encode " + path + ": "
                        + e.getMessage(), e));
                return;
            }
            if (FENCE_BYTES + estimate(path, data) > maxBatchBytes) {
                done.completeExceptionally(new UnstorableDocumentException("the document for " + path + " is "
                        + data.length + " bytes; registry documents must stay under " + (maxBatchBytes - FENCE_BYTES
                        - OP_OVERHEAD_BYTES) + " bytes: keep large data out of the registry"));
                return;
            }
            ops.add(new PendingOp(path, data, request));
        }
        pending.addAll(ops);
        pump();
    }

    /** Sends multis while fewer than {@link #MAX_IN_FLIGHT} are in flight and changes are queued. */
    private void pump() {
        while (inFlight.size() < MAX_IN_FLIGHT && fenced == null && !closed) {
            List<PendingOp> batch = nextBatch();
            if (batch.isEmpty()) {
                return;
            }
            InFlight multi = new InFlight(batch);
            inFlight.addLast(multi);
            batch.forEach(op -> pathsInFlight.add(op.path()));
            send(multi);
        }
    }

    /** Takes queued changes in order, up to the size cap, stopping at one whose znode is in flight. */
    private List<PendingOp> nextBatch() {
        List<PendingOp> batch = new ArrayList<>();
        long bytes = FENCE_BYTES;
        while (!pending.isEmpty()) {
            PendingOp next = pending.peekFirst();
            if (next.request().done.isDone()) { // its request already failed
                pending.pollFirst();
                continue;
            }
            if (pathsInFlight.contains(next.path())
                    || !batch.isEmpty() && bytes + next.estimatedBytes() > maxBatchBytes) {
                break;
            }
            batch.add(pending.pollFirst());
            bytes += next.estimatedBytes();
        }
        return batch;
    }

    private void send(InFlight multi) {
        List<Op> ops = new ArrayList<>(multi.ops.size() + 2);
        ops.add(Op.check(fence.contenderPath(), -1));
        ops.add(Op.check(fence.metaPath(), fence.metaVersion()));
        Map<String, Boolean> after = new HashMap<>();
        List<String> sentPaths = new ArrayList<>(multi.ops.size());
        for (PendingOp op : multi.ops) {
            Boolean exists = after.containsKey(op.path()) ? after.get(op.path()) : knownExists.get(op.path());
            if (op.data() != null) {
                ops.add(Boolean.TRUE.equals(exists)
                        ? Op.setData(op.path(), op.data(), -1)
                        : Op.create(op.path(), op.data(), fence.registryAcl(), CreateMode.PERSISTENT));
                sentPaths.add(op.path());
                after.put(op.path(), true);
            } else {
                if (!Boolean.FALSE.equals(exists)) { // unknown: try; NONODE is repaired
                    ops.add(Op.delete(op.path(), -1));
                    sentPaths.add(op.path());
                }
                after.put(op.path(), false);
            }
        }
        multi.existsAfter = after;
        multi.sentPaths = sentPaths;
        multi.znodeOps = ops.size() - 2;
        if (multi.znodeOps == 0) { // only removals of absent znodes: nothing to do
            loop.execute(() -> onApplied(multi));
            return;
        }
        try {
            fence.session().multi(ops).whenComplete((reply, error) -> loop.execute(() -> {
                if (error != null) {
                    failInFlight(multi, new RegistryWriteException("the registry write failed: " + error, error));
                } else {
                    onReply(multi, reply.code(), reply.value());
                }
            }));
        } catch (RuntimeException e) { // e.g. a path ZooKeeper's client rejects
            failInFlight(multi, new RegistryWriteException("the registry write failed: " + e.getMessage(), e));
        }
    }

    private void onReply(InFlight multi, Code code, List<OpResult> results) {
        if (!inFlight.contains(multi)) {
            return; // fenced or closed meanwhile
        }
        switch (code) {
            case OK -> onApplied(multi);
            case SESSIONEXPIRED, SESSIONMOVED -> fenceAndFail(multi, Fencing.sessionEnded(fence.session()));
            case CONNECTIONLOSS, OPERATIONTIMEOUT -> resendWhenConnected(multi, code);
            default -> onRefused(multi, code, results);
        }
    }

    private void onRefused(InFlight multi, Code code, List<OpResult> results) {
        int failed = ZkSession.failedIndex(results).orElse(-1);
        if (failed == 0) {
            fenceAndFail(multi, Fencing.contenderGone(fence.contenderPath()));
        } else if (failed == 1) {
            fenceAndFail(multi, claimedByAnother());
        } else if ((code == Code.NODEEXISTS || code == Code.NONODE) && multi.repairs < MAX_REPAIRS) {
            repair(multi);
        } else {
            String path = failed >= 2 ? " at " + multi.sentPaths.get(failed - 2) : "";
            failInFlight(multi, new RegistryWriteException("ZooKeeper refused a registry write" + path + ": "
                    + code + " (" + multi.ops.size() + " changes not applied)"));
        }
    }

    private void onApplied(InFlight multi) {
        knownExists.putAll(multi.existsAfter);
        appliedMultis.incrementAndGet();
        writtenZnodes.addAndGet(multi.znodeOps);
        for (PendingOp op : multi.ops) {
            op.request().changeApplied();
        }
        finish(multi);
        pump();
    }

    /** Learns which of the batch's znodes exist, then sends the batch again. */
    private void repair(InFlight multi) {
        multi.repairs++;
        Set<String> batchPaths = new LinkedHashSet<>();
        multi.ops.forEach(op -> batchPaths.add(op.path()));
        Map<String, CompletableFuture<ZkSession.Reply<org.apache.zookeeper.data.Stat>>> probes = new HashMap<>();
        batchPaths.forEach(path -> probes.put(path, fence.session().exists(path)));
        CompletableFuture.allOf(probes.values().toArray(CompletableFuture[]::new)).whenComplete((ok, error) ->
                loop.execute(() -> {
                    if (!inFlight.contains(multi)) {
                        return;
                    }
                    probes.forEach((path, probe) -> {
                        Code answer = probe.join().code();
                        if (answer == Code.OK || answer == Code.NONODE) {
                            knownExists.put(path, answer == Code.OK);
                        } else {
                            knownExists.remove(path);
                        }
                    });
                    send(multi);
                }));
    }

    private void resendWhenConnected(InFlight multi, Code code) {
        LOG.warn("Registry write of {} changes got {}; sending it again once ZooKeeper is reachable",
                multi.ops.size(), code);
        fence.session().awaitConnected().thenAccept(connected -> loop.execute(() -> {
            if (!inFlight.contains(multi)) {
                return;
            }
            if (connected) {
                send(multi);
            } else {
                fenceAndFail(multi, Fencing.sessionEnded(fence.session()));
            }
        }));
    }

    private void failInFlight(InFlight multi, RuntimeException error) {
        if (!inFlight.contains(multi)) {
            return;
        }
        LOG.warn("Registry write failed: {}", error.getMessage());
        multi.ops.forEach(op -> op.request().done.completeExceptionally(error));
        finish(multi);
        pump();
    }

    private void finish(InFlight multi) {
        inFlight.remove(multi);
        multi.ops.forEach(op -> pathsInFlight.remove(op.path()));
    }

    /**
     * Stops writing for good: queued changes fail at once. Multis already sent are left to their replies: one that
     * ZooKeeper applied (its checks passed, so it was still this store's term) reports success, one it refused
     * fails; failing them now could call a write refused that ZooKeeper applies a moment later (the watch that
     * fenced may arrive before the reply), and the caller would forget what the registry holds.
     */
    private void fence(FencedException why) {
        if (fenced != null || closed) {
            return;
        }
        fenced = why;
        LOG.warn("Registry fenced: {}", why.getMessage());
        pending.forEach(op -> op.request().done.completeExceptionally(why));
        pending.clear();
        whenFenced.complete(why);
    }

    /** {@code multi} was not applied because this store's term is over: fences, and fails the multi's changes. */
    private void fenceAndFail(InFlight multi, FencedException why) {
        fence(why);
        failInFlight(multi, fenced != null ? fenced : why);
    }

    private void failAll(RuntimeException error) {
        inFlight.forEach(multi -> multi.ops.forEach(op -> op.request().done.completeExceptionally(error)));
        inFlight.clear();
        pathsInFlight.clear();
        pending.forEach(op -> op.request().done.completeExceptionally(error));
        pending.clear();
    }

    private FencedException claimedByAnother() {
        return Fencing.claimedByAnother(fence.epoch());
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("the registry store is closed");
    }

    private static int estimate(String path, byte[] data) {
        return OP_OVERHEAD_BYTES + path.getBytes(UTF_8).length + (data == null ? 0 : data.length);
    }
}
