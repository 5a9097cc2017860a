package io.corral.zookeeper.registry;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Everything the registry held when it was read, each list sorted by id so that replaying it is deterministic.
 * Immutable.
 *
 * @param maintenance the maintenance schedule and down machines ({@link MaintenanceRecord#NONE} when never set)
 * @param agentModes  agents an operator deactivated or is draining
 */
public record RegistrySnapshot(RegistryMeta meta, List<AgentRecord> agents, List<FrameworkRecord> frameworks,
                               List<RoleRecord> roles, MaintenanceRecord maintenance,
                               List<AgentModeRecord> agentModes) {

    public RegistrySnapshot {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(maintenance, "maintenance");
        agents = agents.stream().sorted(Comparator.comparing(AgentRecord::id)).toList();
        frameworks = frameworks.stream().sorted(Comparator.comparing(FrameworkRecord::id)).toList();
        roles = roles.stream().sorted(Comparator.comparing(RoleRecord::role)).toList();
        agentModes = agentModes.stream().sorted(Comparator.comparing(AgentModeRecord::agentId)).toList();
    }

    /** A registry with no maintenance and no agent modes. */
    public RegistrySnapshot(RegistryMeta meta, List<AgentRecord> agents, List<FrameworkRecord> frameworks,
                            List<RoleRecord> roles) {
        this(meta, agents, frameworks, roles, MaintenanceRecord.NONE, List.of());
    }
}
