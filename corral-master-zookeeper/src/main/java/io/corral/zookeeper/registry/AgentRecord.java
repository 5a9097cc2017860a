package io.corral.zookeeper.registry;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.Resource;

/**
 * An admitted agent as the registry keeps it: its AgentInfo (with its id), its state, when it was first registered
 * and last changed, and its {@code checkpointed} resources: the dynamic reservations and persistent volumes made on
 * it, which outlive the agent's restarts and the master's failovers (its AgentInfo holds what the agent itself
 * reports: unreserved and statically reserved resources). Times are kept to the millisecond, as they are stored.
 */
public record AgentRecord(AgentInfo info, AgentState state, Instant registeredAt, Instant updatedAt,
                          List<Resource> checkpointed) {

    public AgentRecord {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(registeredAt, "registeredAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (!info.hasId() || info.getId().getValue().isEmpty()) {
            throw new IllegalArgumentException("the AgentInfo of agent " + info.getHostname()
                    + " has no id: assign one before admitting it to the registry");
        }
        RegistryPaths.nodeName(info.getId().getValue(), "agent id");
        registeredAt = registeredAt.truncatedTo(ChronoUnit.MILLIS);
        updatedAt = updatedAt.truncatedTo(ChronoUnit.MILLIS);
        checkpointed = List.copyOf(checkpointed);
    }

    /** An agent with no reservations or volumes made on it. */
    public AgentRecord(AgentInfo info, AgentState state, Instant registeredAt, Instant updatedAt) {
        this(info, state, registeredAt, updatedAt, List.of());
    }

    /** The agent's id, which is also its znode's name. */
    public String id() {
        return info.getId().getValue();
    }

    /** A copy in {@code newState}, changed at {@code now}. */
    public AgentRecord withState(AgentState newState, Instant now) {
        return new AgentRecord(info, newState, registeredAt, now, checkpointed);
    }

    /** A copy with {@code resources} as its reservations and volumes, changed at {@code now}. */
    public AgentRecord withCheckpointed(List<Resource> resources, Instant now) {
        return new AgentRecord(info, state, registeredAt, now, resources);
    }
}
