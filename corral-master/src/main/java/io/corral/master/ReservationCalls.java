package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Task;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceOperations;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.resources.Reservations;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Resource;

/**
 * The operator API's reservation and volume calls: RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES,
 * DESTROY_VOLUMES, GROW_VOLUME and SHRINK_VOLUME, on an agent's resources that no task uses. The agent's outstanding offers are rescinded first
 * (their resources may be the ones asked for, as Mesos does); the operation is then decided against the agent's free
 * resources at its turn ({@link AgentWrites}), recorded in the registry, and applied: the agent's total changes and
 * the agent is told. Refusals: 400 for an invalid operation or an unknown agent, 409 when the agent does not have
 * the resources free. Answered 202 once durable, as Mesos answers these calls.
 *
 * <p>Threading: every method runs on the master's event loop.
 */
public final class ReservationCalls {
    private final Master master;

    ReservationCalls(Master master) {
        this.master = master;
    }

    public CompletableFuture<Void> reserve(AgentID agentId, List<Resource> source, List<Resource> resources) {
        return change(agentId, "reserve", (pool, context) ->
                ResourceOperations.reserve(pool, source, resources, context));
    }

    public CompletableFuture<Void> unreserve(AgentID agentId, List<Resource> resources) {
        return change(agentId, "unreserve", (pool, context) ->
                ResourceOperations.unreserve(pool, resources, context));
    }

    public CompletableFuture<Void> createVolumes(AgentID agentId, List<Resource> volumes) {
        return change(agentId, "create volumes", (pool, context) ->
                ResourceOperations.create(pool, volumes, context));
    }

    public CompletableFuture<Void> destroyVolumes(AgentID agentId, List<Resource> volumes) {
        return change(agentId, "destroy volumes", (pool, context) ->
                ResourceOperations.destroy(pool, volumes, context));
    }

    public CompletableFuture<Void> growVolume(AgentID agentId, Resource volume, Resource addition) {
        return change(agentId, "grow a volume", (pool, context) ->
                ResourceOperations.grow(pool, volume, addition, context));
    }

    public CompletableFuture<Void> shrinkVolume(AgentID agentId, Resource volume, double subtract) {
        return change(agentId, "shrink a volume", (pool, context) ->
                ResourceOperations.shrink(pool, volume, subtract, context));
    }

    /** One operation on the free resources of {@code agentId}. */
    private interface Operation {
        ResourceSet apply(ResourceSet pool, ResourceOperations.Context context);
    }

    private CompletableFuture<Void> change(AgentID agentId, String what, Operation operation) {
        Agent agent = registered(agentId);
        master.offers.rescind(agent.offers(), true);
        return master.agentWrites().commit(agentId, () -> decide(agent, what, operation), () -> {
            if (agent.isConnected()) {
                master.outbox().toAgent(agent.id(), AgentEvent.checkpointResources(agent.checkpointed()));
            }
        });
    }

    /** At the agent's turn: the operation on what is free now, as the agent's new record. */
    private DurableChange decide(Agent agent, String what, Operation operation) {
        if (master.agents().get(agent.id()) != agent || !agent.isConnected()
                || master.agentModes().isGone(agent.id())) {
            throw Rejected.conflict("Agent " + agent.id().getValue() + " is no longer registered; retry");
        }
        ResourceSet free = agent.free();
        ResourceSet changed;
        try {
            changed = operation.apply(free, new ResourceOperations.Context(null, null, agent.total(),
                    volumesInUse(agent)));
        } catch (ResourceOperations.InsufficientResources e) {
            throw Rejected.conflict("Cannot " + what + " on agent " + agent.id().getValue() + ": "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw Rejected.invalid("Invalid " + what + " operation: " + e.getMessage());
        }
        ResourceSet total = agent.total().minus(free).plus(changed);
        List<Resource> checkpointed = total.toList().stream().filter(Reservations::isCheckpointed).toList();
        Instant now = Instant.ofEpochMilli(master.timers().nowMillis());
        return new DurableChange.CheckpointedResourcesStored(new AgentRecord(agent.info(), AgentState.active(),
                Instant.ofEpochMilli(agent.registeredMillis()), now, checkpointed));
    }

    private Agent registered(AgentID agentId) {
        Agent agent = agentId == null ? null : master.agents().get(agentId);
        if (agent == null || agent.isUnreachable()) {
            throw Rejected.invalid("No agent found with specified ID");
        }
        if (!agent.isConnected()) {
            throw Rejected.conflict("Agent " + agentId.getValue() + " has not re-registered with this master yet;"
                    + " retry once it has");
        }
        return agent;
    }

    static Set<String> volumesInUse(Agent agent) {
        Set<String> ids = new HashSet<>();
        for (Task task : agent.tasks()) {
            if (!task.isTerminal()) {
                ids.addAll(ResourceOperations.volumeIds(task.resources(), null));
            }
        }
        return ids;
    }
}
