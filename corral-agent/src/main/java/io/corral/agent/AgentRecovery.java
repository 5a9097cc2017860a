package io.corral.agent;

import io.corral.agent.containerizer.ProcessContainerizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries on from the checkpoint an earlier run of this agent left ({@code docs/architecture.md}, "Checkpoint and
 * recovery"): the frameworks, executors and tasks {@link AgentStore#replay} reads back go into the {@link Workload};
 * every container is found again (tasks kept running while the agent was down, and those that ended meanwhile are
 * reported from the exit status their launcher recorded); the queues of unacknowledged updates are restored, to be
 * resent once a master registers the agent under its old id; a kill that was asked for is resumed; a task whose
 * record cannot be read is killed and reported TASK_LOST. Containers nobody recovered are then cleaned up by the
 * isolators.
 *
 * <p><b>Threading contract.</b> Runs once, on the agent's event loop, before the agent connects to a master; it
 * keeps no state of its own.
 */
final class AgentRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(AgentRecovery.class);

    private final Workload workload;
    private final AgentStore store;
    private final TaskJournal journal;
    private final ProcessContainerizer containerizer;
    private final TaskChecks checks;
    private final TaskCleanup cleanup;
    private final TaskExits exits;
    private final TaskLauncher taskLauncher;
    private final ExecutorLauncher executorLauncher;
    private final ExecutorTermination executorTermination;
    /** Whether this agent still has the id its checkpointed tasks' statuses name. */
    private final BooleanSupplier hasId;

    AgentRecovery(Workload workload, AgentStore store, TaskJournal journal, ProcessContainerizer containerizer,
                  TaskChecks checks, TaskCleanup cleanup, TaskExits exits, TaskLauncher taskLauncher,
                  ExecutorLauncher executorLauncher, ExecutorTermination executorTermination, BooleanSupplier hasId) {
        this.workload = workload;
        this.store = store;
        this.journal = journal;
        this.containerizer = containerizer;
        this.checks = checks;
        this.cleanup = cleanup;
        this.exits = exits;
        this.taskLauncher = taskLauncher;
        this.executorLauncher = executorLauncher;
        this.executorTermination = executorTermination;
        this.hasId = hasId;
    }

    /** Reads the checkpoint back and carries on from it. */
    void recover() {
        AgentStore.Replay replay = store.replay();
        if (replay.isEmpty()) {
            return;
        }
        if (!hasId.getAsBoolean()) {
            killEverything(replay);
            return;
        }
        replay.frameworks().forEach(workload::putFramework);
        Set<String> live = new HashSet<>(); // the containers recovered: the isolators clean up the others
        replay.executors().forEach(stored -> recoverExecutor(stored, live));
        replay.tasks().forEach(stored -> recoverTask(stored, live));
        replay.unreadable().forEach(task -> recoverUnreadable(task, live));
        finishExecutors();
        containerizer.isolators().recover(live);
        LOG.info("Recovered {} task(s) ({} still running), {} executor(s), {} unreadable, {} update(s) to resend",
                workload.tasks().size(), workload.tasks().stream().filter(run -> !run.isTerminal()).count(),
                workload.executors().size(), workload.unreadableCount(),
                workload.tasks().stream().mapToInt(run -> journal.updates().pending(run.task.getTaskId()).size())
                        .sum() + workload.unreadableCount());
    }

    /** Its tasks' statuses name an agent id this agent no longer has: no master would take them back. */
    private void killEverything(AgentStore.Replay replay) {
        LOG.error("The checkpoint holds {} task(s) but the agent id is lost; killing them and starting afresh",
                replay.tasks().size() + replay.unreadable().size());
        replay.executors().forEach(executor -> killAndForget(executor.frameworkId(), executor.containerId(),
                executor.runDir()));
        replay.tasks().forEach(task -> killAndForget(task.frameworkId(), task.containerId(), task.runDir()));
        replay.unreadable().forEach(task -> killAndForget(task.frameworkId(), task.containerId(), task.runDir()));
    }

    private void killAndForget(FrameworkID frameworkId, String containerId, Path runDir) {
        containerizer.recover(containerId, runDir, Duration.ZERO);
        store.remove(frameworkId, runDir);
    }

    /**
     * An executor read back from the checkpoint: a custom one's container is found again and watched (it kept
     * running while the agent was down); it gets the registration timeout to subscribe again ({@link #finishExecutors}).
     */
    private void recoverExecutor(AgentStore.StoredExecutor stored, Set<String> live) {
        ExecutorRun executor = new ExecutorRun(stored.frameworkId(), stored.info(), stored.containerId(),
                stored.sandbox(), stored.runDir());
        workload.addExecutor(executor);
        if (!executor.isDefault()) {
            executor.container = containerizer.recover(executor.containerId, executor.runDir, null);
            containerizer.rotateLogs(executor.container, executor.sandbox);
            live.add(executor.containerId);
            executorTermination.watch(executor);
        }
    }

    private void recoverTask(AgentStore.StoredTask stored, Set<String> live) {
        TaskRun run = new TaskRun(stored.frameworkId(), stored.task(), stored.containerId(), stored.sandbox(),
                stored.runDir());
        run.latestStatus = stored.latest();
        run.killGracePeriod = stored.killGracePeriod();
        run.orphaned = stored.orphaned();
        workload.addTask(run);
        journal.updates().restore(run.frameworkId, run.task.getTaskId(), stored.pending());
        ExecutorRun executor = workload.executorOf(run);
        if (executor != null) {
            executor.tasks.add(run.task.getTaskId());
        }
        if (run.isTerminal()) {
            if (!journal.updates().hasPending(run.task.getTaskId())) {
                cleanup.forget(run); // its last update was acknowledged just before the agent stopped
            }
            return;
        }
        if (run.task.hasExecutor() && executor == null) {
            // Its executor ended (or its record is unreadable) before the agent could report the task.
            journal.report(run, TaskState.TASK_FAILED, "The task's executor terminated while the agent was down",
                    Reason.REASON_EXECUTOR_TERMINATED);
            if (live.add(run.containerId)) { // whatever still runs of it cannot be managed: stop it
                containerizer.recover(run.containerId, run.runDir, Duration.ZERO);
            }
            return;
        }
        if (executor != null && !executor.isDefault()) {
            if (run.state() == TaskState.TASK_STAGING) {
                // Not yet handed over, or handed over and not yet reported: the executor's SUBSCRIBE tells which.
                executor.pendingLaunches.add(new ExecutorRun.PendingLaunch(List.of(run.task.getTaskId()), false));
            }
            return;
        }
        recoverContainer(run, live);
    }

    /**
     * A task with a container of its own: found again and watched; a kill that was asked for goes on with a fresh
     * grace period, and its checks start afresh.
     */
    private void recoverContainer(TaskRun run, Set<String> live) {
        if (run.orphaned && run.killGracePeriod == null) {
            run.killGracePeriod = TaskKills.DEFAULT_KILL_GRACE; // its framework was shut down just before the agent stopped
        }
        run.container = containerizer.recover(run.containerId, run.runDir, run.killGracePeriod);
        containerizer.rotateLogs(run.container, run.sandbox);
        live.add(run.containerId);
        if (run.state() == TaskState.TASK_STARTING && !run.container.exit().isDone()) {
            journal.report(run, TaskState.TASK_RUNNING, null, null); // the agent stopped before it could say so
        }
        exits.watch(run);
        FrameworkInfo framework = workload.framework(run.frameworkId);
        if (!run.container.exit().isDone() && framework != null) {
            checks.start(run, taskLauncher.taskEnvironment(framework, run)); // afresh: delay, grace...
        }
    }

    private void recoverUnreadable(AgentStore.Unreadable task, Set<String> live) {
        LOG.error("Task {} of framework {}: its checkpoint is unreadable ({}); reporting it lost",
                task.taskId().getValue(), task.frameworkId().getValue(), task.reason());
        if (!live.contains(task.containerId())) {
            // Its container, if still running, cannot be managed without the task's record: stop it (unless it
            // is a custom executor's, which runs other tasks too).
            containerizer.recover(task.containerId(), task.runDir(), Duration.ZERO);
            live.add(task.containerId());
        }
        workload.addUnreadable(task);
        journal.reportUnreadable(task);
    }

    /** After the tasks were recovered: the default executors' groups and the custom executors' deadlines. */
    private void finishExecutors() {
        for (ExecutorRun executor : workload.executors()) {
            if (executor.isDefault()) {
                // The groups are not checkpointed: after a restart, all of a default executor's tasks are one group.
                executor.groups.add(new LinkedHashSet<>(executor.tasks));
                executorTermination.endDefaultExecutorIfDone(executor);
            } else {
                executorLauncher.awaitSubscription(executor);
            }
        }
    }
}
