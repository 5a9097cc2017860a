package io.corral.master;

import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.MaintenanceRecord;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RegistryBatch;
import io.corral.zookeeper.registry.RegistryStore;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the master makes durable ({@code docs/architecture.md}, "Registry and replay"): admitted agents and their
 * state, frameworks and their failover deadlines, roles' weights and quota, the maintenance schedule, what operators
 * set on agents (deactivated, draining). Writes are asynchronous, so the event loop never waits on
 * ZooKeeper; the master acknowledges a change (REGISTERED, SUBSCRIBED) only once its write completed. In production
 * this is the fenced {@link RegistryStore}: a write from a deposed leader fails.
 */
public interface Registry {
    CompletableFuture<Void> putAgent(AgentRecord agent);

    CompletableFuture<Void> putFramework(FrameworkRecord framework);

    CompletableFuture<Void> removeFramework(String frameworkId);

    /**
     * Puts {@code roles} and removes the roles named in {@code removed}, together: one atomic write (the role
     * documents are small, so they fit one batch).
     */
    CompletableFuture<Void> updateRoles(List<RoleRecord> roles, List<String> removed);

    /** Replaces the maintenance schedule and the machines that are down. */
    CompletableFuture<Void> putMaintenance(MaintenanceRecord maintenance);

    /** Records what an operator set on an agent (deactivated, draining, drained). */
    CompletableFuture<Void> putAgentMode(AgentModeRecord mode);

    /** Forgets what an operator set on an agent: it is active again. */
    CompletableFuture<Void> removeAgentMode(String agentId);

    /** Writes the agent as gone and removes its mode, together. */
    CompletableFuture<Void> markAgentGone(AgentRecord gone);

    /** The fenced ZooKeeper store of one leadership term. */
    static Registry of(RegistryStore store) {
        return new Registry() {
            @Override
            public CompletableFuture<Void> putAgent(AgentRecord agent) {
                return store.putAgent(agent);
            }

            @Override
            public CompletableFuture<Void> putFramework(FrameworkRecord framework) {
                return store.putFramework(framework);
            }

            @Override
            public CompletableFuture<Void> removeFramework(String frameworkId) {
                return store.removeFramework(frameworkId);
            }

            @Override
            public CompletableFuture<Void> updateRoles(List<RoleRecord> roles, List<String> removed) {
                RegistryBatch batch = new RegistryBatch();
                roles.forEach(batch::putRole);
                removed.forEach(batch::removeRole);
                return store.write(batch);
            }

            @Override
            public CompletableFuture<Void> putMaintenance(MaintenanceRecord maintenance) {
                return store.write(new RegistryBatch().putMaintenance(maintenance));
            }

            @Override
            public CompletableFuture<Void> putAgentMode(AgentModeRecord mode) {
                return store.write(new RegistryBatch().putAgentMode(mode));
            }

            @Override
            public CompletableFuture<Void> removeAgentMode(String agentId) {
                return store.write(new RegistryBatch().removeAgentMode(agentId));
            }

            @Override
            public CompletableFuture<Void> markAgentGone(AgentRecord gone) {
                return store.write(new RegistryBatch().putAgent(gone).removeAgentMode(gone.id()));
            }
        };
    }
}
