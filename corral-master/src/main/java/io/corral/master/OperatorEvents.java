package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.Task;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.master.Protos.Event;

/**
 * The operator event stream's events ({@code docs/mesos-compatibility.md}, "Operator API"), built from the master's
 * entities and views with {@link OperatorResponses}' shapes. Pure.
 */
final class OperatorEvents {
    private OperatorEvents() {}

    /**
     * Above this many protobuf bytes the SUBSCRIBED snapshot leaves out completed tasks and frameworks: some clients
     * refuse a record over 4 MiB, and the same state in JSON takes up to about three times the space.
     */
    static final int MAX_SNAPSHOT_BYTES = 1 << 20;

    /**
     * SUBSCRIBED with the whole state (the caller passes what the subscriber may see of it, {@link VisibleView}),
     * less what has ended if that would make the record too large.
     */
    static Event subscribed(MasterView view) {
        var state = OperatorResponses.state(view).getGetState();
        if (state.getSerializedSize() > MAX_SNAPSHOT_BYTES) {
            state = state.toBuilder()
                    .setGetTasks(state.getGetTasks().toBuilder().clearCompletedTasks())
                    .setGetFrameworks(state.getGetFrameworks().toBuilder().clearCompletedFrameworks())
                    .build();
        }
        return Event.newBuilder().setType(Event.Type.SUBSCRIBED)
                .setSubscribed(Event.Subscribed.newBuilder()
                        .setGetState(state)
                        .setHeartbeatIntervalSeconds(OperatorStreams.HEARTBEAT_INTERVAL.toSeconds()))
                .build();
    }

    static Event heartbeat() {
        return Event.newBuilder().setType(Event.Type.HEARTBEAT).build();
    }

    /** @param framework the task's framework (null if no longer known) */
    static OperatorEvent taskAdded(Task task, FrameworkInfo framework) {
        return new OperatorEvent(Event.newBuilder().setType(Event.Type.TASK_ADDED)
                .setTaskAdded(Event.TaskAdded.newBuilder().setTask(OperatorResponses.task(task.view()))).build(),
                framework, task.info());
    }

    /** @param framework the task's framework (null if no longer known) */
    static OperatorEvent taskUpdated(Task task, TaskStatus status, FrameworkInfo framework) {
        return new OperatorEvent(Event.newBuilder().setType(Event.Type.TASK_UPDATED)
                .setTaskUpdated(Event.TaskUpdated.newBuilder().setFrameworkId(task.frameworkId()).setStatus(status)
                        .setState(task.state()))
                .build(), framework, task.info());
    }

    static OperatorEvent agentAdded(Agent agent) {
        return OperatorEvent.ofCluster(Event.newBuilder().setType(Event.Type.AGENT_ADDED)
                .setAgentAdded(Event.AgentAdded.newBuilder().setAgent(OperatorResponses.agent(agent.view()))).build());
    }

    static OperatorEvent agentRemoved(AgentID agentId) {
        return OperatorEvent.ofCluster(Event.newBuilder().setType(Event.Type.AGENT_REMOVED)
                .setAgentRemoved(Event.AgentRemoved.newBuilder().setAgentId(agentId)).build());
    }

    static OperatorEvent frameworkAdded(FrameworkView framework) {
        return new OperatorEvent(Event.newBuilder().setType(Event.Type.FRAMEWORK_ADDED)
                .setFrameworkAdded(Event.FrameworkAdded.newBuilder()
                        .setFramework(OperatorResponses.framework(framework, framework.connected())))
                .build(), framework.info(), null);
    }

    static OperatorEvent frameworkUpdated(FrameworkView framework) {
        return new OperatorEvent(Event.newBuilder().setType(Event.Type.FRAMEWORK_UPDATED)
                .setFrameworkUpdated(Event.FrameworkUpdated.newBuilder()
                        .setFramework(OperatorResponses.framework(framework, framework.connected())))
                .build(), framework.info(), null);
    }

    static OperatorEvent frameworkRemoved(FrameworkInfo info) {
        return new OperatorEvent(Event.newBuilder().setType(Event.Type.FRAMEWORK_REMOVED)
                .setFrameworkRemoved(Event.FrameworkRemoved.newBuilder().setFrameworkInfo(info)).build(), info, null);
    }
}
