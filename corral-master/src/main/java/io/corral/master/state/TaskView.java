package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.task.TaskTransitions;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A task as readers see it in a published {@code MasterView}. Immutable.
 *
 * @param stateJson this task's object in {@code /master/state} (UTF-8 JSON), rendered by the first reader that needs it
 * @param operatorJson this task's {@code Task} in the operator API's JSON answers ({@code GET_STATE}, {@code GET_TASKS}),
 *     likewise
 * @param statePart the compressed run of tasks that starts at this one in {@code /master/state} ({@link Runs}),
 *     kept while its tasks are the same
 * @param operatorPart likewise in the operator API's JSON answers
 * @param idHashCode {@link #idHash}, computed by the first reader that needs it
 */
public record TaskView(TaskInfo info, FrameworkID frameworkId, ResourceSet resources, TaskState state,
                       List<TaskStatus> statuses, org.apache.mesos.v1.Protos.ExecutorID executorId,
                       Derived<byte[]> stateJson, Derived<byte[]> operatorJson, KeptPart statePart,
                       KeptPart operatorPart, Derived<Integer> idHashCode) {
    public TaskView {
        statuses = List.copyOf(statuses);
    }

    public TaskView(TaskInfo info, FrameworkID frameworkId, ResourceSet resources, TaskState state,
                    List<TaskStatus> statuses, org.apache.mesos.v1.Protos.ExecutorID executorId) {
        this(info, frameworkId, resources, state, statuses, executorId, new Derived<>(), new Derived<>(),
                new KeptPart(), new KeptPart(), new Derived<>());
    }

    /**
     * Its id's hash code, where large answers cut their runs of tasks ({@link Runs}): kept, since every reading asks
     * it of every task, and a protobuf string field can make its {@code String} again from bytes when asked.
     */
    public int idHash() {
        return idHashCode.get(() -> id().getValue().hashCode());
    }

    public TaskID id() {
        return info.getTaskId();
    }

    public AgentID agentId() {
        return info.getAgentId();
    }

    public boolean isTerminal() {
        return TaskTransitions.isTerminal(state);
    }
}
