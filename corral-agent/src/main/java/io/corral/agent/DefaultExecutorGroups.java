package io.corral.agent;

import java.util.Set;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * The default executor's task groups (LAUNCH_GROUP), as Mesos's default executor treats them: the tasks of a group
 * live and die together. A task that ends otherwise than TASK_FINISHED takes the rest of its group down, a task whose
 * group already lost one does not start, and the executor ends with its last task. The default executor has no
 * process: each of its tasks is a container of its own, started by the {@link TaskLauncher} and watched by
 * {@link TaskExits}, which tell this class when one ends.
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop; it keeps no state of its own (the groups are in
 * each {@link ExecutorRun}).
 */
final class DefaultExecutorGroups {
    private final Workload workload;
    private final TaskJournal journal;
    private final ExecutorTermination termination;

    DefaultExecutorGroups(Workload workload, TaskJournal journal, ExecutorTermination termination) {
        this.workload = workload;
        this.journal = journal;
        this.termination = termination;
    }

    /**
     * A task ended (or will never start). For a task of a group under the default executor: a task that did not
     * finish (failed, killed...) takes the rest of its group down; once every task of the executor has ended, so has
     * it. Anything else: nothing to do.
     */
    void taskEnded(TaskRun run) {
        if (!run.task.hasExecutor()) {
            return;
        }
        ExecutorRun executor = workload.executorOf(run);
        if (executor == null || !executor.isDefault()) {
            return;
        }
        if (run.state() != TaskState.TASK_FINISHED) {
            killGroupOf(executor, run.task.getTaskId());
        }
        termination.endDefaultExecutorIfDone(executor);
    }

    private void killGroupOf(ExecutorRun executor, TaskID taskId) {
        for (Set<TaskID> group : executor.groups) {
            if (group.contains(taskId)) {
                for (TaskID other : group) {
                    TaskRun sibling = workload.task(other);
                    if (sibling != null && sibling.hasOwnContainer() && !sibling.isTerminal()) {
                        journal.requestKill(sibling, TaskKills.DEFAULT_KILL_GRACE);
                    }
                }
            }
        }
    }

    /**
     * Why a default executor's task whose URIs were just fetched must not start after all (its executor is
     * terminating or gone, or a task of its group already ended otherwise than TASK_FINISHED); null if it may. A
     * command task always may.
     */
    String whyNotStart(TaskRun run) {
        if (!run.task.hasExecutor()) {
            return null;
        }
        ExecutorRun executor = workload.executorOf(run);
        if (executor == null || executor.terminationMessage != null) {
            return "Its executor is terminating";
        }
        for (Set<TaskID> group : executor.groups) {
            if (group.contains(run.task.getTaskId())) {
                for (TaskID other : group) {
                    TaskRun sibling = workload.task(other);
                    if (sibling != null && sibling.isTerminal() && sibling.state() != TaskState.TASK_FINISHED) {
                        return "Task '" + other.getValue() + "' of its group ended before it started";
                    }
                }
            }
        }
        return null;
    }
}
