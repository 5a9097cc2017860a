package io.corral.agent;

import io.corral.agent.containerizer.ContainerExit;
import io.corral.agent.containerizer.ContainerLostException;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a task that has a container of its own (a command task, or a task of the default executor), as Mesos's
 * command executor reports it: the exit becomes the task's final state ("Command exited with status 3"), a limit an
 * isolator enforced becomes TASK_FAILED with its reason, a kill the agent asked for TASK_KILLED, and a container
 * whose end is unknown (its launcher vanished) TASK_FAILED. Containers are watched from their start
 * ({@link TaskLauncher}) or their recovery after an agent restart ({@link AgentRecovery}).
 *
 * <p><b>Threading contract.</b> Stateless; a container's end arrives on the containerizer's threads and is posted to
 * the agent's event loop, where everything else here runs.
 */
final class TaskExits {
    private static final Logger LOG = LoggerFactory.getLogger(TaskExits.class);

    private final TaskJournal journal;
    private final TaskChecks checks;
    private final TaskCleanup cleanup;
    private final DefaultExecutorGroups groups;
    private final Consumer<Runnable> loop;

    TaskExits(TaskJournal journal, TaskChecks checks, TaskCleanup cleanup, DefaultExecutorGroups groups,
              Consumer<Runnable> loop) {
        this.journal = journal;
        this.checks = checks;
        this.cleanup = cleanup;
        this.groups = groups;
        this.loop = loop;
    }

    /** Posts the container's end to the loop. */
    void watch(TaskRun run) {
        run.container.exit().whenComplete((exit, failure) -> loop.accept(() -> ended(run, exit, failure)));
    }

    /**
     * The container ended: the task's final state, as the command executor words it ("Command exited with status
     * 3"); a container whose end is unknown (its launcher vanished) is reported failed.
     */
    private void ended(TaskRun run, ContainerExit exit, Throwable failure) {
        checks.stop(run);
        if (run.orphaned) {
            cleanup.forget(run);
            groups.taskEnded(run);
            return;
        }
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof ContainerLostException lost) {
            journal.report(run, TaskState.TASK_FAILED, lost.getMessage(), Reason.REASON_EXECUTOR_TERMINATED);
        } else if (cause != null) {
            journal.report(run, TaskState.TASK_FAILED, "The agent lost track of the task: " + cause,
                    Reason.REASON_EXECUTOR_TERMINATED);
        } else if (exit.limitation().isPresent()) {
            journal.report(run, TaskState.TASK_FAILED, exit.limitation().get().message(),
                    exit.limitation().get().reason());
        } else if (exit.killedByRequest()) {
            journal.report(run, TaskState.TASK_KILLED, "Command " + exit.describe(), null);
        } else if (exit.succeeded()) {
            journal.report(run, TaskState.TASK_FINISHED, "Command exited with status 0", null);
        } else {
            journal.report(run, TaskState.TASK_FAILED, "Command " + exit.describe(), null);
        }
        LOG.info("Task {} {}", run.task.getTaskId().getValue(), exit != null ? exit.describe() : cause.getMessage());
        groups.taskEnded(run);
    }
}
