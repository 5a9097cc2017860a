package io.corral.frameworks.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.apache.mesos.v1.Protos.TaskState.TASK_FAILED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_FINISHED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_KILLED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_RUNNING;
import static org.apache.mesos.v1.Protos.TaskState.TASK_UNKNOWN;
import static org.apache.mesos.v1.Protos.TaskState.TASK_UNREACHABLE;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.frameworks.jobs.Run.KillReason;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;

/** The run state machine and the schedule, on a fake clock (plain Instants). */
class JobStateTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:30Z");

    private static JobDefinition job(CronSchedule schedule, RetryPolicy retry, Duration timeout,
                                     ConcurrencyPolicy concurrency) {
        return new JobDefinition("j", JobCommand.shell("true"), null, 0.1, 32, 0, Map.of(), null, Map.of(),
                schedule, retry, timeout, concurrency);
    }

    private static JobDefinition onDemand() {
        return job(null, RetryPolicy.NONE, null, ConcurrencyPolicy.FORBID);
    }

    private static TaskUpdate update(String taskId, TaskState state, String message) {
        return new TaskUpdate(taskId, state, "agent-1", message);
    }

    /** Run {@code number} launched as task {@code taskId} and running. */
    private static JobState running(JobState state, long number, String taskId, Instant at) {
        return state.launching(number, taskId, "agent-1", "host-1", at).update(update(taskId, TASK_RUNNING, null), at);
    }

    @Test
    void anOnDemandRunFinishesWithExitCodeZero() {
        JobState state = JobState.created(onDemand(), T0).runNow(T0);
        assertThat(state.launchable(T0)).extracting(Run::number).containsExactly(1L);
        state = running(state, 1, "t1", T0.plusSeconds(1));
        assertThat(state.run(1).orElseThrow().state()).isEqualTo(RunState.RUNNING);
        state = state.update(update("t1", TASK_FINISHED, "Command exited with status 0"), T0.plusSeconds(5));
        Run run = state.run(1).orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.FINISHED);
        assertThat(run.exitCode()).isZero();
        assertThat(run.startedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(run.endedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(run.agentId()).isEqualTo("agent-1");
        assertThat(state.active()).isEmpty();
    }

    @Test
    void aFailingRunIsRetriedWithExponentialBackoffUpToTheLimitThenFails() {
        RetryPolicy retry = new RetryPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(10));
        JobState state = JobState.created(job(null, retry, null, ConcurrencyPolicy.FORBID), T0).runNow(T0);
        state = running(state, 1, "t1", T0);
        state = state.update(update("t1", TASK_FAILED, "Command exited with status 3"), T0.plusSeconds(2));
        Run retried = state.run(1).orElseThrow();
        assertThat(retried.state()).isEqualTo(RunState.SCHEDULED);
        assertThat(retried.attempt()).isEqualTo(2);
        assertThat(retried.notBefore()).isEqualTo(T0.plusSeconds(3));
        assertThat(state.launchable(T0.plusSeconds(2))).isEmpty();
        assertThat(state.launchable(T0.plusSeconds(3))).hasSize(1);
        assertThat(state.nextWake()).contains(T0.plusSeconds(3));

        state = running(state, 1, "t2", T0.plusSeconds(3));
        state = state.update(update("t2", TASK_FAILED, "Command exited with status 3"), T0.plusSeconds(4));
        assertThat(state.run(1).orElseThrow().notBefore()).isEqualTo(T0.plusSeconds(6)); // 2 s: doubled

        state = running(state, 1, "t3", T0.plusSeconds(6));
        state = state.update(update("t3", TASK_FAILED, "Command exited with status 3"), T0.plusSeconds(7));
        Run failed = state.run(1).orElseThrow();
        assertThat(failed.state()).isEqualTo(RunState.FAILED);
        assertThat(failed.attempt()).isEqualTo(3);
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(state.launchable(T0.plus(Duration.ofDays(1)))).isEmpty();
    }

    @Test
    void backoffIsCapped() {
        RetryPolicy retry = new RetryPolicy(10, Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(retry.delayBefore(2)).hasSeconds(1);
        assertThat(retry.delayBefore(4)).hasSeconds(4);
        assertThat(retry.delayBefore(5)).hasSeconds(5);
        assertThat(retry.delayBefore(11)).hasSeconds(5);
    }

    @Test
    void anAttemptThatOverrunsItsTimeoutIsKilledAndEndsTimedOut() {
        JobState state = JobState.created(job(null, RetryPolicy.NONE, Duration.ofSeconds(30),
                ConcurrencyPolicy.FORBID), T0).runNow(T0);
        state = running(state, 1, "t1", T0);
        assertThat(state.nextWake()).contains(T0.plusSeconds(30));
        assertThat(state.tick(T0.plusSeconds(29)).killing()).isEmpty();
        state = state.tick(T0.plusSeconds(30));
        assertThat(state.killing()).extracting(Run::killRequested).containsExactly(KillReason.TIMEOUT);
        state = state.update(update("t1", TASK_KILLED, "Command terminated by SIGTERM"), T0.plusSeconds(31));
        assertThat(state.run(1).orElseThrow().state()).isEqualTo(RunState.TIMED_OUT);
    }

    @Test
    void aTaskKilledByAnOperatorEndsKilledAndIsNotRetried() {
        RetryPolicy retry = new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(10));
        JobState state = running(JobState.created(job(null, retry, null, ConcurrencyPolicy.FORBID), T0)
                .runNow(T0), 1, "t1", T0);
        state = state.update(update("t1", TASK_KILLED, null), T0.plusSeconds(1));
        assertThat(state.run(1).orElseThrow().state()).isEqualTo(RunState.KILLED);
    }

    @Test
    void cronRunsAreDueAtTheirTimesOnceEach() {
        CronSchedule hourly = CronSchedule.of("0 * * * *", ZoneId.of("UTC"));
        JobState state = JobState.created(job(hourly, RetryPolicy.NONE, null, ConcurrencyPolicy.ALLOW), T0);
        assertThat(state.nextWake()).contains(Instant.parse("2026-03-01T11:00:00Z"));
        assertThat(state.tick(Instant.parse("2026-03-01T10:59:59Z")).runs()).isEmpty();
        state = state.tick(Instant.parse("2026-03-01T11:00:00Z"));
        assertThat(state.runs()).extracting(Run::scheduledAt).containsExactly(Instant.parse("2026-03-01T11:00:00Z"));
        assertThat(state.tick(Instant.parse("2026-03-01T11:00:05Z"))).isEqualTo(state);
        // an outage from 11:30 to 14:10: one run, for 14:00
        state = state.tick(Instant.parse("2026-03-01T14:10:00Z"));
        assertThat(state.runs()).extracting(Run::scheduledAt).containsExactly(
                Instant.parse("2026-03-01T11:00:00Z"), Instant.parse("2026-03-01T14:00:00Z"));
        assertThat(state.lastScheduled()).isEqualTo(Instant.parse("2026-03-01T14:00:00Z"));
    }

    @Test
    void forbidSkipsAScheduledRunWhileOneIsActiveAndRefusesRunNow() {
        CronSchedule everyMinute = CronSchedule.of("* * * * *", ZoneId.of("UTC"));
        JobState state = JobState.created(job(everyMinute, RetryPolicy.NONE, null, ConcurrencyPolicy.FORBID), T0);
        state = running(state.tick(T0.plusSeconds(30)), 1, "t1", T0.plusSeconds(31));
        state = state.tick(T0.plusSeconds(90));
        assertThat(state.run(2).orElseThrow().state()).isEqualTo(RunState.SKIPPED);
        assertThat(state.active()).extracting(Run::number).containsExactly(1L);
        JobState busy = state;
        assertThatThrownBy(() -> busy.runNow(T0.plusSeconds(91))).isInstanceOf(RunConflictException.class)
                .hasMessageContaining("run 1");
    }

    @Test
    void replaceKillsTheActiveRunAndStartsTheNewOne() {
        JobState state = JobState.created(job(null, new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                null, ConcurrencyPolicy.REPLACE), T0).runNow(T0);
        state = running(state, 1, "t1", T0).runNow(T0.plusSeconds(5));
        assertThat(state.killing()).extracting(Run::number).containsExactly(1L);
        assertThat(state.launchable(T0.plusSeconds(5))).extracting(Run::number).containsExactly(2L);
        state = state.update(update("t1", TASK_KILLED, null), T0.plusSeconds(6));
        assertThat(state.run(1).orElseThrow().state()).isEqualTo(RunState.KILLED); // not retried
    }

    @Test
    void allowRunsBothRuns() {
        JobState state = JobState.created(job(null, RetryPolicy.NONE, null, ConcurrencyPolicy.ALLOW), T0).runNow(T0);
        state = running(state, 1, "t1", T0).runNow(T0.plusSeconds(1));
        assertThat(state.active()).extracting(Run::number).containsExactly(1L, 2L);
        assertThat(state.killing()).isEmpty();
    }

    @Test
    void aRunOnAnUnreachableAgentWaitsThenIsRetriedElsewhereAfterItsTimeout() {
        JobState state = JobState.created(job(null, new RetryPolicy(1, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                Duration.ofSeconds(60), ConcurrencyPolicy.FORBID), T0).runNow(T0);
        state = running(state, 1, "t1", T0).update(update("t1", TASK_UNREACHABLE, null), T0.plusSeconds(10));
        assertThat(state.run(1).orElseThrow().unreachable()).isTrue();
        assertThat(state.tick(T0.plusSeconds(59)).run(1).orElseThrow().state()).isEqualTo(RunState.RUNNING);
        state = state.tick(T0.plusSeconds(60));
        Run retried = state.run(1).orElseThrow();
        assertThat(retried.state()).isEqualTo(RunState.SCHEDULED);
        assertThat(retried.attempt()).isEqualTo(2);
        // the old task is no run's any more: if it comes back, it is a stranger (the scheduler kills it)
        assertThat(state.runOfTask("t1")).isEmpty();
    }

    @Test
    void aReachableAgainRunCarriesOn() {
        JobState state = running(JobState.created(onDemand(), T0).runNow(T0), 1, "t1", T0)
                .update(update("t1", TASK_UNREACHABLE, null), T0.plusSeconds(10))
                .update(update("t1", TASK_RUNNING, null), T0.plusSeconds(20));
        assertThat(state.run(1).orElseThrow().unreachable()).isFalse();
        assertThat(state.run(1).orElseThrow().startedAt()).isEqualTo(T0);
    }

    @Test
    void aLaunchTheMasterNeverSawIsLaunchedAgainAsTheSameAttempt() {
        JobState state = JobState.created(onDemand(), T0).runNow(T0).launching(1, "t1", "agent-1", "h", T0)
                .update(update("t1", TASK_UNKNOWN, "Reconciliation: task unknown"), T0.plusSeconds(1));
        Run run = state.run(1).orElseThrow();
        assertThat(run.state()).isEqualTo(RunState.SCHEDULED);
        assertThat(run.attempt()).isEqualTo(1);
        assertThat(state.launchable(T0.plusSeconds(1))).hasSize(1);
    }

    @Test
    void historyKeepsTheLatestFinishedRunsAndEveryActiveOne() {
        JobState state = JobState.created(job(null, RetryPolicy.NONE, null, ConcurrencyPolicy.ALLOW), T0);
        for (int i = 1; i <= 5; i++) {
            state = state.runNow(T0);
            state = running(state, i, "t" + i, T0);
            if (i != 2) {
                state = state.update(update("t" + i, TASK_FINISHED, null), T0);
            }
        }
        assertThat(state.pruned(2).runs()).extracting(Run::number).containsExactly(2L, 4L, 5L);
    }

    @Test
    void theStoredDocumentReadsBackTheSame() throws Exception {
        CronSchedule hourly = CronSchedule.of("0 * * * *", ZoneId.of("Europe/Paris"));
        JobState state = JobState.created(job(hourly, new RetryPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(4)),
                Duration.ofSeconds(30), ConcurrencyPolicy.ALLOW), T0).runNow(T0);
        state = running(state, 1, "t1", T0).tick(T0.plusSeconds(30)).runNow(T0.plusSeconds(40));
        ObjectMapper mapper = new ObjectMapper();
        String stored = mapper.writeValueAsString(JobStateJson.write(state));
        assertThat(JobStateJson.read(mapper.readTree(stored))).isEqualTo(state);
    }

    @Test
    void theExitCodeIsReadFromTheFinalStatus() {
        assertThat(update("t", TASK_FINISHED, null).exitCode()).isZero();
        assertThat(update("t", TASK_FAILED, "Command exited with status 42").exitCode()).isEqualTo(42);
        assertThat(update("t", TASK_FAILED, "Command terminated by SIGTERM").exitCode()).isNull();
        assertThat(update("t", TASK_KILLED, null).exitCode()).isNull();
    }
}
