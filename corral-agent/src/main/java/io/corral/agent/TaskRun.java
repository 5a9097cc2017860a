package io.corral.agent;

import io.corral.agent.containerizer.RunningContainer;
import io.corral.protocol.task.TaskTransitions;
import java.nio.file.Path;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A task on this agent: what was launched, its process, and the latest state reported for it.
 *
 * <p>Threading: owned by the agent's event loop.
 */
final class TaskRun {
    final FrameworkID frameworkId;
    final TaskInfo task;
    final Path sandbox;
    RunningContainer container;
    TaskStatus latestStatus;
    /** Set when the framework was shut down: the task is being killed and reports nothing more. */
    boolean orphaned;

    TaskRun(FrameworkID frameworkId, TaskInfo task, Path sandbox) {
        this.frameworkId = frameworkId;
        this.task = task;
        this.sandbox = sandbox;
    }

    TaskState state() {
        return latestStatus == null ? TaskState.TASK_STAGING : latestStatus.getState();
    }

    boolean isTerminal() {
        return TaskTransitions.isTerminal(state());
    }
}
