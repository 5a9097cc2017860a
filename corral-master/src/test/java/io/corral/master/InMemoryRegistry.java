package io.corral.master;

import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.MaintenanceRecord;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RoleRecord;
import io.corral.zookeeper.registry.UnstorableDocumentException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of unit tests: writes land in maps at once (the fenced ZooKeeper store has its own tests), or, while
 * {@link #refuse} is set, fail as a fenced or quorum-less ZooKeeper would and change nothing.
 */
final class InMemoryRegistry implements Registry {
    final Map<String, AgentRecord> agents = new ConcurrentHashMap<>();
    final Map<String, FrameworkRecord> frameworks = new ConcurrentHashMap<>();
    final Map<String, RoleRecord> roles = new ConcurrentHashMap<>();
    final Map<String, AgentModeRecord> agentModes = new ConcurrentHashMap<>();
    volatile MaintenanceRecord maintenance = MaintenanceRecord.NONE;
    volatile boolean refuse;
    /** While set, every write fails as the ZooKeeper store fails a document too large to store. */
    volatile boolean tooLarge;
    /** While set, every write throws at once, as the ZooKeeper store does once it is closed (its term ended). */
    volatile boolean closed;
    /** While set, writes wait in here (as a slow ZooKeeper keeps them) until {@link #releaseHeld}. */
    private volatile java.util.Queue<Runnable> held;

    @Override
    public CompletableFuture<Void> putMaintenance(MaintenanceRecord maintenance) {
        return write(() -> this.maintenance = maintenance);
    }

    @Override
    public CompletableFuture<Void> putAgentMode(AgentModeRecord mode) {
        return write(() -> agentModes.put(mode.agentId(), mode));
    }

    @Override
    public CompletableFuture<Void> removeAgentMode(String agentId) {
        return write(() -> agentModes.remove(agentId));
    }

    @Override
    public CompletableFuture<Void> markAgentGone(AgentRecord gone) {
        return write(() -> {
            agents.put(gone.id(), gone);
            agentModes.remove(gone.id());
        });
    }

    @Override
    public CompletableFuture<Void> putAgent(AgentRecord agent) {
        return write(() -> agents.put(agent.id(), agent));
    }

    @Override
    public CompletableFuture<Void> putFramework(FrameworkRecord framework) {
        return write(() -> frameworks.put(framework.id(), framework));
    }

    @Override
    public CompletableFuture<Void> removeFramework(String frameworkId) {
        return write(() -> frameworks.remove(frameworkId));
    }

    @Override
    public CompletableFuture<Void> updateRoles(List<RoleRecord> put, List<String> removed) {
        return write(() -> {
            put.forEach(role -> roles.put(role.role(), role));
            removed.forEach(roles::remove);
        });
    }

    private CompletableFuture<Void> write(Runnable change) {
        if (closed) {
            throw new IllegalStateException("the registry store is closed");
        }
        if (refuse) {
            return CompletableFuture.failedFuture(new IllegalStateException("ZooKeeper refused the write (test)"));
        }
        if (tooLarge) {
            return CompletableFuture.failedFuture(new UnstorableDocumentException("the document is 2000184 bytes;"
                    + " registry documents must stay under 785792 bytes (test)"));
        }
        java.util.Queue<Runnable> waiting = held;
        if (waiting != null) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            waiting.add(() -> {
                change.run();
                done.complete(null);
            });
            return done;
        }
        change.run();
        return CompletableFuture.completedFuture(null);
    }

    /** From now on writes stay in flight until {@link #releaseHeld}. */
    void holdWrites() {
        held = new java.util.concurrent.ConcurrentLinkedQueue<>();
    }

    /** Completes the writes held so far, in order, and lets later ones through at once. */
    void releaseHeld() {
        java.util.Queue<Runnable> waiting = held;
        held = null;
        for (Runnable write; waiting != null && (write = waiting.poll()) != null; ) {
            write.run();
        }
    }
}
