package io.corral.frameworks.jobs;

import io.corral.frameworks.jobs.Run.KillReason;
import io.corral.frameworks.jobs.Run.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Everything the framework knows of one job, as stored durably in one document (so a new run and the schedule time
 * it consumes are written together): the definition, the last cron time scheduled, the run counter, the active runs
 * and the latest finished ones. The transitions are pure: each returns a new JobState, and the caller stores it
 * before acting on it (launching, killing).
 *
 * <p>Immutable; thread-safe.
 *
 * @param lastScheduled the latest cron time a run was created for (or when the schedule was set): runs are due for
 *                      the schedule's times after it
 * @param nextRun       the number the next run gets
 * @param runs          by number, oldest first
 */
public record JobState(JobDefinition definition, Instant createdAt, Instant lastScheduled, long nextRun,
                       List<Run> runs) {
    public JobState {
        runs = List.copyOf(runs);
    }

    /** A new job: its schedule counts from {@code now} (times before its creation are not "missed"). */
    public static JobState created(JobDefinition definition, Instant now) {
        return new JobState(definition, now, now, 1, List.of());
    }

    public String id() {
        return definition.id();
    }

    /** The definition replaced; a changed schedule counts from {@code now}. Runs carry on. */
    public JobState redefined(JobDefinition newDefinition, Instant now) {
        boolean sameSchedule = Objects.equals(newDefinition.schedule(), definition.schedule());
        return new JobState(newDefinition, createdAt, sameSchedule ? lastScheduled : now, nextRun, runs);
    }

    public List<Run> active() {
        return runs.stream().filter(Run::isActive).toList();
    }

    public Optional<Run> run(long number) {
        return runs.stream().filter(r -> r.number() == number).findFirst();
    }

    /** The active run whose current attempt is task {@code taskId}. */
    public Optional<Run> runOfTask(String taskId) {
        return runs.stream().filter(r -> r.isActive() && taskId.equals(r.taskId())).findFirst();
    }

    public List<Run> launchable(Instant now) {
        return runs.stream().filter(r -> r.isLaunchable(now)).toList();
    }

    /** The runs whose tasks the framework wants killed (again, after a failover). */
    public List<Run> killing() {
        return runs.stream().filter(r -> r.killRequested() != null && r.hasTask()).toList();
    }

    // ------------------------------------------------------------------------------------------------ time passing

    /** A cron run due at {@code now} (at most one: missed times collapse into one), and attempts that overran. */
    public JobState tick(Instant now) {
        JobState state = this;
        if (definition.schedule() != null) {
            Optional<Instant> due = ScheduleEngine.due(definition.schedule(), lastScheduled, now);
            if (due.isPresent()) {
                state = new JobState(definition, createdAt, due.get(), nextRun, runs)
                        .newRun(Trigger.SCHEDULE, due.get(), now);
            }
        }
        return state.timeouts(now);
    }

    /** When something is next due: a cron time, a retry's backoff end, an attempt's timeout. */
    public Optional<Instant> nextWake() {
        List<Instant> times = new ArrayList<>();
        if (definition.schedule() != null) {
            ScheduleEngine.nextDue(definition.schedule(), lastScheduled).ifPresent(times::add);
        }
        for (Run run : runs) {
            if (run.state() == RunState.SCHEDULED && run.notBefore() != null) {
                times.add(run.notBefore());
            }
            if (run.hasTask() && definition.timeout() != null && run.launchedAt() != null) {
                times.add(run.launchedAt().plus(definition.timeout()));
            }
        }
        return times.stream().min(Comparator.naturalOrder());
    }

    private JobState timeouts(Instant now) {
        Duration limit = definition.timeout();
        JobState state = this;
        for (Run run : active()) {
            if (!run.hasTask()) {
                continue;
            }
            boolean overran = limit != null && run.launchedAt() != null
                    && !now.isBefore(run.launchedAt().plus(limit));
            if (run.unreachable() && (overran || run.killRequested() != null)) {
                // its agent cannot be reached to kill it: give up on this attempt; if the task comes back it is
                // killed then (not a task of any active run any more)
                KillReason why = run.killRequested() != null ? run.killRequested() : KillReason.TIMEOUT;
                state = why == KillReason.TIMEOUT
                        ? state.attemptFailed(run, RunState.TIMED_OUT, null,
                                "timed out after " + limit + " while its agent was unreachable", now)
                        : state.replace(run.number(), r -> r.ended(RunState.KILLED, null, killMessage(why), now));
            } else if (overran && run.killRequested() == null) {
                state = state.replace(run.number(), r -> r.killing(KillReason.TIMEOUT));
            }
        }
        return state;
    }

    // ------------------------------------------------------------------------------------------------ new runs

    /** A run asked for now; RunConflictException when the job forbids overlap and a run is active. */
    public JobState runNow(Instant now) {
        return newRun(Trigger.MANUAL, now, now);
    }

    /** The number of the newest run. */
    public long lastRunNumber() {
        return nextRun - 1;
    }

    private JobState newRun(Trigger trigger, Instant scheduledAt, Instant now) {
        long number = nextRun;
        List<Run> active = active();
        List<Run> next = new ArrayList<>(runs);
        if (!active.isEmpty()) {
            switch (definition.concurrency()) {
                case FORBID -> {
                    String why = "run " + active.get(0).number() + " was still active";
                    if (trigger == Trigger.MANUAL) {
                        throw new RunConflictException("Job " + id() + " forbids concurrent runs and "
                                + "run " + active.get(0).number() + " is still active");
                    }
                    next.add(Run.scheduled(number, trigger, scheduledAt)
                            .ended(RunState.SKIPPED, null, "skipped: " + why, now));
                    return new JobState(definition, createdAt, lastScheduled, number + 1, next);
                }
                case REPLACE -> next.replaceAll(r -> !r.isActive() ? r
                        : r.hasTask() ? r.killing(KillReason.REPLACED)
                        : r.ended(RunState.KILLED, null, "replaced by run " + number, now));
                case ALLOW -> { }
            }
        }
        next.add(Run.scheduled(number, trigger, scheduledAt));
        return new JobState(definition, createdAt, lastScheduled, number + 1, next);
    }

    // ------------------------------------------------------------------------------------------------ tasks

    /** Run {@code number} is being launched as task {@code taskId} on that agent (recorded before LAUNCH is sent). */
    public JobState launching(long number, String taskId, String agentId, String host, Instant now) {
        return replace(number, r -> r.launching(taskId, agentId, host, now));
    }

    /** The sandbox path of the attempt that ran as task {@code taskId}, active or finished, once known. */
    public JobState withSandbox(String taskId, String sandbox) {
        return runs.stream().filter(r -> taskId.equals(r.taskId())).findFirst()
                .map(run -> replace(run.number(), r -> r.withSandbox(sandbox))).orElse(this);
    }

    /** A status update for the current attempt of one of the active runs (others change nothing). */
    public JobState update(TaskUpdate update, Instant now) {
        Optional<Run> found = runOfTask(update.taskId());
        if (found.isEmpty()) {
            return this;
        }
        Run run = found.get();
        KillReason killed = run.killRequested();
        switch (update.state()) {
            case TASK_STAGING, TASK_STARTING:
                return replace(run.number(), r -> r.withAgent(update.agentId()));
            case TASK_RUNNING, TASK_KILLING:
                return replace(run.number(), r -> r.running(update.agentId(), now));
            case TASK_UNREACHABLE:
                return replace(run.number(), r -> r.withUnreachable(true));
            case TASK_FINISHED:
                return replace(run.number(), r -> r.ended(RunState.FINISHED, 0, update.message(), now));
            case TASK_UNKNOWN, TASK_DROPPED:
                if (killed == null && run.state() == RunState.LAUNCHING) {
                    // the launch never took (e.g. sent just before a failover): the same attempt again
                    return replace(run.number(), r -> r.relaunch("attempt " + r.attempt() + " was not launched ("
                            + update.state() + "); launching it again"));
                }
                return attemptEnded(run, update, now);
            case TASK_KILLED:
                if (killed == null) { // killed by someone else (an operator): final, not retried
                    return replace(run.number(), r -> r.ended(RunState.KILLED, update.exitCode(),
                            orElse(update.message(), "killed"), now));
                }
                return attemptEnded(run, update, now);
            default: // TASK_FAILED, TASK_ERROR, TASK_LOST, TASK_GONE, TASK_GONE_BY_OPERATOR
                return attemptEnded(run, update, now);
        }
    }

    private JobState attemptEnded(Run run, TaskUpdate update, Instant now) {
        KillReason killed = run.killRequested();
        if (killed == KillReason.REPLACED || killed == KillReason.REMOVED) {
            return replace(run.number(), r -> r.ended(RunState.KILLED, update.exitCode(), killMessage(killed), now));
        }
        if (killed == KillReason.TIMEOUT) {
            return attemptFailed(run, RunState.TIMED_OUT, update.exitCode(),
                    "timed out after " + definition.timeout() + " and was killed", now);
        }
        String why = update.state() + (update.message() != null ? ": " + update.message() : "");
        return attemptFailed(run, RunState.FAILED, update.exitCode(), why, now);
    }

    /** The attempt failed (or timed out): another attempt after the backoff, or the run ends so. */
    private JobState attemptFailed(Run run, RunState finalState, Integer exitCode, String why, Instant now) {
        RetryPolicy retry = definition.retry();
        if (retry.allowsAnotherAfter(run.attempt())) {
            Instant after = now.plus(retry.delayBefore(run.attempt() + 1));
            return replace(run.number(), r -> r.retry(after, "attempt " + r.attempt() + " " + why));
        }
        return replace(run.number(), r -> r.ended(finalState, exitCode, why, now));
    }

    // ------------------------------------------------------------------------------------------------ housekeeping

    /** Keeps the active runs and the latest {@code limit} final ones. */
    public JobState pruned(int limit) {
        List<Run> finals = runs.stream().filter(r -> !r.isActive()).toList();
        if (finals.size() <= limit) {
            return this;
        }
        long oldestKept = limit <= 0 ? Long.MAX_VALUE : finals.get(finals.size() - limit).number();
        List<Run> kept = runs.stream().filter(r -> r.isActive() || r.number() >= oldestKept).toList();
        return new JobState(definition, createdAt, lastScheduled, nextRun, kept);
    }

    private JobState replace(long number, UnaryOperator<Run> change) {
        List<Run> next = Stream.of(runs.toArray(Run[]::new))
                .map(r -> r.number() == number ? change.apply(r) : r).toList();
        return new JobState(definition, createdAt, lastScheduled, nextRun, next);
    }

    private static String killMessage(KillReason why) {
        return why == KillReason.REPLACED ? "killed: replaced by a newer run" : "killed: the job was removed";
    }

    private static String orElse(String text, String absent) {
        return text != null ? text : absent;
    }
}
