package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Task;
import io.corral.protocol.MesosIds;
import io.corral.protocol.agent.AgentEvent;
import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.DrainConfig;
import org.apache.mesos.v1.Protos.DrainInfo;
import org.apache.mesos.v1.Protos.DrainState;
import org.apache.mesos.v1.Protos.DurationInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators do to single agents ({@code docs/mesos-compatibility.md}, "Agent draining and gone agents"):
 * DEACTIVATE_AGENT (no offers, its tasks keep running), DRAIN_AGENT (deactivated, its tasks killed within
 * {@code max_grace_period}; DRAINING until no task is left, then DRAINED, or gone with {@code mark_gone}),
 * REACTIVATE_AGENT (undoes both, once drained) and MARK_AGENT_GONE (its tasks end as TASK_GONE_BY_OPERATOR, it is
 * told to shut down and is never admitted again).
 *
 * <p>Each call is validated first (Mesos's status codes and messages), then committed: a deactivation or drain as
 * the agent's {@link AgentModeRecord}, kept apart from its {@code AgentRecord}; gone as the agent's state GONE.
 * {@link #apply}, {@link #cleared} and {@link #applyGone} take them once durable, and on a new leader's recovery.
 *
 * <p>Threading: owned by the master's event loop; every method runs there.
 */
public final class AgentModes {
    private static final Logger LOG = LoggerFactory.getLogger(AgentModes.class);
    /** The grace period the agent gives a task with no kill policy (Mesos's command executor: 3 s). */
    static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(3);

    private final Master master;
    /** Agents marked gone, and since when: never admitted again. */
    private final Map<AgentID, Long> gone = new HashMap<>();
    private final Set<AgentID> markingGone = new HashSet<>();
    /** Drained agents whose DRAINED state is being written. */
    private final Set<AgentID> markingDrained = new HashSet<>();

    AgentModes(Master master) {
        this.master = master;
    }

    boolean isGone(AgentID agentId) {
        return gone.containsKey(agentId);
    }

    boolean isMarkingGone(AgentID agentId) {
        return markingGone.contains(agentId);
    }

    // ---- the operator calls ----

    /** DRAIN_AGENT: deactivates the agent and kills its tasks, each within {@code maxGracePeriod} if given. */
    public CompletableFuture<Void> drain(AgentID agentId, Optional<com.google.protobuf.Duration> maxGracePeriod,
                                        boolean markGone) {
        validId(agentId, "drain_agent");
        Optional<DurationInfo> maxGrace = maxGracePeriod.map(AgentModes::validGrace);
        Agent agent = known(agentId, Rejected.Reason.INVALID, "Unknown agent");
        if (markingGone.contains(agentId)) {
            throw Rejected.conflict("Agent is currently being marked gone");
        }
        master.maintenance().machineOf(agent.info()).ifPresent(machine -> {
            throw Rejected.invalid("Agent " + agentId.getValue() + " is part of a maintenance schedule under"
                    + " Machine " + MachineIds.json(machine));
        });
        DrainConfig.Builder config = DrainConfig.newBuilder().setMarkGone(markGone);
        maxGrace.ifPresent(config::setMaxGracePeriod);
        DrainInfo drain = DrainInfo.newBuilder().setState(DrainState.DRAINING).setConfig(config).build();
        return master.commit(new DurableChange.AgentModeStored(new AgentModeRecord(agentId.getValue(), true,
                Optional.of(drain))), () -> {
                    LOG.info("Draining agent {} ({} tasks)", agentId.getValue(), agent.tasks().size());
                    killTasks(agent);
                    checkDrained(agent);
                });
    }

    /** DEACTIVATE_AGENT: no more offers from the agent; its tasks keep running. */
    public CompletableFuture<Void> deactivate(AgentID agentId) {
        validId(agentId, "deactivate_agent");
        Agent agent = known(agentId, Rejected.Reason.INVALID, "Unknown agent");
        return master.commit(new DurableChange.AgentModeStored(new AgentModeRecord(agentId.getValue(), true,
                agent.drain())), () -> { });
    }

    /** REACTIVATE_AGENT: offers again, once the agent is no longer DRAINING. */
    public CompletableFuture<Void> reactivate(AgentID agentId) {
        validId(agentId, "reactivate_agent");
        Agent agent = master.agents().get(agentId);
        if (agent == null || !agent.isDeactivated()) {
            throw Rejected.invalid("Agent is not deactivated");
        }
        if (agent.drain().map(d -> d.getState() == DrainState.DRAINING).orElse(false)) {
            throw Rejected.invalid("Agent is still in the DRAINING state");
        }
        return master.commit(new DurableChange.AgentModeCleared(agentId.getValue()), () -> { });
    }

    /** MARK_AGENT_GONE: for good. Marking an agent gone twice is not an error, as in Mesos. */
    public CompletableFuture<Void> markGone(AgentID agentId) {
        validId(agentId, "mark_agent_gone");
        if (gone.containsKey(agentId)) {
            return CompletableFuture.completedFuture(null);
        }
        if (markingGone.contains(agentId)) {
            throw Rejected.unavailable("Agent '" + agentId.getValue() + "' is already being transitioned to gone");
        }
        if (master.agents().isMarkingUnreachable(agentId)) {
            throw Rejected.unavailable("Agent '" + agentId.getValue() + "' is being transitioned to unreachable");
        }
        Agent agent = known(agentId, Rejected.Reason.NOT_FOUND, "Agent '" + agentId.getValue() + "' not found");
        return commitGone(agent);
    }

    private CompletableFuture<Void> commitGone(Agent agent) {
        markingGone.add(agent.id());
        // Through the agent's document writer: a reservation written after it would otherwise bring the agent back.
        CompletableFuture<Void> done = master.agentWrites().commit(agent.id(), () -> {
            Instant now = Instant.ofEpochMilli(master.timers().nowMillis());
            return new DurableChange.AgentGone(new AgentRecord(agent.info(), AgentState.gone(now),
                    Instant.ofEpochMilli(agent.registeredMillis()), now, agent.checkpointed()));
        }, () -> { });
        done.whenComplete((ok, failure) -> markingGone.remove(agent.id()));
        return done;
    }

    // ---- applying durable changes ----

    /** The agent's mode is durable: a deactivated agent's offers and inverse offers are taken back. */
    void apply(AgentModeRecord mode) {
        Agent agent = master.agents().get(AgentID.newBuilder().setValue(mode.agentId()).build());
        if (agent == null) {
            LOG.warn("The registry holds a mode for agent {}, which it does not admit; ignored", mode.agentId());
            return;
        }
        agent.setMode(mode.deactivated(), mode.drain().orElse(null));
        if (mode.deactivated()) {
            master.offers.rescind(agent.offers(), true);
            master.inverseOffers().rescind(agent.id());
        }
        master.offers.allocateSoon();
    }

    /** The agent is reactivated: offered again from the next allocation. */
    void cleared(String agentId) {
        Agent agent = master.agents().get(AgentID.newBuilder().setValue(agentId).build());
        if (agent != null) {
            agent.setMode(false, null);
            LOG.info("Agent {} reactivated", agentId);
        }
        master.offers.allocateSoon();
    }

    /**
     * The agent is gone in the registry: it is forgotten (its tasks end as TASK_GONE_BY_OPERATOR, it is told to shut
     * down) and only its id is kept, to refuse it for ever.
     */
    void applyGone(AgentRecord record) {
        AgentID agentId = record.info().getId();
        gone.put(agentId, record.state().since().orElse(record.updatedAt()).toEpochMilli());
        Agent agent = master.agents().remove(agentId);
        if (agent == null) {
            return; // a new leader's recovery: nothing else to undo
        }
        shutDown(agent, "Agent has been marked gone");
        master.agents().countRemoval();
        master.operatorStreams.publish(() -> OperatorEvents.agentRemoved(agentId));
        LOG.warn("Agent {} ({}) has been marked gone", agentId.getValue(), agent.info().getHostname());
    }

    /**
     * Shuts an agent down as Mesos's ShutdownMessage and removal do: its live tasks end as TASK_GONE_BY_OPERATOR
     * ({@code REASON_AGENT_REMOVED_BY_OPERATOR}; TASK_LOST with {@code REASON_AGENT_REMOVED} for frameworks that are
     * not partition-aware), the agent is told to stop each framework's tasks and why, and its stream is closed.
     */
    void shutDown(Agent agent, String why) {
        master.offers.rescind(agent.offers(), true);
        master.inverseOffers().rescind(agent.id());
        master.executors().agentRemoved(agent);
        Set<FrameworkID> frameworks = new LinkedHashSet<>();
        for (Task task : List.copyOf(agent.tasks())) {
            frameworks.add(task.frameworkId());
            Framework framework = master.frameworks().get(task.frameworkId());
            if (task.isTerminal()) {
                // Ended, its update not acknowledged yet: no agent will take the acknowledgement any more.
                master.tasks().completeTask(framework, task);
                continue;
            }
            boolean partitionAware = framework != null && framework.isPartitionAware();
            TaskStatus status = master.tasks().masterStatus(task.id(), agent.id(),
                    partitionAware ? TaskState.TASK_GONE_BY_OPERATOR : TaskState.TASK_LOST,
                    partitionAware ? TaskStatus.Reason.REASON_AGENT_REMOVED_BY_OPERATOR
                            : TaskStatus.Reason.REASON_AGENT_REMOVED, why);
            master.tasks().record(task, status);
            master.tasks().forwardUpdate(framework, status);
            master.tasks().completeTask(framework, task);
        }
        if (agent.isConnected()) {
            frameworks.forEach(id -> master.outbox().toAgent(agent.id(), AgentEvent.shutdownFramework(id)));
            master.outbox().toAgent(agent.id(), AgentEvent.error(why));
            master.outbox().add(new Effect.CloseAgentStream(agent.id()));
            agent.detach();
        }
        master.offers.allocateSoon();
    }

    // ---- draining ----

    /** A task on the agent ended: a draining agent with none left is drained. */
    void taskEnded(Agent agent) {
        if (agent.drain().isPresent()) {
            checkDrained(agent);
        }
    }

    /** A draining agent came back: its tasks are killed again (it may not have heard the first time). */
    void reregistered(Agent agent) {
        if (agent.drain().map(d -> d.getState() == DrainState.DRAINING).orElse(false)) {
            killTasks(agent);
            checkDrained(agent);
        }
    }

    /** KILL for each live task, with its own grace period capped by the drain's {@code max_grace_period}. */
    private void killTasks(Agent agent) {
        if (!agent.isConnected()) {
            return; // killed when it re-registers
        }
        Optional<DurationInfo> max = agent.drain().filter(d -> d.getConfig().hasMaxGracePeriod())
                .map(d -> d.getConfig().getMaxGracePeriod());
        for (Task task : agent.tasks()) {
            if (task.isTerminal()) {
                continue;
            }
            long own = task.info().getKillPolicy().getGracePeriod().getNanoseconds();
            long grace = own > 0 ? own : DEFAULT_KILL_GRACE.toNanos();
            if (max.isPresent()) {
                // The agent reads 0 as "its default", so "no grace at all" is sent as one nanosecond.
                grace = Math.max(1, Math.min(grace, max.get().getNanoseconds()));
            }
            master.outbox().toAgent(agent.id(), AgentEvent.kill(task.frameworkId(), task.id(), grace));
        }
    }

    /** DRAINING with no live task left: DRAINED, or gone when the drain asked for it; retried if refused. */
    private void checkDrained(Agent agent) {
        Optional<DrainInfo> drain = agent.drain();
        if (drain.isEmpty() || drain.get().getState() != DrainState.DRAINING
                || agent.tasks().stream().anyMatch(task -> !task.isTerminal())
                || markingGone.contains(agent.id()) || !markingDrained.add(agent.id())) {
            return;
        }
        CompletableFuture<Void> done;
        if (drain.get().getConfig().getMarkGone()) {
            LOG.info("Agent {} is drained; marking it gone as its drain asked", agent.id().getValue());
            done = commitGone(agent);
        } else {
            LOG.info("Agent {} is drained", agent.id().getValue());
            done = master.commit(new DurableChange.AgentModeStored(new AgentModeRecord(agent.id().getValue(), true,
                    Optional.of(drain.get().toBuilder().setState(DrainState.DRAINED).build()))), () -> { });
        }
        done.whenComplete((ok, failure) -> {
            markingDrained.remove(agent.id());
            if (failure != null) {
                master.timers().schedule(Master.RETRY_AFTER_REFUSED_WRITE, () -> {
                    if (master.agents().get(agent.id()) == agent) {
                        checkDrained(agent);
                    }
                });
            }
        });
    }

    // ---- validation ----

    private static void validId(AgentID agentId, String call) {
        String invalid = MesosIds.invalidReason(agentId.getValue());
        if (invalid != null) {
            throw Rejected.invalid("'" + call + ".agent_id' is invalid: " + invalid);
        }
    }

    private Agent known(AgentID agentId, Rejected.Reason reason, String message) {
        Agent agent = master.agents().get(agentId);
        if (agent == null) {
            throw new Rejected(reason, message);
        }
        return agent;
    }

    private static DurationInfo validGrace(com.google.protobuf.Duration grace) {
        if (grace.getSeconds() < 0 || grace.getNanos() < 0) {
            throw Rejected.invalid("'drain_agent.max_grace_period' must not be negative");
        }
        if (grace.getSeconds() > Long.MAX_VALUE / 1_000_000_000L - 1) {
            throw Rejected.invalid("'drain_agent.max_grace_period' is too long");
        }
        return DurationInfo.newBuilder().setNanoseconds(grace.getSeconds() * 1_000_000_000L + grace.getNanos())
                .build();
    }
}
