package io.corral.zookeeper.registry;

import java.util.Objects;
import java.util.Optional;
import org.apache.mesos.v1.Protos.DrainInfo;

/**
 * What an operator set on one agent, as Mesos's registry keeps it beside the agent ({@code Registry.Slave}'s
 * {@code deactivated} and {@code drain_info}): the agent gets no offers while {@code deactivated}; {@code drain},
 * when present, is its drain state (DRAINING or DRAINED) with the operator's config. Kept in a document of its own,
 * {@code <root>/registry/agent-modes/<id>}, so that the agent's own document keeps its shape; an agent with no such
 * document is active.
 */
public record AgentModeRecord(String agentId, boolean deactivated, Optional<DrainInfo> drain) {

    public AgentModeRecord {
        RegistryPaths.nodeName(agentId, "agent id");
        Objects.requireNonNull(drain, "drain");
        if (drain.isPresent() && !deactivated) {
            throw new IllegalArgumentException("agent " + agentId + " is draining, so it must be deactivated too");
        }
    }
}
