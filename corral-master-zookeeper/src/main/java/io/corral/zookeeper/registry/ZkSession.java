package io.corral.zookeeper.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * One ZooKeeper session, pinned: the raw handle Curator had when a master claimed the registry. All fenced
 * operations go through this handle, never through Curator's current one, because a ZooKeeper handle never changes
 * session: once its session has ended (expired, or abandoned by Curator), every operation on it fails. So no write
 * can slip through in a later session that does not own the master's {@code json.info_} znode.
 *
 * <p>The async methods complete with ZooKeeper's result code instead of failing, so callers decide what each code
 * means. Connection changes reach {@link #awaitConnected()} through Curator's connection state events.
 *
 * <p>Threading: thread-safe. Futures complete on ZooKeeper's event thread or a Curator thread: callers must hop to
 * their own thread and must not block there.
 */
final class ZkSession implements AutoCloseable {

    /** A result code with the data a read returned (or null). */
    record Reply<T>(Code code, T value) {
    }

    private final CuratorFramework curator;
    private final ZooKeeper handle;
    private final long sessionId;
    private final ConnectionStateListener listener = this::onConnectionState;
    private final List<CompletableFuture<Boolean>> connectionWaiters = new ArrayList<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    /** Pins the session Curator holds now. */
    ZkSession(CuratorFramework curator) throws Exception {
        this.curator = curator;
        this.handle = curator.getZookeeperClient().getZooKeeper();
        this.sessionId = handle.getSessionId();
        curator.getConnectionStateListenable().addListener(listener);
    }

    long sessionId() {
        return sessionId;
    }

    /** False once the session ended: nothing can be done with it any more. */
    boolean isAlive() {
        return handle.getState().isAlive();
    }

    CompletableFuture<Reply<Stat>> exists(String path) {
        CompletableFuture<Reply<Stat>> reply = new CompletableFuture<>();
        handle.exists(path, false, (rc, p, ctx, stat) -> reply.complete(new Reply<>(Code.get(rc), stat)), null);
        return reply;
    }

    /**
     * Like {@link #exists(String)}, and tells {@code onEvent} once what happened to the node (created, changed or
     * deleted), or {@code EventType.None} if the session ended first. ZooKeeper keeps the watch across reconnections
     * within the session, so disconnections are not reported.
     */
    CompletableFuture<Reply<Stat>> existsAndWatch(String path, Consumer<Watcher.Event.EventType> onEvent) {
        CompletableFuture<Reply<Stat>> reply = new CompletableFuture<>();
        Watcher watcher = event -> {
            boolean nodeEvent = event.getType() != Watcher.Event.EventType.None;
            if (nodeEvent || event.getState() == Watcher.Event.KeeperState.Expired
                    || event.getState() == Watcher.Event.KeeperState.Closed) {
                onEvent.accept(event.getType());
            }
        };
        handle.exists(path, watcher, (rc, p, ctx, stat) -> reply.complete(new Reply<>(Code.get(rc), stat)), null);
        return reply;
    }

    /** Completes once this session is seen to have ended (checked on every connection state change). */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** The data and its stat. */
    CompletableFuture<Reply<Data>> getData(String path) {
        CompletableFuture<Reply<Data>> reply = new CompletableFuture<>();
        handle.getData(path, false, (rc, p, ctx, data, stat) ->
                reply.complete(new Reply<>(Code.get(rc), rc == 0 ? new Data(data, stat) : null)), null);
        return reply;
    }

    record Data(byte[] bytes, Stat stat) {
    }

    CompletableFuture<Reply<List<String>>> getChildren(String path) {
        CompletableFuture<Reply<List<String>>> reply = new CompletableFuture<>();
        handle.getChildren(path, false, (rc, p, ctx, children) ->
                reply.complete(new Reply<>(Code.get(rc), children)), null);
        return reply;
    }

    /**
     * Runs a multi. The reply's code is the first failing operation's (OK if all succeeded); its value holds the
     * per-operation results, or null when the request itself failed (connection loss, session expiry).
     */
    CompletableFuture<Reply<List<OpResult>>> multi(List<Op> ops) {
        CompletableFuture<Reply<List<OpResult>>> reply = new CompletableFuture<>();
        handle.multi(ops, (rc, p, ctx, results) -> reply.complete(new Reply<>(Code.get(rc), results)), null);
        return reply;
    }

    /** Index of the operation that made a multi fail, if the results say. */
    static Optional<Integer> failedIndex(List<OpResult> results) {
        if (results == null) {
            return Optional.empty();
        }
        for (int i = 0; i < results.size(); i++) {
            // Operations before the failing one report OK, those after it RUNTIMEINCONSISTENCY.
            if (results.get(i) instanceof OpResult.ErrorResult error && error.getErr() != Code.OK.intValue()) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /**
     * Completes with true when the pinned session is connected (at once if it is), with false when it has ended.
     */
    CompletableFuture<Boolean> awaitConnected() {
        CompletableFuture<Boolean> waiter = new CompletableFuture<>();
        synchronized (connectionWaiters) {
            connectionWaiters.add(waiter);
        }
        settleWaiters(); // the state may have changed before the waiter was added
        return waiter;
    }

    @Override
    public void close() {
        curator.getConnectionStateListenable().removeListener(listener);
        synchronized (connectionWaiters) {
            connectionWaiters.forEach(waiter -> waiter.complete(false));
            connectionWaiters.clear();
        }
    }

    private void onConnectionState(CuratorFramework client, ConnectionState state) {
        settleWaiters();
    }

    private void settleWaiters() {
        ZooKeeper.States state = handle.getState();
        if (!state.isAlive()) {
            ended.complete(null);
        }
        if (state.isAlive() && !state.isConnected()) {
            return; // still trying to reconnect within the session
        }
        List<CompletableFuture<Boolean>> ready;
        synchronized (connectionWaiters) {
            ready = new ArrayList<>(connectionWaiters);
            connectionWaiters.clear();
        }
        ready.forEach(waiter -> waiter.complete(state.isAlive()));
    }
}
