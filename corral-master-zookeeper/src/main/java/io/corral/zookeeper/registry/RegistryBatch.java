package io.corral.zookeeper.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Changes to write together through {@link RegistryStore#write(RegistryBatch)}: ZooKeeper applies them in one
 * fenced {@code multi} (all or nothing) unless together they exceed the store's batch size, in which case they are
 * split in order into several multis, each all or nothing. Later changes to the same entity win.
 *
 * <p>Ids are checked when a change is added (an invalid id throws {@link IllegalArgumentException} here);
 * documents are encoded later on the store's writer thread. Not thread-safe: build it on one thread, then hand it
 * to the store, which copies it.
 */
public final class RegistryBatch {

    /** One change: a document to put at an entity's znode, or (when {@code encoder} is null) the znode's removal. */
    record Change(DocumentKind kind, String id, Supplier<byte[]> encoder) {
        Change {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(id, "id");
        }

        boolean isRemoval() {
            return encoder == null;
        }
    }

    private final List<Change> changes = new ArrayList<>();

    public RegistryBatch putAgent(AgentRecord agent) {
        return add(new Change(DocumentKind.AGENT, agent.id(), () -> RegistryCodec.encodeAgent(agent)));
    }

    /** Removes an agent's entry (Mesos never forgets gone agents; use this only to garbage-collect them). */
    public RegistryBatch removeAgent(String agentId) {
        RegistryPaths.nodeName(agentId, "agent id");
        return add(new Change(DocumentKind.AGENT, agentId, null));
    }

    public RegistryBatch putFramework(FrameworkRecord framework) {
        return add(new Change(DocumentKind.FRAMEWORK, framework.id(), () -> RegistryCodec.encodeFramework(framework)));
    }

    /** Removes a framework's entry (it was torn down); removing one that is not there is not an error. */
    public RegistryBatch removeFramework(String frameworkId) {
        RegistryPaths.nodeName(frameworkId, "framework id");
        return add(new Change(DocumentKind.FRAMEWORK, frameworkId, null));
    }

    public RegistryBatch putRole(RoleRecord role) {
        return add(new Change(DocumentKind.ROLE, role.role(), () -> RegistryCodec.encodeRole(role)));
    }

    /** Removes a role's entry; removing one that is not there is not an error. */
    public RegistryBatch removeRole(String role) {
        RegistryPaths.nodeName(role, "role");
        return add(new Change(DocumentKind.ROLE, role, null));
    }

    /** Replaces the maintenance schedule and the machines that are down. */
    public RegistryBatch putMaintenance(MaintenanceRecord maintenance) {
        return add(new Change(DocumentKind.MAINTENANCE, MaintenanceRecord.ID,
                () -> RegistryCodec.encodeMaintenance(maintenance)));
    }

    public RegistryBatch putAgentMode(AgentModeRecord mode) {
        return add(new Change(DocumentKind.AGENT_MODE, mode.agentId(), () -> RegistryCodec.encodeAgentMode(mode)));
    }

    /** Removes an agent's mode (reactivated, or gone); removing one that is not there is not an error. */
    public RegistryBatch removeAgentMode(String agentId) {
        RegistryPaths.nodeName(agentId, "agent id");
        return add(new Change(DocumentKind.AGENT_MODE, agentId, null));
    }

    public int size() {
        return changes.size();
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    private RegistryBatch add(Change change) {
        changes.add(change);
        return this;
    }
}
