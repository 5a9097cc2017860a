package io.corral.protocol;

import io.corral.protocol.task.TaskTransitions;
import java.util.EnumSet;
import java.util.Set;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * Facts about task states, as Mesos defines them ({@code docs/mesos-compatibility.md}, "Task states and reasons").
 * Which states are terminal and which changes of state are allowed live in one table,
 * {@link io.corral.protocol.task.TaskTransitions}; {@link #isTerminal} asks it.
 */
public final class TaskStates {
    /** States that only PARTITION_AWARE frameworks may see; the others get TASK_LOST instead. */
    private static final Set<TaskState> PARTITION_AWARE_ONLY = EnumSet.of(TaskState.TASK_DROPPED,
            TaskState.TASK_UNREACHABLE, TaskState.TASK_GONE, TaskState.TASK_GONE_BY_OPERATOR, TaskState.TASK_UNKNOWN);

    private TaskStates() {}

    /** Same as {@link TaskTransitions#isTerminal}. */
    public static boolean isTerminal(TaskState state) {
        return TaskTransitions.isTerminal(state);
    }

    /** The state a framework should see: {@code state} itself, or TASK_LOST for a framework not partition-aware. */
    public static TaskState visibleTo(TaskState state, boolean partitionAware) {
        return !partitionAware && PARTITION_AWARE_ONLY.contains(state) ? TaskState.TASK_LOST : state;
    }
}
