package io.corral.agent;

import java.nio.file.Path;
import org.apache.mesos.v1.Protos.FrameworkID;

/**
 * Lets go of what the agent no longer needs to know: a task whose last update was acknowledged (or whose framework
 * was shut down), a task whose checkpoint was unreadable once its TASK_LOST is acknowledged, an executor that ended.
 * Their checkpoint records go (a run directory once nothing uses it any more); their sandboxes stay on disk and are
 * handed to the {@link SandboxGc}, which removes them after {@code gc_delay}; the HTTP views are told
 * ({@link AgentObserver}), so they list the task as completed.
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop; the observer is set there before recovery.
 */
final class TaskCleanup {
    private final Workload workload;
    private final AgentStore store;
    private final CheckpointBatch checkpoints;
    private final TaskChecks checks;
    private final SandboxGc gc;
    /** Told of forgotten tasks, for the HTTP views ({@link AgentViews}). */
    private AgentObserver observer = AgentObserver.NONE;

    TaskCleanup(Workload workload, AgentStore store, CheckpointBatch checkpoints, TaskChecks checks, SandboxGc gc) {
        this.workload = workload;
        this.store = store;
        this.checkpoints = checkpoints;
        this.checks = checks;
        this.gc = gc;
    }

    void observe(AgentObserver observer) {
        this.observer = observer;
    }

    /** Drops an ended task whose updates were all acknowledged (or are no longer wanted), and its checkpoint. */
    void forget(TaskRun run) {
        workload.removeTask(run.task.getTaskId());
        ExecutorRun executor = workload.executorOf(run);
        observer.taskForgotten(run, executor);
        if (executor != null) {
            executor.tasks.remove(run.task.getTaskId());
        }
        // A custom executor's tasks share its run dir (its launcher's files): that goes with its last user.
        checkpoints.cancel(store.updatesKey(run));
        checkpoints.cancel(store.taskInfoKey(run));
        boolean inUse = (executor != null && executor.runDir.equals(run.runDir)) || workload.runDirInUse(run.runDir);
        if (inUse) {
            store.removeTask(run.runDir, run.task.getTaskId());
        } else {
            store.remove(run.frameworkId, run.runDir); // the task's records with the rest of its container's
        }
        checks.stop(run);
        gc.schedule(run.sandbox); // removed after gc_delay, unless a task or executor still uses it then
    }

    /** A task whose checkpoint was unreadable: its broken records go (its TASK_LOST was acknowledged, or dropped). */
    void forgetUnreadable(FrameworkID frameworkId, Path runDir) {
        store.remove(frameworkId, runDir);
    }

    /** An executor ended: its sandbox is scheduled for removal (kept meanwhile while any of its tasks is known). */
    void sandboxReleased(Path sandbox) {
        gc.schedule(sandbox);
    }
}
