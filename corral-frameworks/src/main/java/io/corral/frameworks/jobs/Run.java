package io.corral.frameworks.jobs;

import java.time.Instant;

/**
 * One run of a job, and where its current attempt is. Immutable: every change makes a new Run (see {@link JobState},
 * which owns the transitions).
 *
 * @param number        the run's id, 1, 2, 3... per job
 * @param scheduledAt   the cron time it was scheduled for, or when it was asked for
 * @param attempt       1 for the first try, 2 for the first retry...
 * @param taskId        the current attempt's task id: recorded before LAUNCH is sent; null while SCHEDULED
 * @param notBefore     a retry waits until then (backoff); null: launch at the first offer
 * @param launchedAt    when the current attempt was launched (its timeout counts from then)
 * @param startedAt     when the current attempt reported TASK_RUNNING
 * @param exitCode      from the final attempt's final TaskStatus, when it says one
 * @param killRequested why the framework is killing the current attempt (kept until the task is final, so a new
 *                      leader kills it again); null when it is not
 * @param unreachable   the attempt's agent is unreachable (PARTITION_AWARE): the run waits for it, or its timeout
 */
public record Run(long number, Trigger trigger, Instant scheduledAt, RunState state, int attempt, String taskId,
                  String agentId, String host, String sandbox, Instant notBefore, Instant launchedAt,
                  Instant startedAt, Instant endedAt, Integer exitCode, String message, KillReason killRequested,
                  boolean unreachable) {

    /** How the run came about. */
    public enum Trigger { SCHEDULE, MANUAL }

    /** Why the framework kills a run's task. */
    public enum KillReason { TIMEOUT, REPLACED, REMOVED }

    static Run scheduled(long number, Trigger trigger, Instant scheduledAt) {
        return new Run(number, trigger, scheduledAt, RunState.SCHEDULED, 1, null, null, null, null, null, null, null,
                null, null, null, null, false);
    }

    public boolean isActive() {
        return !state.isFinal();
    }

    /** Waiting for an offer, its backoff (if any) over at {@code now}. */
    public boolean isLaunchable(Instant now) {
        return state == RunState.SCHEDULED && (notBefore == null || !notBefore.isAfter(now));
    }

    /** Has a task out there (or maybe out there: LAUNCH sent). */
    public boolean hasTask() {
        return taskId != null && (state == RunState.LAUNCHING || state == RunState.RUNNING);
    }

    Run withState(RunState newState) {
        return new Run(number, trigger, scheduledAt, newState, attempt, taskId, agentId, host, sandbox, notBefore,
                launchedAt, startedAt, endedAt, exitCode, message, killRequested, unreachable);
    }

    Run launching(String newTaskId, String newAgentId, String newHost, Instant at) {
        return new Run(number, trigger, scheduledAt, RunState.LAUNCHING, attempt, newTaskId, newAgentId, newHost,
                null, null, at, null, null, null, null, null, false);
    }

    Run running(String newAgentId, Instant at) {
        return new Run(number, trigger, scheduledAt, RunState.RUNNING, attempt, taskId,
                newAgentId != null ? newAgentId : agentId, host, sandbox, notBefore, launchedAt,
                startedAt != null ? startedAt : at, endedAt, exitCode, message, killRequested, false);
    }

    Run withAgent(String newAgentId) {
        return new Run(number, trigger, scheduledAt, state, attempt, taskId,
                newAgentId != null ? newAgentId : agentId, host, sandbox, notBefore, launchedAt, startedAt, endedAt,
                exitCode, message, killRequested, false);
    }

    Run withUnreachable(boolean isUnreachable) {
        return new Run(number, trigger, scheduledAt, state, attempt, taskId, agentId, host, sandbox, notBefore,
                launchedAt, startedAt, endedAt, exitCode, message, killRequested, isUnreachable);
    }

    Run withSandbox(String path) {
        return new Run(number, trigger, scheduledAt, state, attempt, taskId, agentId, host, path, notBefore,
                launchedAt, startedAt, endedAt, exitCode, message, killRequested, unreachable);
    }

    Run killing(KillReason why) {
        return new Run(number, trigger, scheduledAt, state, attempt, taskId, agentId, host, sandbox, notBefore,
                launchedAt, startedAt, endedAt, exitCode, message, why, unreachable);
    }

    Run ended(RunState finalState, Integer code, String why, Instant at) {
        return new Run(number, trigger, scheduledAt, finalState, attempt, taskId, agentId, host, sandbox, null,
                launchedAt, startedAt, at, code, why, null, false);
    }

    /** The next attempt, SCHEDULED, waiting until {@code after}. */
    Run retry(Instant after, String why) {
        return new Run(number, trigger, scheduledAt, RunState.SCHEDULED, attempt + 1, null, null, null, null, after,
                null, null, null, null, why, null, false);
    }

    /** The same attempt again on a new task: its launch never reached an agent. */
    Run relaunch(String why) {
        return new Run(number, trigger, scheduledAt, RunState.SCHEDULED, attempt, null, null, null, null, null,
                null, null, null, null, why, null, false);
    }
}
