package io.corral.agent;

import io.corral.protocol.agent.AgentEvent;
import java.time.Duration;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's KILL of a task, sent where the task is at: a task still fetching is ended at once (nothing runs yet);
 * one whose container is starting, or running, gets a kill request with the framework's grace period, else the
 * command executor's {@link #DEFAULT_KILL_GRACE} (recorded before the signal, {@link TaskJournal#requestKill}: SIGTERM,
 * then SIGKILL when the grace period is over); a custom executor's task goes to its executor ({@link ExecutorCalls}).
 * Also the kill of everything when the agent stops for good.
 *
 * <p><b>Threading contract.</b> Stateless; called on the agent's event loop.
 */
final class TaskKills {
    private static final Logger LOG = LoggerFactory.getLogger(TaskKills.class);
    /** The command executor's default kill grace period (Mesos: 3 s). */
    static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(3);

    private final Workload workload;
    private final TaskJournal journal;
    private final DefaultExecutorGroups groups;
    private final ExecutorCalls executorCalls;
    private final ExecutorTermination executorTermination;

    TaskKills(Workload workload, TaskJournal journal, DefaultExecutorGroups groups, ExecutorCalls executorCalls,
              ExecutorTermination executorTermination) {
        this.workload = workload;
        this.journal = journal;
        this.groups = groups;
        this.executorCalls = executorCalls;
        this.executorTermination = executorTermination;
    }

    /** The master's KILL. */
    void kill(AgentEvent.Kill kill) {
        TaskRun run = workload.task(kill.taskId());
        if (run == null || run.isTerminal()) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        if (run.fetch != null) { // nothing runs yet: the fetch's end finds the task ended and starts nothing
            run.fetch.cancel(false);
            journal.report(run, TaskState.TASK_KILLED, "Killed while its URIs were being fetched",
                    Reason.REASON_TASK_KILLED_DURING_LAUNCH);
            groups.taskEnded(run);
            return;
        }
        if (run.launching) {
            journal.requestKill(run, graceOf(kill));
            return;
        }
        if (run.container == null && run.task.hasExecutor()) {
            executorCalls.kill(run, kill.gracePeriodNanos());
            return;
        }
        if (run.container == null) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        journal.requestKill(run, graceOf(kill));
    }

    /** The framework's grace period for this kill (its kill policy, or the KILL's own), else the default. */
    private static Duration graceOf(AgentEvent.Kill kill) {
        return kill.gracePeriodNanos() > 0 ? Duration.ofNanos(kill.gracePeriodNanos()) : DEFAULT_KILL_GRACE;
    }

    /** Kills every task and executor (used when the agent is told to stop for good, e.g. by `corral local` on Ctrl-C). */
    void killAll() {
        for (TaskRun run : workload.tasks()) {
            if (run.hasOwnContainer() && !run.isTerminal()) {
                journal.requestKill(run, DEFAULT_KILL_GRACE);
            }
        }
        executorTermination.killAll();
    }
}
