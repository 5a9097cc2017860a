package io.corral.master;

import com.google.protobuf.ByteString;
import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Task;
import io.corral.protocol.TaskStates;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.task.SideEffect;
import io.corral.protocol.task.Transition;
import java.util.Base64;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks domain: a task's life as the master sees it, from launch to the acknowledgement of its end. It records
 * statuses through the shared task state table ({@link #record}: the one place the table's effects on the master's
 * books are carried out), keeps what the framework asked (a KILL) apart from what the agent reported, and serves the
 * scheduler calls about tasks: KILL, ACKNOWLEDGE, RECONCILE, and an operator's kill ({@link Executors} serves the
 * executor calls, SHUTDOWN and MESSAGE).
 * Tasks live on their {@link Framework} and {@link Agent} (indexed both ways); updates to frameworks go to the
 * {@link Outbox}.
 *
 * <p>Threading: owned by the master's event loop; every method runs on it.
 */
public final class Tasks {
    private static final Logger LOG = LoggerFactory.getLogger(Tasks.class);

    private final Master master;
    private MasterCounts.TaskCounters counters = MasterCounts.TaskCounters.NONE;

    Tasks(Master master) {
        this.master = master;
    }

    /** How many tasks ended in each terminal state in this term, for the published view. */
    MasterCounts.TaskCounters counters() {
        return counters;
    }

    /**
     * Records a task's new status as the shared table allows ({@link Task#apply}) and carries out what the change
     * obliges the master to do: give the task's resources back to its agent (if booked there) and count it once when
     * it ends. Telling the framework is the caller's: it knows whether the status came from the agent (always relayed,
     * so the agent stops resending) or from the master. A change the table rejects changes nothing and is logged.
     */
    Transition record(Task task, TaskStatus status) {
        Transition transition = task.apply(status);
        if (!transition.isAccepted()) {
            LOG.warn("Task {} of framework {}: {} ignored: {}", task.id().getValue(), task.frameworkId().getValue(),
                    status.getState(), transition);
            return transition;
        }
        if (transition.has(SideEffect.RELEASE_RESOURCES)) {
            Framework framework = master.frameworks().get(task.frameworkId());
            if (framework != null) {
                framework.taskEnded(task);
            }
            Agent agent = master.agents().get(task.agentId());
            if (agent != null && agent.task(task.frameworkId(), task.id()) == task) {
                agent.releaseTaskResources(task);
                master.offers.allocateSoon(agent.id());
            }
        }
        if (transition.has(SideEffect.COUNT_TERMINAL)) {
            counters = counters.counted(task.state());
            Agent agent = master.agents().get(task.agentId());
            if (agent != null) {
                master.agentModes().taskEnded(agent); // a draining agent may be drained now
            }
        }
        if (!transition.isRepeat()) {
            master.operatorStreams.publish(() -> OperatorEvents.taskUpdated(task, status,
                    frameworkInfo(task.frameworkId())));
        }
        return transition;
    }

    /** The framework's info, for deciding who may see its tasks' events; null if it is no longer known. */
    private FrameworkInfo frameworkInfo(FrameworkID id) {
        Framework framework = master.frameworks().get(id);
        return framework == null ? null : framework.info();
    }

    void addTask(Framework framework, Agent agent, Task task) {
        framework.addTask(task);
        agent.addTask(task);
    }

    /**
     * Forwards an update to its framework, if connected (then true); an update with a uuid keeps coming until
     * acknowledged.
     */
    boolean forwardUpdate(Framework framework, TaskStatus status) {
        if (framework == null || !framework.isConnected()) {
            return false;
        }
        TaskState visible = TaskStates.visibleTo(status.getState(), framework.isPartitionAware());
        TaskStatus shown = visible == status.getState() ? status : status.toBuilder().setState(visible).build();
        master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.UPDATE)
                .setUpdate(Event.Update.newBuilder().setStatus(shown)).build());
        return true;
    }

    /**
     * An update the master itself generates (invalid launch, reconciliation): no uuid, never acknowledged.
     * {@code reason}, {@code agentId} and {@code message} may be null.
     */
    TaskStatus masterStatus(TaskID taskId, AgentID agentId, TaskState state, TaskStatus.Reason reason,
                            String message) {
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(taskId)
                .setState(state)
                .setSource(TaskStatus.Source.SOURCE_MASTER)
                .setTimestamp(master.timers().nowMillis() / 1000.0);
        if (reason != null) {
            status.setReason(reason);
        }
        if (agentId != null) {
            status.setAgentId(agentId);
        }
        if (message != null) {
            status.setMessage(message);
        }
        return status.build();
    }

    /** Forgets a task whose terminal update the framework acknowledged (or that can no longer run). */
    void completeTask(Framework framework, Task task) {
        Agent agent = master.agents().get(task.agentId());
        if (agent != null && agent.removeTask(task) && !task.isTerminal()) {
            agent.releaseTaskResources(task);
        }
        if (framework != null) {
            framework.completeTask(task);
        }
    }

    public void kill(Framework framework, Call.Kill kill) {
        Task task = framework.tasks().get(kill.getTaskId());
        if (task == null) {
            reconcileOne(framework, kill.getTaskId(), kill.hasAgentId() ? kill.getAgentId() : null);
            return;
        }
        task.killRequested(kill.hasKillPolicy() ? kill.getKillPolicy().getGracePeriod().getNanoseconds()
                : task.info().getKillPolicy().getGracePeriod().getNanoseconds());
        Agent agent = master.agents().get(task.agentId());
        if (agent != null && agent.isConnected()) { // else sent when the agent comes back (Agents.admit)
            master.outbox().toAgent(agent.id(), AgentEvent.kill(framework.id(), task.id(), task.killGraceNanos()));
        }
    }

    /** What an operator's kill of one task did. */
    public enum OperatorKill { KILLING, KILLING_WHEN_AGENT_RETURNS, ALREADY_ENDED, UNKNOWN }

    /**
     * An operator kills a task (Corral's {@code POST /api/v1/corral/kill}, as {@code corral kill}): as the framework's
     * own KILL would, with {@code graceNanos} (0: the task's kill policy, else the agent's default). The framework
     * learns of it from the task's updates.
     */
    public OperatorKill killByOperator(FrameworkID frameworkId, TaskID taskId, long graceNanos) {
        Framework framework = master.frameworks().get(frameworkId);
        Task task = framework == null ? null : framework.tasks().get(taskId);
        if (task == null) {
            return OperatorKill.UNKNOWN;
        }
        if (task.isTerminal()) {
            return OperatorKill.ALREADY_ENDED;
        }
        task.killRequested(graceNanos > 0 ? graceNanos : task.info().getKillPolicy().getGracePeriod().getNanoseconds());
        Agent agent = master.agents().get(task.agentId());
        if (agent == null || !agent.isConnected()) {
            return OperatorKill.KILLING_WHEN_AGENT_RETURNS;
        }
        master.outbox().toAgent(agent.id(), AgentEvent.kill(frameworkId, taskId, task.killGraceNanos()));
        return OperatorKill.KILLING;
    }

    public void acknowledge(Framework framework, Call.Acknowledge ack) {
        ByteString uuid = ack.getUuid();
        if (uuid.size() != 16) {
            throw Rejected.invalid("Not a valid UUID: 'acknowledge.uuid' must be 16 bytes");
        }
        Task task = framework.tasks().get(ack.getTaskId());
        if (task != null && task.isTerminal() && task.latestStatus() != null
                && task.latestStatus().getUuid().equals(uuid)) {
            completeTask(framework, task);
        }
        Agent agent = master.agents().get(ack.getAgentId());
        if (agent != null && agent.isConnected()) {
            master.outbox().toAgent(agent.id(), AgentEvent.acknowledge(framework.id(), ack.getTaskId(),
                    Base64.getEncoder().encodeToString(uuid.toByteArray())));
        }
    }

    /** RECONCILE: with no tasks, the latest state of each of the framework's tasks; else each named task. */
    public void reconcile(Framework framework, Call.Reconcile reconcile) {
        if (reconcile.getTasksCount() == 0) {
            for (Task task : framework.tasks().values()) {
                forwardUpdate(framework, reconciled(task));
            }
            return;
        }
        for (Call.Reconcile.Task query : reconcile.getTasksList()) {
            reconcileOne(framework, query.getTaskId(), query.hasAgentId() ? query.getAgentId() : null);
        }
    }

    private void reconcileOne(Framework framework, TaskID taskId, AgentID agentId) {
        Task task = framework.tasks().get(taskId);
        if (task != null) {
            forwardUpdate(framework, reconciled(task));
            return;
        }
        boolean agentKnown = agentId != null && master.agents().contains(agentId);
        boolean agentGone = agentId != null && master.agentModes().isGone(agentId);
        TaskState state = agentGone ? TaskState.TASK_GONE_BY_OPERATOR
                : agentKnown ? TaskState.TASK_GONE : TaskState.TASK_UNKNOWN;
        forwardUpdate(framework, masterStatus(taskId, agentId, state,
                TaskStatus.Reason.REASON_RECONCILIATION, "Reconciliation: task is unknown"));
    }

    private TaskStatus reconciled(Task task) {
        TaskStatus latest = task.latestStatus();
        TaskStatus.Builder status = latest != null ? latest.toBuilder()
                : TaskStatus.newBuilder().setTaskId(task.id()).setState(task.state()).setAgentId(task.agentId());
        return status.clearUuid()
                .setSource(TaskStatus.Source.SOURCE_MASTER)
                .setReason(TaskStatus.Reason.REASON_RECONCILIATION)
                .setTimestamp(master.timers().nowMillis() / 1000.0)
                .build();
    }

}
