package io.corral.agent;

import io.corral.agent.containerizer.ContainerExit;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How custom and default executors end ({@code docs/architecture.md}, "Executors"): a custom executor's container
 * exits (watched from its start or its recovery), the framework shuts it down (SHUTDOWN, then its grace period,
 * then the container is destroyed), its framework is shut down, or the default executor's last task ends. Whatever
 * the cause, {@link #terminated} does the same: the executor's tasks that had not ended are failed, the master hears
 * EXECUTOR_EXITED with the wait status, and its records go.
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop; container exits and the shutdown grace timer are
 * posted to it. The executors themselves are the {@link Workload}'s.
 */
final class ExecutorTermination {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorTermination.class);
    /** The wait status reported for an executor this agent could not start: as if it exited with status 1. */
    static final int EXECUTOR_NEVER_STARTED = 1 << 8;
    /** Mesos's {@code --executor_shutdown_grace_period}, unless the ExecutorInfo sets its own. */
    static final Duration DEFAULT_EXECUTOR_SHUTDOWN_GRACE = Duration.ofSeconds(5);

    private final Workload workload;
    private final TaskJournal journal;
    private final TaskCleanup cleanup;
    private final AgentStore store;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final Supplier<AgentID> agentId;
    /** Sends to the master if this agent is registered with one; dropped otherwise. */
    private final Consumer<AgentCall> toMaster;

    ExecutorTermination(Workload workload, TaskJournal journal, TaskCleanup cleanup, AgentStore store, Timers timers,
                        Consumer<Runnable> loop, Supplier<AgentID> agentId, Consumer<AgentCall> toMaster) {
        this.workload = workload;
        this.journal = journal;
        this.cleanup = cleanup;
        this.store = store;
        this.timers = timers;
        this.loop = loop;
        this.agentId = agentId;
        this.toMaster = toMaster;
    }

    /** Posts the end of a custom executor's container to the loop. */
    void watch(ExecutorRun executor) {
        executor.container.exit().whenComplete((exit, failure) ->
                loop.accept(() -> containerEnded(executor, exit, failure)));
    }

    private void containerEnded(ExecutorRun executor, ContainerExit exit, Throwable failure) {
        if (!workload.isCurrent(executor)) {
            return;
        }
        int waitStatus;
        String how;
        if (exit != null) {
            waitStatus = exit.exitCode().isPresent() ? (exit.exitCode().getAsInt() & 0xff) << 8
                    : exit.signal().getAsInt() & 0x7f;
            how = exit.describe();
        } else {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            waitStatus = EXECUTOR_NEVER_STARTED;
            how = "was lost: " + (cause != null ? cause.getMessage() : "unknown");
        }
        LOG.info("{} {}", executor.describe(), how);
        if (executor.terminationMessage == null) {
            executor.terminationMessage = "Executor " + how;
        }
        terminated(executor, waitStatus);
    }

    /** The framework's SHUTDOWN_EXECUTOR. */
    void shutdown(FrameworkID frameworkId, ExecutorID executorId) {
        ExecutorRun executor = workload.executor(new Workload.ExecutorKey(frameworkId, executorId));
        if (executor == null) {
            LOG.info("Shutdown of executor {} of framework {} ignored: not running here", executorId.getValue(),
                    frameworkId.getValue());
            return;
        }
        shutdown(executor, "Executor shut down by its framework");
    }

    /**
     * Mesos's executor shutdown: a subscribed custom executor gets SHUTDOWN and its grace period to end, then its
     * container is destroyed; one that is not subscribed is destroyed at once. The default executor kills its tasks.
     */
    void shutdown(ExecutorRun executor, String why) {
        if (executor.terminationMessage == null) {
            executor.terminationMessage = why;
        }
        if (executor.isDefault()) {
            killDefaultExecutorTasks(executor);
            endDefaultExecutorIfDone(executor);
            return;
        }
        if (executor.container == null || executor.shutdownTimer != null) {
            return; // never started, or already shutting down
        }
        if (executor.isSubscribed()) {
            executor.subscription.shutdown();
            Duration grace = executor.shutdownGracePeriod();
            executor.shutdownTimer = timers.schedule(grace, () -> {
                executor.shutdownTimer = null;
                if (workload.isCurrent(executor)) {
                    LOG.info("{} still runs {} after SHUTDOWN: destroying it", executor.describe(), grace);
                    executor.container.kill(Duration.ZERO);
                }
            });
        } else {
            executor.container.kill(Duration.ZERO);
        }
    }

    private void killDefaultExecutorTasks(ExecutorRun executor) {
        for (TaskID taskId : List.copyOf(executor.tasks)) {
            TaskRun run = workload.task(taskId);
            if (run != null && run.hasOwnContainer() && !run.isTerminal()) {
                journal.requestKill(run, TaskKills.DEFAULT_KILL_GRACE);
            }
        }
    }

    /** The framework was shut down: its executors are destroyed and report nothing more. */
    void shutdownFramework(FrameworkID frameworkId) {
        for (ExecutorRun executor : workload.executors()) {
            if (executor.frameworkId.equals(frameworkId)) {
                executor.orphaned = true;
                shutdown(executor, "Framework shut down");
            }
        }
    }

    /** The default executor ends with its last task: once none of its tasks runs, it is terminated (status 0). */
    void endDefaultExecutorIfDone(ExecutorRun executor) {
        // A task of a shut-down framework is forgotten when its container ends, not before: until then it runs.
        boolean done = executor.tasks.stream().map(workload::task).allMatch(run -> run == null || run.isTerminal());
        if (done) {
            LOG.info("{}: all its tasks ended", executor.describe());
            executor.terminationMessage = "All tasks of the default executor ended";
            terminated(executor, 0);
        }
    }

    /**
     * The executor is gone: its tasks that had not ended are failed (Mesos's docs say TASK_LOST; Corral says
     * TASK_FAILED with REASON_EXECUTOR_TERMINATED, a terminal state every framework understands and that names the
     * cause), the master is told (EXECUTOR_EXITED: it frees the executor's resources and tells the framework
     * FAILURE), and its records go once nothing of its tasks waits for an acknowledgement.
     */
    void terminated(ExecutorRun executor, int waitStatus) {
        executor.cancelTimers();
        if (executor.subscription != null) {
            executor.subscription.close();
            executor.subscription = null;
        }
        workload.removeExecutor(executor);
        store.removeExecutor(executor.frameworkId, executor.info.getExecutorId().getValue());
        for (TaskID taskId : List.copyOf(executor.tasks)) {
            TaskRun run = workload.task(taskId);
            if (run != null) {
                endTask(executor, run);
            }
        }
        if (!workload.runDirInUse(executor.runDir)) {
            store.remove(executor.frameworkId, executor.runDir);
        }
        cleanup.sandboxReleased(executor.sandbox);
        if (!executor.orphaned) {
            sendExited(executor, waitStatus);
        }
    }

    /** A task of an executor that ended: failed if it had not ended, forgotten once nothing of it is pending. */
    private void endTask(ExecutorRun executor, TaskRun run) {
        if (!executor.orphaned && !run.isTerminal()) {
            journal.report(run, TaskState.TASK_FAILED, executor.terminationMessage,
                    executor.terminationReason != null ? executor.terminationReason
                            : Reason.REASON_EXECUTOR_TERMINATED);
        }
        if (run.orphaned || executor.orphaned
                || (run.isTerminal() && !journal.updates().hasPending(run.task.getTaskId()))) {
            cleanup.forget(run);
        }
    }

    /** EXECUTOR_EXITED for the master (which frees the executor's resources and tells the framework). */
    void sendExited(ExecutorRun executor, int waitStatus) {
        // Without a master now, the next leader learns it from REGISTER, which no longer lists the executor.
        toMaster.accept(AgentCall.executorExited(agentId.get(), executor.frameworkId,
                executor.info.getExecutorId(), waitStatus));
    }

    /** The agent stops for good (e.g. {@code corral local} on Ctrl-C): custom executors are killed too. */
    void killAll() {
        for (ExecutorRun executor : workload.executors()) {
            if (executor.container != null) {
                executor.container.kill(TaskKills.DEFAULT_KILL_GRACE);
            }
        }
    }
}
