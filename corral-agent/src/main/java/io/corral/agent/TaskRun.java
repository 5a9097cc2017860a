package io.corral.agent;

import io.corral.agent.containerizer.RunningContainer;
import io.corral.protocol.task.TaskTransitions;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A task on this agent: what was launched, its container (if it has one of its own), and the latest state reported
 * for it. What a restarted
 * agent needs of it is checkpointed by {@link AgentStore}.
 *
 * <p>Threading: owned by the agent's event loop (kept in the {@link Workload}).
 */
final class TaskRun {
    final FrameworkID frameworkId;
    final TaskInfo task;
    /** The task's executor: its own id for a command task (Mesos's command executor), else {@code task.executor}'s. */
    final ExecutorID executorId;
    final String containerId;
    final Path sandbox;
    /** The container's directory in the checkpoint: this task's records and the launcher's files. */
    final Path runDir;
    /**
     * The task's own process: a command task's, or one task's of a task group under the default executor. Null for
     * a task run by a custom executor (the executor's container is in its {@link ExecutorRun}).
     */
    RunningContainer container;
    /**
     * True while its container is being started on a spawn thread ({@link TaskLauncher}): {@link #container} is set when
     * that ends. A kill meanwhile is recorded ({@link #killGracePeriod}) and applied once the container exists.
     */
    boolean launching;
    TaskStatus latestStatus;
    /** The grace period of the kill the master asked for; null until then. Checkpointed: a restart resumes it. */
    Duration killGracePeriod;
    /** Set when the framework was shut down: the task is being killed and reports nothing more. */
    boolean orphaned;
    /** The fetch of its URIs, while it runs (before the container starts); null otherwise. */
    java.util.concurrent.CompletableFuture<Void> fetch;
    /** Set when a failing health check asked for the kill: its TASK_KILLED says {@code healthy: false}. */
    boolean killedByHealthCheck;

    TaskRun(FrameworkID frameworkId, TaskInfo task, String containerId, Path sandbox, Path runDir) {
        this.frameworkId = frameworkId;
        this.task = task;
        this.executorId = task.hasExecutor() ? task.getExecutor().getExecutorId()
                : ExecutorID.newBuilder().setValue(task.getTaskId().getValue()).build();
        this.containerId = containerId;
        this.sandbox = sandbox;
        this.runDir = runDir;
    }

    /** True when the task has a container of its own, running or about to: a kill must go to it. */
    boolean hasOwnContainer() {
        return container != null || launching;
    }

    TaskState state() {
        return latestStatus == null ? TaskState.TASK_STAGING : latestStatus.getState();
    }

    boolean isTerminal() {
        return TaskTransitions.isTerminal(state());
    }
}
