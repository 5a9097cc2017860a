package io.corral.agent;

import io.corral.agent.checks.Checker;
import io.corral.agent.checks.HealthChecker;
import io.corral.agent.checks.Probes;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.CheckStatusInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health check and the check of each task the agent runs itself (command tasks, and the default executor's
 * tasks), as Mesos's command executor runs them: started once the task runs, stopped when it ends. What they find
 * goes to the framework as TASK_RUNNING updates copied from the task's latest status, through the agent's reliable
 * {@link StatusUpdates} (recorded first by the {@link TaskJournal}):
 *
 * <ul>
 *   <li>a health change: {@code healthy} set, {@code REASON_TASK_HEALTH_CHECK_STATUS_UPDATED}; after
 *       {@code consecutive_failures} failures the task is killed with its kill policy's grace period, and its
 *       TASK_KILLED carries {@code healthy: false};
 *   <li>a new check result: {@code check_status} set, {@code REASON_TASK_CHECK_STATUS_UPDATED}.
 * </ul>
 *
 * As in Mesos, nothing is reported once a kill was requested or the task ended. A custom executor checks its own
 * tasks; the agent does not.
 *
 * <p>Threading contract: owned by the agent's event loop; the checkers' results and timers arrive there.
 */
final class TaskChecks {
    private static final Logger LOG = LoggerFactory.getLogger(TaskChecks.class);

    private final TaskJournal journal;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final Executor worker;
    private final Map<TaskID, List<Runnable>> running = new HashMap<>();

    TaskChecks(TaskJournal journal, Timers timers, Consumer<Runnable> loop, Executor worker) {
        this.journal = journal;
        this.timers = timers;
        this.loop = loop;
        this.worker = worker;
    }

    /** The task runs: start its checks. {@code agentVariables}: the {@code MESOS_*} variables the task got. */
    void start(TaskRun run, Map<String, String> agentVariables) {
        TaskInfo task = run.task;
        if ((!task.hasHealthCheck() && !task.hasCheck()) || running.containsKey(task.getTaskId())) {
            return;
        }
        String taskId = task.getTaskId().getValue();
        List<Runnable> stops = new ArrayList<>();
        if (task.hasHealthCheck()) {
            try {
                HealthChecker checker = new HealthChecker(task.getHealthCheck(), taskId,
                        Probes.of(task.getHealthCheck(), run.sandbox, agentVariables, task.getCommand()), timers,
                        loop, worker, (healthy, kill, detail) -> healthChanged(run, healthy, kill, detail));
                checker.start();
                stops.add(checker::stop);
            } catch (IllegalArgumentException e) {
                LOG.warn("Task {}: its health check cannot run: {}", taskId, e.getMessage());
            }
        }
        if (task.hasCheck()) {
            try {
                Checker checker = new Checker(task.getCheck(), taskId,
                        Probes.of(task.getCheck(), run.sandbox, agentVariables, task.getCommand()), timers, loop,
                        worker, status -> checkChanged(run, status));
                checker.start();
                stops.add(checker::stop);
            } catch (IllegalArgumentException e) {
                LOG.warn("Task {}: its check cannot run: {}", taskId, e.getMessage());
            }
        }
        running.put(task.getTaskId(), stops);
    }

    /** The task ended (or is forgotten): its checks stop, and a result still in flight is dropped. */
    void stop(TaskRun run) {
        List<Runnable> stops = running.remove(run.task.getTaskId());
        if (stops != null) {
            stops.forEach(Runnable::run);
        }
    }

    private boolean reportable(TaskRun run) {
        return !run.isTerminal() && run.killGracePeriod == null && !run.orphaned
                && running.containsKey(run.task.getTaskId());
    }

    private void healthChanged(TaskRun run, boolean healthy, boolean kill, String detail) {
        if (!reportable(run)) {
            return;
        }
        journal.reportAgain(run, Reason.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED,
                status -> status.setHealthy(healthy).setMessage(detail));
        if (kill) {
            LOG.warn("Task {}: killing it after {} consecutive failed health checks", run.task.getTaskId().getValue(),
                    run.task.getHealthCheck().getConsecutiveFailures());
            run.killedByHealthCheck = true;
            journal.requestKill(run, killGrace(run.task));
        }
    }

    private void checkChanged(TaskRun run, CheckStatusInfo checkStatus) {
        if (reportable(run)) {
            journal.reportAgain(run, Reason.REASON_TASK_CHECK_STATUS_UPDATED, status -> status.setCheckStatus(checkStatus));
        }
    }

    /** The task's kill policy's grace period, else the command executor's default. */
    private static Duration killGrace(TaskInfo task) {
        if (task.hasKillPolicy() && task.getKillPolicy().hasGracePeriod()) {
            return Duration.ofNanos(Math.max(0, task.getKillPolicy().getGracePeriod().getNanoseconds()));
        }
        return TaskKills.DEFAULT_KILL_GRACE;
    }
}
