package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.frameworks.common.FrameworkHttp;
import io.corral.frameworks.common.FrameworkProcess;
import io.corral.frameworks.jobs.JobsConfig;
import io.corral.frameworks.jobs.JobsFramework;
import io.corral.protocol.concurrent.ManualTimers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jobs framework on a real in-process cluster (ZooKeeper, a master, an agent running real processes), its
 * schedule on a fake clock ({@link ManualTimers}) shared by the Jobs processes of a test.
 */
class JobsFrameworkTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:30Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path workDir;
    private InProcessCluster cluster;

    private final ManualTimers clock = new ManualTimers(T0.toEpochMilli());
    private final List<FrameworkProcess> processes = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 1);
    }

    @AfterEach
    void stopAll() throws Exception {
        processes.forEach(FrameworkProcess::close);
        cluster.close();
    }

    /** One Jobs process, as {@code corral jobs} runs it: its own ZooKeeper client, REST server, election. */
    private FrameworkProcess startJobs() {
        return startJobs(JobsConfig.DEFAULTS);
    }

    private FrameworkProcess startJobs(JobsConfig config) {
        FrameworkProcess process = FrameworkProcess.start(new FrameworkProcess.Options(JobsFramework.NAME,
                cluster.zk, Duration.ofSeconds(2), FrameworkHttp.Options.of("127.0.0.1", 0, Optional.empty()),
                "127.0.0.1", Optional.empty(), Optional.empty(), "*", System.getProperty("user.name")),
                JobsFramework.parts(clock, config));
        processes.add(process);
        return process;
    }

    private static FrameworkProcess leading(FrameworkProcess server) {
        await().atMost(Duration.ofSeconds(20)).until(() -> server.isLeader()
                && request(server, "GET", "/v1/jobs", null).statusCode() == 200);
        return server;
    }

    static HttpResponse<String> request(FrameworkProcess server, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode history(FrameworkProcess server, String job) throws Exception {
        HttpResponse<String> response = request(server, "GET", "/v1/jobs/" + job + "/runs", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void create(FrameworkProcess server, String definition) throws Exception {
        HttpResponse<String> created = request(server, "POST", "/v1/jobs", definition);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static List<String> field(JsonNode runs, String name) {
        List<String> values = new ArrayList<>();
        runs.forEach(run -> values.add(run.path(name).asText()));
        return values;
    }

    @Test
    void anOnDemandRunFinishesWithExitCodeZeroInTheHistory() throws Exception {
        FrameworkProcess jobs = leading(startJobs());
        create(jobs, "{'id': 'hello', 'cmd': 'echo hello'}");
        HttpResponse<String> run = request(jobs, "POST", "/v1/jobs/hello/runs", null);
        assertThat(run.statusCode()).as(run.body()).isEqualTo(201);
        assertThat(JSON.readTree(run.body()).path("id").asLong()).isEqualTo(1);

        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "hello").path(0).path("state").asText(),
                "finished"::equals);
        JsonNode finished = history(jobs, "hello").get(0);
        assertThat(finished.path("exit_code").asInt(-1)).isZero();
        assertThat(finished.path("attempt").asInt()).isEqualTo(1);
        assertThat(finished.path("agent_id").asText()).isNotBlank();
        assertThat(finished.path("host").asText()).isEqualTo("127.0.0.1");
        assertThat(finished.path("task_id").asText()).startsWith("hello.1.1-");
        assertThat(finished.path("started_at").asText()).isNotBlank();
        assertThat(finished.path("ended_at").asText()).isNotBlank();
        // the sandbox, as the agent's /state names it, once the framework has asked
        await().atMost(Duration.ofSeconds(10)).until(() -> history(jobs, "hello").path(0).path("sandbox").asText(""),
                sandbox -> sandbox.startsWith(workDir.toString()) && sandbox.contains("hello.1.1-"));
    }

    @Test
    void aFailingCommandIsRetriedUpToTheLimitAndStops() throws Exception {
        FrameworkProcess jobs = leading(startJobs());
        create(jobs, "{'id': 'fails', 'cmd': 'exit 3', 'retries': 2, 'retry_delay_seconds': 1}");
        assertThat(request(jobs, "POST", "/v1/jobs/fails/runs", null).statusCode()).isEqualTo(201);

        // the fake clock moves a second at each look, so each backoff ends
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            clock.advance(Duration.ofSeconds(1));
            return history(jobs, "fails").path(0).path("state").asText();
        }, "failed"::equals);
        JsonNode failed = history(jobs, "fails").get(0);
        assertThat(failed.path("attempt").asInt()).isEqualTo(3);
        assertThat(failed.path("exit_code").asInt()).isEqualTo(3);

        clock.advance(Duration.ofMinutes(10));
        JsonNode later = history(jobs, "fails");
        assertThat(later).hasSize(1);
        assertThat(later.get(0).path("attempt").asInt()).isEqualTo(3);
        assertThat(later.get(0).path("state").asText()).isEqualTo("failed");
    }

    @Test
    void forbidSkipsAScheduledRunWhileOneIsRunningAndRefusesRunNow() throws Exception {
        FrameworkProcess jobs = leading(startJobs());
        create(jobs, "{'id': 'slow', 'cmd': 'sleep 60', 'schedule': '* * * * *', 'concurrency': 'forbid'}");
        clock.advance(Duration.ofSeconds(30)); // 10:01
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "slow").path(0).path("state").asText(),
                "running"::equals);
        clock.advance(Duration.ofMinutes(1)); // 10:02: run 1 still running
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "slow").size() == 2);
        JsonNode runs = history(jobs, "slow");
        assertThat(field(runs, "state")).containsExactly("skipped", "running");
        assertThat(runs.get(0).path("message").asText()).contains("run 1");

        HttpResponse<String> refused = request(jobs, "POST", "/v1/jobs/slow/runs", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("run 1");

        assertThat(request(jobs, "DELETE", "/v1/jobs/slow", null).statusCode()).isEqualTo(204);
        assertThat(request(jobs, "GET", "/v1/jobs/slow", null).statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(30)).until(() -> liveTasks() == 0); // its running task was killed
    }

    @Test
    void anAttemptPastItsTimeoutIsKilledAndTheRunEndsTimedOut() throws Exception {
        FrameworkProcess jobs = leading(startJobs());
        create(jobs, "{'id': 'hangs', 'cmd': 'sleep 600', 'timeout_seconds': 30}");
        assertThat(request(jobs, "POST", "/v1/jobs/hangs/runs", null).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "hangs").path(0).path("state").asText(),
                "running"::equals);
        assertThat(liveTasks()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "hangs").path(0).path("state").asText(),
                "timed_out"::equals);
        assertThat(history(jobs, "hangs").get(0).path("message").asText()).contains("timed out");
        assertThat(liveTasks()).isZero();
    }

    /**
     * The agent running an attempt is cut off (stopped, its task left running): the run waits while the agent is
     * unreachable; at its timeout the attempt is given up and retried on another agent; when the first agent returns,
     * its task is a stranger to the job and is killed, so only the retry's process runs.
     */
    @Test
    void aRunOnAnUnreachableAgentIsRetriedElsewhereAtItsTimeoutAndTheStrayKilledWhenTheAgentReturns()
            throws Exception {
        cluster.startAgent(1);
        TaskPids pids = new TaskPids(workDir.resolve("pids"));
        FrameworkProcess jobs = leading(startJobs());
        create(jobs, "{'id': 'long', 'cmd': '" + pids.recordingThen("MESOS_EXECUTOR_ID", "sleep 600") + "',"
                + " 'timeout_seconds': 60, 'retries': 1, 'retry_delay_seconds': 1}");
        assertThat(request(jobs, "POST", "/v1/jobs/long/runs", null).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "long").path(0).path("state").asText(),
                "running"::equals);
        JsonNode first = history(jobs, "long").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> pids.alive("long.1.1-") == 1);
        int lostIndex = agentRunning(first.path("task_id").asText());

        cluster.agents.remove(lostIndex).stop(false); // its task keeps running; its presence goes at once
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "long").path(0).path("unreachable")
                .asBoolean());
        assertThat(history(jobs, "long").path(0).path("state").asText()).as("the run waits for its agent")
                .isEqualTo("running");

        clock.advance(Duration.ofSeconds(60)); // the attempt's timeout: given up, a retry scheduled
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "long").path(0).path("attempt")
                .asInt() == 2);
        clock.advance(Duration.ofSeconds(1)); // the retry's delay, counted from when the loop gave up
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode run = history(jobs, "long").path(0);
            return run.path("attempt").asInt() == 2 && run.path("state").asText().equals("running");
        });
        JsonNode retried = history(jobs, "long").get(0);
        assertThat(retried.path("agent_id").asText()).as("retried on the other agent")
                .isNotEqualTo(first.path("agent_id").asText());
        assertThat(history(jobs, "long")).as("still one run").hasSize(1);

        cluster.startAgent(lostIndex); // same work dir: same agent id; recovers the first attempt's task
        await().atMost(Duration.ofSeconds(60)).until(() -> pids.alive("long.1.1-") == 0);
        assertThat(pids.alive("long.1.2-")).as("the retry runs on").isEqualTo(1);
        assertThat(history(jobs, "long").path(0).path("state").asText()).isEqualTo("running");
    }

    /** Which agent (the index its work dir is named by) runs the task: its sandbox is under that agent's dir. */
    private int agentRunning(String taskId) throws Exception {
        for (int i = 0; i < 2; i++) {
            try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(workDir.resolve("agent-" + i))) {
                if (paths.anyMatch(p -> p.getFileName().toString().equals(taskId))) {
                    return i;
                }
            }
        }
        throw new AssertionError("no agent has a sandbox for " + taskId);
    }

    /** Tasks the leading master knows as staging, starting, running or killing, of every framework. */
    private int liveTasks() throws Exception {
        HttpResponse<String> state = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.leaderUrl()
                + "/master/state")).build(), HttpResponse.BodyHandlers.ofString());
        int live = 0;
        for (JsonNode framework : JSON.readTree(state.body()).path("frameworks")) {
            for (JsonNode task : framework.path("tasks")) {
                if (List.of("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING")
                        .contains(task.path("state").asText())) {
                    live++;
                }
            }
        }
        return live;
    }

    @Test
    void cronFiresAtEachDueTimeExactlyOnceAcrossFailoversOfTheJobsLeader() throws Exception {
        FrameworkProcess first = leading(startJobs());
        FrameworkProcess second = startJobs();
        create(first, "{'id': 'tick', 'cmd': 'true', 'schedule': '* * * * *', 'concurrency': 'allow'}");

        clock.advance(Duration.ofSeconds(30)); // 10:01
        awaitRuns(first, 1);
        clock.advance(Duration.ofMinutes(1)); // 10:02
        awaitRuns(first, 2);

        long closed = System.nanoTime();
        first.close(); // the standby takes over
        leading(second);
        System.out.printf("Jobs leader failover: the standby answered as leader %d ms after the leader closed%n",
                (System.nanoTime() - closed) / 1_000_000);
        clock.advance(Duration.ofMinutes(1)); // 10:03
        awaitRuns(second, 3);

        second.close(); // no Jobs process at all while 10:04, 10:05 and 10:06 pass
        clock.advance(Duration.ofMinutes(3));
        FrameworkProcess third = leading(startJobs());
        awaitRuns(third, 4); // the missed times run once, for the latest
        clock.advance(Duration.ofMinutes(1)); // 10:07
        awaitRuns(third, 5);

        JsonNode runs = history(third, "tick");
        assertThat(field(runs, "scheduled_at")).containsExactly("2026-03-01T10:07:00Z", "2026-03-01T10:06:00Z",
                "2026-03-01T10:03:00Z", "2026-03-01T10:02:00Z", "2026-03-01T10:01:00Z");
        assertThat(field(runs, "state")).containsOnly("finished");
        assertThat(field(runs, "attempt")).containsOnly("1");
    }

    /** Waits until the job has {@code count} runs, all finished. */
    private static void awaitRuns(FrameworkProcess server, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode runs = history(server, "tick");
            return runs.size() >= count && field(runs, "state").stream().allMatch("finished"::equals);
        });
        assertThat(sizeOf(server)).isEqualTo(count);
    }

    private static int sizeOf(FrameworkProcess server) {
        try {
            return history(server, "tick").size();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badDefinitionsAreRefusedWith422NamingTheFieldsAndNothingIsCreated() throws Exception {
        FrameworkProcess jobs = leading(startJobs());
        HttpResponse<String> refused = request(jobs, "POST", "/v1/jobs",
                "{'id': 'bad', 'cmd': 'true', 'cpus': -1, 'schedule': '99 * * * *', 'timezone': 'Nowhere/Town',"
                        + " 'concurrency': 'sometimes'}");
        assertThat(refused.statusCode()).isEqualTo(422);
        JsonNode body = JSON.readTree(refused.body());
        assertThat(field(body.path("errors"), "field")).containsExactlyInAnyOrder("cpus", "timezone", "concurrency");
        assertThat(request(jobs, "GET", "/v1/jobs/bad", null).statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(request(jobs, "GET", "/v1/jobs", null).body())).isEmpty(); // nothing created

        create(jobs, "{'id': 'good', 'cmd': 'true'}");
        HttpResponse<String> renamed = request(jobs, "PUT", "/v1/jobs/good", "{'id': 'other', 'cmd': 'true'}");
        assertThat(renamed.statusCode()).isEqualTo(422);
        assertThat(field(JSON.readTree(renamed.body()).path("errors"), "field")).containsExactly("id");
        HttpResponse<String> badUpdate = request(jobs, "PUT", "/v1/jobs/good", "{'cmd': 'true', 'mem': 0}");
        assertThat(badUpdate.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(request(jobs, "GET", "/v1/jobs/good", null).body()).path("mem").asDouble())
                .isEqualTo(32.0); // unchanged
        HttpResponse<String> updated = request(jobs, "PUT", "/v1/jobs/good", "{'cmd': 'true', 'mem': 64}");
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(JSON.readTree(updated.body()).path("mem").asDouble()).isEqualTo(64.0);
        assertThat(request(jobs, "POST", "/v1/jobs", "{'id': 'good', 'cmd': 'true'}").statusCode()).isEqualTo(409);

        assertThat(request(jobs, "POST", "/v1/jobs", "{not json").statusCode()).isEqualTo(400);
        assertThat(request(jobs, "POST", "/v1/jobs/nope/runs", null).statusCode()).isEqualTo(404);
    }

    @Test
    void noMoreJobsThanTheMostKeptAreCreatedAndARemovalMakesRoom() throws Exception {
        FrameworkProcess jobs = leading(startJobs(JobsConfig.DEFAULTS.withMaxJobs(2)));
        create(jobs, "{'id': 'first', 'cmd': 'true'}");
        create(jobs, "{'id': 'second', 'cmd': 'true'}");

        HttpResponse<String> refused = request(jobs, "POST", "/v1/jobs", "{'id': 'third', 'cmd': 'true'}");

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("already keeps 2 jobs").contains("--max-jobs");
        assertThat(request(jobs, "GET", "/v1/jobs/third", null).statusCode()).isEqualTo(404);
        assertThat(request(jobs, "DELETE", "/v1/jobs/first", null).statusCode()).isEqualTo(204);
        create(jobs, "{'id': 'third', 'cmd': 'true'}");
    }

    @Test
    void theCliCreatesRunsListsShowsAndRemovesJobsFoundThroughZooKeeper() throws Exception {
        FrameworkProcess jobs = leading(startJobs());
        startJobs(); // a standby: the CLI must find the leader, not just any process
        String zk = cluster.zk.toString();

        CliRun created = CliRun.corral("job", "create", "--zk", zk, "--id", "greet", "--cmd", "echo hi",
                "--schedule", "0 9 * * *", "--tz", "Europe/Paris", "--retries", "1", "--timeout", "60secs");
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("Created job greet: 0 9 * * * (Europe/Paris)");

        CliRun run = CliRun.corral("job", "run", "greet", "--zk", zk);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("Run 1 of job greet");
        await().atMost(Duration.ofSeconds(30)).until(() -> history(jobs, "greet").path(0).path("state").asText(),
                "finished"::equals);

        CliRun history = CliRun.corral("job", "history", "greet", "--zk", zk);
        assertThat(history.out()).contains("RUN", "STATE", "EXIT").containsPattern("1\\s+finished\\s+0\\s+1");
        JsonNode historyJson = JSON.readTree(CliRun.corral("job", "history", "greet", "--zk", zk, "--json").out());
        assertThat(historyJson.get(0).path("exit_code").asInt(-1)).isZero();

        CliRun list = CliRun.corral("job", "list", "--zk", zk);
        assertThat(list.out()).contains("greet", "0 9 * * * (Europe/Paris)", "2026-03-02T08:00:00Z", "1 finished");
        JsonNode shown = JSON.readTree(CliRun.corral("job", "show", "greet", "--zk", zk, "--json").out());
        assertThat(shown.path("timeout_seconds").asDouble()).isEqualTo(60.0);
        assertThat(shown.path("retries").asInt()).isEqualTo(1);
        assertThat(CliRun.corral("job", "show", "greet", "--zk", zk).out()).contains("concurrency: forbid");

        CliRun bad = CliRun.corral("job", "create", "--zk", zk, "--id", "bad", "--cmd", "true", "--cpus", "-1",
                "--tz", "Nowhere/Town", "--schedule", "0 * * * *");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("cpus: must be > 0", "timezone: unknown time zone Nowhere/Town");
        assertThat(CliRun.corral("job", "show", "bad", "--zk", zk).exit()).isEqualTo(1);

        assertThat(CliRun.corral("job", "remove", "greet", "--zk", zk).out()).contains("Removed job greet");
        assertThat(CliRun.corral("job", "list", "--zk", zk, "--json").out().strip()).isEqualTo("[]");
        CliRun unauthenticated = CliRun.corral("jobs", "--zk", zk);
        assertThat(unauthenticated.exit()).isEqualTo(2);
        assertThat(unauthenticated.err()).contains("--credentials", "--insecure");

        CliRun missing = CliRun.corral("job", "run", "greet", "--zk", zk);
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no job greet");
    }
}
