package io.corral.zookeeper.registry;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Everything the registry held when it was read, each list sorted by id so that replaying it is deterministic.
 * Immutable.
 */
public record RegistrySnapshot(RegistryMeta meta, List<AgentRecord> agents, List<FrameworkRecord> frameworks,
                               List<RoleRecord> roles) {

    public RegistrySnapshot {
        Objects.requireNonNull(meta, "meta");
        agents = agents.stream().sorted(Comparator.comparing(AgentRecord::id)).toList();
        frameworks = frameworks.stream().sorted(Comparator.comparing(FrameworkRecord::id)).toList();
        roles = roles.stream().sorted(Comparator.comparing(RoleRecord::role)).toList();
    }
}
