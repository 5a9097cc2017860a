package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Task;
import io.corral.protocol.agent.AgentEvent;
import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RegistrySnapshot;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a {@link DurableChange} touches the master's state: a live change once ZooKeeper confirmed its write
 * ({@link Master#commit}), and a new leader's recovery, which applies every registry document it read as the same
 * change ({@link #recover}). Applying creates or updates the entity and arms the timers its durable state needs;
 * what only a live change does (attach the new stream, tell the agents, answer the caller) runs after it, in the
 * committing call's continuation.
 *
 * <ul>
 *   <li>An agent stored {@code active} is known and admitted, but has no stream in this term until it (re-)registers:
 *       it is "recovered", gets no offers, and is marked unreachable if no stream attaches within
 *       {@code agent_reregister_timeout} (not sooner: after an ensemble outage every agent's session may have ended
 *       while the agents are fine). A live registration attaches its stream right after this apply.
 *   <li>An agent stored unreachable is marked so from the time recorded; one stored gone is forgotten but for its id,
 *       which is refused for ever ({@link AgentModes#applyGone}).
 *   <li>A framework stored without a deadline (subscribed) that has no stream in this term gets
 *       {@code max(failover_timeout, agent_reregister_timeout)} to resubscribe; one stored with a deadline is removed
 *       at that deadline unless it resubscribes first. A live subscription attaches its stream right after, which
 *       stops the timer.
 *   <li>Roles' weights and quota replace what the master had for them (or go back to the defaults), for the next
 *       allocation.
 *   <li>The maintenance schedule and machines' modes replace the master's ({@link Maintenance#apply}); an agent's
 *       mode (deactivated, draining, drained) is set on it, or cleared by a reactivation ({@link AgentModes}).
 *   <li>A framework removed is torn down: its offers rescinded, its tasks killed, its agents told to shut it down.
 * </ul>
 *
 * <p>Threading: runs on the master's event loop.
 */
final class DurableChanges {
    private static final Logger LOG = LoggerFactory.getLogger(DurableChanges.class);

    private DurableChanges() {}

    static void apply(Master master, DurableChange change) {
        if (change instanceof DurableChange.AgentStored stored) {
            applyAgent(master, stored.agent());
        } else if (change instanceof DurableChange.CheckpointedResourcesStored stored) {
            Agent agent = master.agents().get(stored.agent().info().getId());
            if (agent != null) {
                agent.checkpointed(stored.agent().checkpointed());
                master.offers.allocateSoon(agent.id());
            }
        } else if (change instanceof DurableChange.FrameworkStored stored) {
            applyFramework(master, stored.framework());
        } else if (change instanceof DurableChange.RolesStored stored) {
            master.roleCalls().apply(stored.roles(), stored.cleared());
            master.offers.allocateSoon();
        } else if (change instanceof DurableChange.FrameworkRemoved removed) {
            master.frameworks().unrecorded(removed.frameworkId());
            Framework framework = master.frameworks().get(removed.frameworkId());
            if (framework != null) {
                removeFramework(master, framework, removed.why());
            }
        } else if (change instanceof DurableChange.MaintenanceStored stored) {
            master.maintenance().apply(stored.maintenance());
        } else if (change instanceof DurableChange.AgentModeStored stored) {
            master.agentModes().apply(stored.mode());
        } else if (change instanceof DurableChange.AgentModeCleared cleared) {
            master.agentModes().cleared(cleared.agentId());
        } else if (change instanceof DurableChange.AgentGone gone) {
            master.agentModes().applyGone(gone.agent());
        }
    }

    /** A new leader's recovery: the registry it read, applied document by document, before it serves anything. */
    static void recover(Master master, RegistrySnapshot snapshot) {
        for (AgentRecord agent : snapshot.agents()) {
            apply(master, new DurableChange.AgentStored(agent));
        }
        for (FrameworkRecord framework : snapshot.frameworks()) {
            apply(master, new DurableChange.FrameworkStored(framework));
        }
        apply(master, new DurableChange.RolesStored(snapshot.roles(), List.of()));
        apply(master, new DurableChange.MaintenanceStored(snapshot.maintenance()));
        for (AgentModeRecord mode : snapshot.agentModes()) {
            apply(master, new DurableChange.AgentModeStored(mode));
        }
    }

    private static void applyAgent(Master master, AgentRecord record) {
        if (record.state().kind() == AgentState.Kind.GONE) {
            master.agentModes().applyGone(record);
            return;
        }
        if (master.agentModes().isGone(record.info().getId())) {
            return; // gone is for ever
        }
        Agent agent = master.agents().computeIfAbsent(record.info().getId(),
                id -> new Agent(record.info(), record.registeredAt().toEpochMilli()));
        agent.checkpointed(record.checkpointed());
        if (record.state().kind() == AgentState.Kind.UNREACHABLE) {
            agent.markUnreachable(record.state().since().orElse(record.updatedAt()).toEpochMilli());
            return;
        }
        agent.admitted(record.info(), record.checkpointed());
        Duration timeout = master.config().agentReregisterTimeout();
        master.timers().schedule(timeout, () -> {
            if (agent.isRecovered() && !agent.isUnreachable() && !master.isPaused()) {
                master.agents().markUnreachable(agent, "it did not re-register within " + timeout.toSeconds()
                        + "s of the master failover");
            }
        });
    }

    private static void applyFramework(Master master, FrameworkRecord record) {
        master.frameworks().recorded(record);
        long now = master.timers().nowMillis();
        Framework framework = master.frameworks().get(record.info().getId());
        if (framework == null) {
            framework = new Framework(record.info(), now);
            master.frameworks().add(framework);
        } else {
            framework.updateInfo(record.info());
        }
        if (framework.isConnected()) {
            return; // a failover to a new stream: the caller replaces the stream right after
        }
        long waitMillis = record.failoverDeadline().map(deadline -> deadline.toEpochMilli() - now)
                .orElse(Math.max((long) (record.info().getFailoverTimeout() * 1000),
                        master.config().agentReregisterTimeout().toMillis()));
        master.frameworks().startFailoverTimer(framework, Duration.ofMillis(Math.max(0, waitMillis)));
    }

    /** Removes a framework for good: its offers, its tasks (agents are told to shut it down) and its stream. */
    private static void removeFramework(Master master, Framework framework, String why) {
        LOG.info("Removing framework {} ({}): {}", framework.id().getValue(), framework.info().getName(), why);
        master.offers.rescind(framework.offers(), false);
        Set<AgentID> agentsWithTasks = new HashSet<>();
        for (Task task : List.copyOf(framework.tasks().values())) {
            agentsWithTasks.add(task.agentId());
            Agent agent = master.agents().get(task.agentId());
            if (!task.isTerminal()) { // its resources go back to the agent as the task ends
                master.tasks().record(task, master.tasks().masterStatus(task.id(), task.agentId(),
                        TaskState.TASK_KILLED, TaskStatus.Reason.REASON_FRAMEWORK_REMOVED, "Framework " + why));
            }
            if (agent != null) {
                agent.removeTask(task);
            }
            framework.completeTask(task);
        }
        for (AgentID agentId : agentsWithTasks) {
            Agent agent = master.agents().get(agentId);
            if (agent != null && agent.isConnected()) {
                master.outbox().toAgent(agentId, AgentEvent.shutdownFramework(framework.id()));
            }
        }
        master.executors().frameworkRemoved(framework);
        if (framework.isConnected()) {
            master.outbox().add(new Effect.CloseFrameworkStream(framework.id()));
        }
        framework.detach();
        master.frameworks().forget(framework);
        master.operatorStreams.publish(() -> OperatorEvents.frameworkRemoved(framework.info()));
        master.offers.allocateSoon();
    }
}
