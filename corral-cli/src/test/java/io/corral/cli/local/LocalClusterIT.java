package io.corral.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.corral.agent.containerizer.GroupKill;
import io.corral.cli.BinCorral;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

/**
 * {@code bin/corral local} end to end, as a user runs it: the cluster comes up and names its leader, a task runs
 * through {@code bin/corral run}, {@code bin/corral ps --all} lists it, and Ctrl-C (SIGINT to the terminal's whole
 * process group) stops every process in order and leaves none of the cluster behind, task processes included.
 *
 * <p>Runs after {@code package} (failsafe), on the distribution {@code bin/corral} would run.
 */
class LocalClusterIT {
    private static final Duration STARTUP = Duration.ofSeconds(180);
    private static final Duration COMMAND = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private final List<String> localOutput = Collections.synchronizedList(new ArrayList<>());
    private final java.util.Map<Process, List<String>> runOutputs = new java.util.concurrent.ConcurrentHashMap<>();
    private Process local;

    @AfterEach
    void leaveNothingBehind() {
        System.out.println("--- corral local printed:\n" + String.join("\n", snapshot(localOutput)));
        if (local != null && local.isAlive()) {
            ProcessTree.stop(List.of(local.toHandle()), Duration.ofSeconds(20));
        }
    }

    @Test
    void runsATaskAndStopsWithoutLeftoversOnCtrlC() throws Exception {
        Path workDir = tmp.resolve("cluster");
        // Its own session and process group, as a terminal gives a foreground job (setsid execs in place).
        ProcessBuilder localCommand = corral("local", "--work-dir", workDir.toString(), "--agents", "3",
                "--services", "2");
        localCommand.command().add(0, "setsid");
        local = localCommand.start();
        readLinesInto(local, localOutput);

        try {
            await("a 'Leader: http://...' line from corral local").atMost(STARTUP)
                    .failFast("corral local exited", () -> !local.isAlive())
                    .until(() -> snapshot(localOutput).stream().anyMatch(line -> line.startsWith("Leader: http://")));
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + diagnostics(workDir), e);
        }

        io.corral.protocol.security.Credentials.Credential operator = io.corral.protocol.security.Credentials
                .Credential.read(workDir.resolve("secrets").resolve("operator.json"));
        operatorAuthorization = io.corral.protocol.http.Authentication.basicHeader(operator);
        refusesAnonymousRequests(ClusterFile.read(ClusterFile.in(workDir)).leader().replaceAll("^http://|/$", ""));

        Result run = runToEnd("run", "--", "echo", "hello");
        assertThat(run.exit).as(run.describe()).isZero();
        assertThat(run.output).as(run.describe()).contains("TASK_FINISHED");

        Result ps = runToEnd("ps", "--all");
        assertThat(ps.exit).as(ps.describe()).isZero();
        assertThat(ps.output).as(ps.describe()).contains("TASK_FINISHED");

        runsWithABearerToken();
        ridesAKill9OfTheLeader(workDir);
        frozenAgentIsUnreachableThenBack(workDir);
        servicesKeepAnAppWholeThroughAFrozenAgent(workDir);
        servicesFinishARollingUpdateThroughAKill9OfTheirLeader(workDir);
        jobsRunOnDemand();
        ridesZooKeeperTrouble(workDir);

        Set<ProcessHandle> cluster = clusterProcesses(workDir);
        assertThat(cluster).as("processes named in cluster.json").hasSizeGreaterThanOrEqualTo(8);

        pressCtrlC(local.pid());

        assertThat(local.waitFor(90, TimeUnit.SECONDS)).as("corral local exits after SIGINT").isTrue();
        await("every cluster process gone").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(cluster).noneMatch(ProcessHandle::isAlive));
        assertThat(snapshot(localOutput)).as(String.join("\n", snapshot(localOutput))).contains(
                "Stopped. Logs are in " + workDir.resolve("logs"));
        assertThat(ClusterFile.read(ClusterFile.in(workDir)).state()).isEqualTo("STOPPED");
        try (var logs = Files.list(workDir.resolve("logs"))) {
            for (Path log : logs.toList()) {
                assertThat(Files.readString(log)).as(log + ": stopped in order, each while what it needs still runs")
                        .doesNotContain("did not stop cleanly");
            }
        }
    }

    /**
     * {@code kill -9} of the leading master while {@code corral run} waits for its task: a standby takes over, the
     * supervisor restarts the killed master, and the run still ends with TASK_FINISHED and exit code 0. Prints the
     * seconds from the kill to a new leader answering, for docs/benchmarks.md.
     */
    private void ridesAKill9OfTheLeader(Path workDir) throws Exception {
        Process run = corral("run", "--name", "through-failover", "--", "sh", "-c", "sleep 6; echo survived").start();
        List<String> runOutput = Collections.synchronizedList(new ArrayList<>());
        Thread reader = readLinesInto(run, runOutput);
        await("TASK_RUNNING from corral run").atMost(COMMAND)
                .until(() -> snapshot(runOutput).stream().anyMatch(line -> line.contains("TASK_RUNNING")));

        ClusterFile before = ClusterFile.read(ClusterFile.in(workDir));
        String oldLeader = before.leader();
        ClusterFile.Process leader = before.processes().stream()
                .filter(p -> p.role().equals("master") && oldLeader.contains(p.address()))
                .findFirst().orElseThrow(() -> new AssertionError("no master serves " + oldLeader));
        long killedAt = System.nanoTime();
        signal("KILL", leader.pid());

        List<String> others = before.processes().stream()
                .filter(p -> p.role().equals("master") && !p.name().equals(leader.name()))
                .map(ClusterFile.Process::address).toList();
        await("a new leader serving /master/state").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> others.stream().anyMatch(LocalClusterIT::servesState));
        System.out.printf("failover: a new leader served %.2f s after kill -9 of %s%n",
                (System.nanoTime() - killedAt) / 1e9, leader.name());

        assertThat(run.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)).as("corral run ends").isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(5));
        String output = String.join("\n", snapshot(runOutput));
        assertThat(run.exitValue()).as(output).isZero();
        assertThat(output).contains("TASK_FINISHED");
        await("the killed master restarted by the supervisor").atMost(Duration.ofSeconds(60))
                .until(() -> ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                        .anyMatch(p -> p.name().equals(leader.name()) && p.restarts() >= 1
                                && "UP".equals(p.state())));
    }

    /**
     * SIGSTOP of an agent that runs a task: within its ZooKeeper session timeout (2 s) plus 2 s the leader's
     * /master/state counts it in unreachable_slaves; after SIGCONT it re-registers and is active again with its
     * task still running. Prints the detection time, for docs/benchmarks.md.
     */
    private void frozenAgentIsUnreachableThenBack(Path workDir) throws Exception {
        Process run = corral("run", "--name", "frozen", "--", "sleep", "300").start();
        List<String> runOutput = Collections.synchronizedList(new ArrayList<>());
        readLinesInto(run, runOutput);
        await("TASK_RUNNING of the task to freeze").atMost(COMMAND)
                .until(() -> snapshot(runOutput).stream().anyMatch(line -> line.contains("TASK_RUNNING")));
        try {
            String leader = ClusterFile.read(ClusterFile.in(workDir)).leader().replaceAll("^http://|/$", "");
            JsonNode state = state(leader);
            String agentId = runningTask(state, "frozen").path("slave_id").asText();
            ClusterFile.Process agent = ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                    .filter(p -> p.role().equals("agent"))
                    .filter(p -> agentIdOf(state, p.address()).equals(agentId))
                    .findFirst().orElseThrow(() -> new AssertionError("no agent runs the task"));

            long frozenAt = System.nanoTime();
            signal("STOP", agent.pid());
            try {
                await("the frozen agent in unreachable_slaves").atMost(Duration.ofSeconds(4))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> state(leader).path("unreachable_slaves").asInt() >= 1);
                System.out.printf("presence: frozen agent unreachable %.2f s after SIGSTOP%n",
                        (System.nanoTime() - frozenAt) / 1e9);
            } finally {
                signal("CONT", agent.pid());
            }
            await("the agent active again with its task").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode now = state(leader);
                assertThat(now.path("unreachable_slaves").asInt()).isZero();
                assertThat(runningTask(now, "frozen").path("state").asText()).isEqualTo("TASK_RUNNING");
            });
        } finally {
            run.destroy(); // Ctrl-C of corral run kills the task
            run.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The built-in Services framework that {@code corral local} starts (issue 11): {@code corral app deploy --wait} of
     * 2 instances; SIGSTOP of an agent running one: the app is whole again on the other agents (seconds printed, for
     * docs/benchmarks.md); SIGCONT: the surplus is killed and exactly 2 instance processes run on the machine.
     */
    private void servicesKeepAnAppWholeThroughAFrozenAgent(Path workDir) throws Exception {
        Result deploy = runToEnd("app", "deploy", "--id", "web", "--cmd", "sleep 1001", "--instances", "2",
                "--cpus", "0.1", "--mem", "32", "--wait");
        assertThat(deploy.exit).as(deploy.describe()).isZero();
        String services = servicesLeader(workDir).address();
        JsonNode app = get(services, "/v1/apps/web");
        assertThat(running(app)).hasSize(2);
        String frozenAgentId = running(app).get(0).path("agent_id").asText();
        String leader = ClusterFile.read(ClusterFile.in(workDir)).leader().replaceAll("^http://|/$", "");
        JsonNode state = state(leader);
        ClusterFile.Process agent = ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                .filter(p -> p.role().equals("agent") && agentIdOf(state, p.address()).equals(frozenAgentId))
                .findFirst().orElseThrow(() -> new AssertionError("no agent " + frozenAgentId));

        long frozenAt = System.nanoTime();
        signal("STOP", agent.pid());
        try {
            await("2 instances running on other agents").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> running(get(services, "/v1/apps/web")).stream()
                            .filter(task -> !task.path("agent_id").asText().equals(frozenAgentId)).count() == 2);
            System.out.printf("services: app whole again %.2f s after SIGSTOP of the agent running an instance%n",
                    (System.nanoTime() - frozenAt) / 1e9);
        } finally {
            signal("CONT", agent.pid());
        }
        await("exactly 2 instance processes once the agent is back").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(state(leader).path("unreachable_slaves").asInt()).isZero();
                    assertThat(instanceProcesses("sleep", "1001")).hasSize(2);
                    assertThat(running(get(services, "/v1/apps/web"))).hasSize(2);
                });
        Result remove = runToEnd("app", "remove", "web");
        assertThat(remove.exit).as(remove.describe()).isZero();
    }

    /**
     * {@code kill -9} of the leading Services process in the middle of a rolling update of 3 instances (minimum
     * health 0.6, so at least 2 healthy): the standby takes over and finishes it; healthy instances never drop below
     * 2 and instance processes never below 2; exactly 3 run at the end, all of the new version; and the
     * {@code corral app update --wait} started before the kill rides the failover and exits 0.
     */
    private void servicesFinishARollingUpdateThroughAKill9OfTheirLeader(Path workDir) throws Exception {
        Path definition = tmp.resolve("roll.json");
        Files.writeString(definition, ("{'id': 'roll', 'cmd': 'sleep 1002', 'instances': 3, 'cpus': 0.1, 'mem': 32,"
                + " 'env': {'V': '1'}, 'healthChecks': [{'protocol': 'COMMAND', 'command': 'true',"
                + " 'intervalSeconds': 0.5, 'delaySeconds': 2, 'gracePeriodSeconds': 10}],"
                + " 'upgradeStrategy': {'minimumHealthCapacity': 0.6, 'maximumOverCapacity': 0}}").replace('\'', '"'));
        Result deploy = runToEnd("app", "deploy", "-f", definition.toString(), "--wait");
        assertThat(deploy.exit).as(deploy.describe()).isZero();

        Process update = corral("app", "update", "roll", "--env", "V=2", "--wait").start();
        List<String> updateOutput = Collections.synchronizedList(new ArrayList<>());
        Thread reader = readLinesInto(update, updateOutput);
        ClusterFile.Process leader = servicesLeader(workDir);
        await("one instance of version 2 up, the others not yet").atMost(COMMAND)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> newVersionTasks(get(leader.address(), "/v1/apps/roll")), n -> n >= 1 && n < 3);
        long killedAt = System.nanoTime();
        signal("KILL", leader.pid());

        int fewestHealthy = Integer.MAX_VALUE;
        long fewestProcesses = Long.MAX_VALUE;
        Double tookOver = null;
        long deadline = System.nanoTime() + COMMAND.toNanos();
        while (true) {
            fewestProcesses = Math.min(fewestProcesses, instanceProcesses("sleep", "1002").size());
            Optional<JsonNode> app = fromServicesLeader(workDir, leader.pid(), "/v1/apps/roll");
            if (app.isPresent() && app.get().path("counts").path("unconfirmed").asInt() == 0) {
                tookOver = tookOver != null ? tookOver : (System.nanoTime() - killedAt) / 1e9;
                fewestHealthy = Math.min(fewestHealthy, app.get().path("counts").path("healthy").asInt());
                if (app.get().path("deployment").isNull() || app.get().path("deployment").isMissingNode()) {
                    break;
                }
            }
            assertThat(System.nanoTime()).as("the update finished in time").isLessThan(deadline);
        }
        System.out.printf("services: the standby led with every instance known %.2f s after kill -9 of the"
                + " leader mid rolling update%n", tookOver);
        assertThat(fewestHealthy).as("healthy instances after the kill").isGreaterThanOrEqualTo(2);
        assertThat(fewestProcesses).as("instance processes alive through the kill").isGreaterThanOrEqualTo(2);

        assertThat(update.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)).as("corral app update --wait ends").isTrue();
        reader.join(TimeUnit.SECONDS.toMillis(5));
        String output = String.join("\n", snapshot(updateOutput));
        assertThat(update.exitValue()).as(output).isZero();
        assertThat(output).contains("waiting for a standby to take over", "Deployment");
        await("exactly 3 instance processes, all of version 2").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    assertThat(instanceProcesses("sleep", "1002")).hasSize(3);
                    JsonNode app = fromServicesLeader(workDir, leader.pid(), "/v1/apps/roll").orElseThrow();
                    assertThat(running(app)).hasSize(3);
                    assertThat(newVersionTasks(app)).isEqualTo(3);
                });
        Result remove = runToEnd("app", "remove", "roll", "--wait");
        assertThat(remove.exit).as(remove.describe()).isZero();
    }

    /** Tasks of the app's current version (its definition's {@code version} is the newest). */
    private static int newVersionTasks(JsonNode app) {
        long current = app.path("version").asLong();
        int count = 0;
        for (JsonNode task : app.path("tasks")) {
            count += task.path("version").asLong() == current ? 1 : 0;
        }
        return count;
    }

    /** The Services process that leads now, by its open {@code /health}. */
    private static ClusterFile.Process servicesLeader(Path workDir) throws IOException {
        return ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                .filter(p -> p.role().equals("services"))
                .filter(p -> {
                    try {
                        return get(p.address(), "/health").path("leader").asBoolean();
                    } catch (IOException down) {
                        return false;
                    }
                }).findFirst().orElseThrow(() -> new AssertionError("no Services process leads"));
    }

    /** {@code path} from the Services leader that is not {@code deadPid}; empty while none answers as leader. */
    private static Optional<JsonNode> fromServicesLeader(Path workDir, long deadPid, String path) throws IOException {
        for (ClusterFile.Process p : ClusterFile.read(ClusterFile.in(workDir)).processes()) {
            if (!p.role().equals("services") || Objects.equals(p.pid(), deadPid)) {
                continue;
            }
            try {
                if (get(p.address(), "/health").path("leader").asBoolean()) {
                    return Optional.of(get(p.address(), path));
                }
            } catch (IOException notYet) {
                // down, restarting, or not leading yet
            }
        }
        return Optional.empty();
    }

    /** The built-in Jobs framework: a job run on demand finishes with exit code 0 in its history. */
    private void jobsRunOnDemand() throws Exception {
        Result create = runToEnd("job", "create", "--id", "hello", "--cmd", "echo hello");
        assertThat(create.exit).as(create.describe()).isZero();
        assertThat(runToEnd("job", "run", "hello").exit).isZero();
        await("the run finished").atMost(COMMAND).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Result history = runToEnd("job", "history", "hello", "--json");
            assertThat(history.output).as(history.describe()).contains("\"finished\"");
        });
    }

    private static java.util.List<JsonNode> running(JsonNode app) {
        java.util.List<JsonNode> running = new ArrayList<>();
        app.path("tasks").forEach(task -> {
            if (task.path("state").asText().equals("TASK_RUNNING")) {
                running.add(task);
            }
        });
        return running;
    }

    /** This machine's processes running exactly {@code program} with {@code arguments} (a task, not its shell). */
    private static java.util.List<ProcessHandle> instanceProcesses(String program, String... arguments) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/" + program)).orElse(false))
                .filter(p -> java.util.Arrays.equals(p.info().arguments().orElse(new String[0]), arguments))
                .toList();
    }

    private static JsonNode get(String address, String path) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection)
                java.net.URI.create("http://" + address + path).toURL().openConnection();
        authorize(connection);
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(3000);
        try (var in = connection.getInputStream()) {
            return new ObjectMapper().readTree(in);
        }
    }

    /**
     * ZooKeeper trouble while tasks run. `kill -9` of ZooKeeper's own leader (a minority) is invisible to a running
     * `corral run`. Then `kill -9` of all three servers: quorum is lost, masters lose their sessions and are
     * restarted, the servers restart from their data directories; the task finishes and its run exits 0 (agents kept
     * it running), and what ZooKeeper held (a configuration setting) is still there.
     */
    private void ridesZooKeeperTrouble(Path workDir) throws Exception {
        Result set = runToEnd("config", "set", "offer_timeout", "10mins");
        assertThat(set.exit).as(set.describe()).isZero();

        String zkLeader = zooKeeperLeader(workDir);
        String leaderName = ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                .filter(p -> p.role().equals("zk") && p.address().equals(zkLeader))
                .findFirst().orElseThrow(() -> new AssertionError("no zk process at " + zkLeader)).name();
        Process minority = startRun("minority", "3");
        killServers(workDir, leaderName);
        assertRunFinishes(minority);
        await(leaderName + " restarted").atMost(Duration.ofSeconds(60)).until(() -> processUp(workDir, leaderName));

        Process outage = startRun("outage", "8");
        long killedAt = System.nanoTime();
        killServers(workDir, "zk-1", "zk-2", "zk-3");
        assertRunFinishes(outage);
        System.out.printf("quorum: a task running through a whole-ensemble outage finished; its run ended"
                + " %.1f s after the kill%n", (System.nanoTime() - killedAt) / 1e9);
        Result get = runToEnd("config", "get", "offer_timeout");
        assertThat(get.output).as(get.describe()).contains("10mins");
    }

    /** The ZooKeeper leader's address, as the leading master's ensemble monitor reports it. */
    private static String zooKeeperLeader(Path workDir) throws Exception {
        String master = ClusterFile.read(ClusterFile.in(workDir)).leader().replaceAll("^http://|/$", "");
        return await("the ZooKeeper leader in /master/zookeeper").atMost(Duration.ofSeconds(30)).until(() -> {
            java.net.HttpURLConnection connection = (java.net.HttpURLConnection)
                    java.net.URI.create("http://" + master + "/master/zookeeper").toURL().openConnection();
            authorize(connection);
            try (var in = connection.getInputStream()) {
                return new ObjectMapper().readTree(in).path("leader").asText(null);
            }
        }, java.util.Objects::nonNull);
    }

    private Process startRun(String name, String sleepSeconds) throws Exception {
        Process run = corral("run", "--name", name, "--", "sleep", sleepSeconds).start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        readLinesInto(run, output);
        await("TASK_RUNNING of " + name).atMost(COMMAND)
                .until(() -> snapshot(output).stream().anyMatch(line -> line.contains("TASK_RUNNING")));
        runOutputs.put(run, output);
        return run;
    }

    private void assertRunFinishes(Process run) throws Exception {
        assertThat(run.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)).as("corral run ends").isTrue();
        String output = String.join("\n", snapshot(runOutputs.get(run)));
        assertThat(run.exitValue()).as(output).isZero();
        assertThat(output).contains("TASK_FINISHED");
    }

    private static void killServers(Path workDir, String... names) throws Exception {
        for (String name : names) {
            Long pid = ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                    .filter(p -> p.name().equals(name)).findFirst().orElseThrow().pid();
            signal("KILL", pid);
        }
    }

    private static boolean processUp(Path workDir, String name) {
        return ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                .anyMatch(p -> p.name().equals(name) && p.restarts() >= 1 && "UP".equals(p.state()));
    }

    private static JsonNode state(String address) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection)
                java.net.URI.create("http://" + address + "/master/state").toURL().openConnection();
        authorize(connection);
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(3000);
        try (var in = connection.getInputStream()) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static JsonNode runningTask(JsonNode state, String namePrefix) {
        for (JsonNode framework : state.path("frameworks")) {
            for (JsonNode task : framework.path("tasks")) {
                if (task.path("id").asText().startsWith(namePrefix + "-")) {
                    return task;
                }
            }
        }
        throw new AssertionError("no task " + namePrefix + " in /master/state");
    }

    private static String agentIdOf(JsonNode state, String address) {
        for (JsonNode agent : state.path("slaves")) {
            if ((agent.path("hostname").asText() + ":" + agent.path("port").asInt()).equals(address)) {
                return agent.path("id").asText();
            }
        }
        return "";
    }

    /** The operator's HTTP Basic header, from the secrets {@code corral local} generated; set once it started. */
    private static volatile String operatorAuthorization;

    private static void authorize(java.net.HttpURLConnection connection) {
        if (operatorAuthorization != null) {
            connection.setRequestProperty("Authorization", operatorAuthorization);
        }
    }

    /** Secure by default: the cluster's APIs refuse anonymous requests, but its health check answers anyone. */
    private static void refusesAnonymousRequests(String leader) throws IOException {
        java.net.HttpURLConnection state = (java.net.HttpURLConnection)
                java.net.URI.create("http://" + leader + "/master/state").toURL().openConnection();
        assertThat(state.getResponseCode()).as("GET /master/state without credentials").isEqualTo(401);
        assertThat(state.getHeaderField("WWW-Authenticate")).startsWith("Basic");
        java.net.HttpURLConnection health = (java.net.HttpURLConnection)
                java.net.URI.create("http://" + leader + "/health").toURL().openConnection();
        assertThat(health.getResponseCode()).as("GET /health without credentials").isEqualTo(200);
    }

    private static boolean servesState(String address) {
        try {
            java.net.HttpURLConnection connection = (java.net.HttpURLConnection)
                    java.net.URI.create("http://" + address + "/master/state").toURL().openConnection();
            authorize(connection);
            connection.setInstanceFollowRedirects(false);
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            return connection.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group, here {@code corral local}'s own
     * (see where it is started). Where this test runs with SIGINT ignored (a non-interactive shell starts background
     * jobs so; the ignore is inherited, and the JVM then cannot run shutdown hooks on it), SIGTERM to the supervisor.
     */
    private static void pressCtrlC(long pid) throws Exception {
        Path status = Path.of("/proc/" + pid + "/status");
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:") && (Long.parseLong(line.substring(7).strip(), 16) & (1L << 1)) != 0) {
                System.err.println("SIGINT is ignored in this environment; sending SIGTERM to corral local instead");
                signal("TERM", pid);
                return;
            }
        }
        assertThat(processGroupOf(pid)).as("corral local leads its process group").isEqualTo(pid);
        GroupKill.send("INT", List.of("-" + pid)).waitFor();
    }

    /** The process group id, from /proc/PID/stat: the third field after the command name in parentheses. */
    private static long processGroupOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    /** {@code kill -s SIGNAL pid}, through the shell's built-in kill: no procps needed. */
    private static void signal(String signal, long pid) throws Exception {
        GroupKill.send(signal, List.of(Long.toString(pid))).waitFor();
    }

    /** What corral local printed, and the end of every process's log. */
    private String diagnostics(Path workDir) {
        StringBuilder text = new StringBuilder("--- corral local:\n").append(String.join("\n", snapshot(localOutput)));
        try (var logs = Files.list(workDir.resolve("logs"))) {
            for (Path log : logs.sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                text.append("\n--- ").append(log.getFileName()).append(" (last 30 lines):\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
        } catch (IOException e) {
            text.append("\n(no logs: ").append(e.getMessage()).append(')');
        }
        return text.toString();
    }

    /** Every pid in cluster.json and, for agents, the task processes under them. */
    private static Set<ProcessHandle> clusterProcesses(Path workDir) {
        Set<ProcessHandle> processes = new HashSet<>();
        ClusterFile.read(ClusterFile.in(workDir)).processes().stream()
                .map(ClusterFile.Process::pid)
                .filter(Objects::nonNull)
                .forEach(pid -> ProcessHandle.of(pid).ifPresent(handle -> {
                    processes.add(handle);
                    handle.descendants().forEach(processes::add);
                }));
        return processes;
    }

    /**
     * {@code corral token create} gets a token from the local cluster's masters (they and the agents share its
     * generated key), and {@code corral run} with {@code CORRAL_TOKEN} alone launches through the master and streams
     * the output from the agent's sandbox.
     */
    private void runsWithABearerToken() throws Exception {
        Result created = runToEnd(java.util.Map.of(), "token", "create", "--ttl", "10m", "--quiet");
        assertThat(created.exit).as(created.describe()).isZero();
        String[] lines = created.output.strip().split("\n");
        String token = lines[lines.length - 1].strip();
        assertThat(token).as(created.describe()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

        Result run = runToEnd(java.util.Map.of("CORRAL_TOKEN", token), "run", "--", "echo", "token-works");
        assertThat(run.exit).as(run.describe()).isZero();
        assertThat(run.output).as(run.describe()).contains("token-works");
    }

    private Result runToEnd(String... args) throws Exception {
        return runToEnd(java.util.Map.of(), args);
    }

    private Result runToEnd(java.util.Map<String, String> environment, String... args) throws Exception {
        ProcessBuilder builder = corral(args);
        builder.environment().putAll(environment);
        Process process = builder.start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = readLinesInto(process, lines);
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        return new Result(String.join(" ", args), process.exitValue(), String.join("\n", snapshot(lines)),
                String.join("\n", snapshot(localOutput)));
    }

    /**
     * {@code bin/corral ARGS}, with its own temp directory so that it finds this test's cluster (and no other
     * {@code corral local} of the same user), and without rebuilding: this build just packaged it.
     */
    private ProcessBuilder corral(String... args) throws IOException {
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        List<String> command = new ArrayList<>();
        command.add(BinCorral.command());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CORRAL_NO_BUILD", "1");
        builder.environment().put("CORRAL_JAVA_OPTS", "-Djava.io.tmpdir=" + javaTmp);
        return builder;
    }

    private static Thread readLinesInto(Process process, List<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }, "output-of-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        return reader;
    }

    private static List<String> snapshot(List<String> lines) {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    private record Result(String command, int exit, String output, String localOutput) {
        String describe() {
            return "corral " + command + " exited " + exit + ":\n" + output + "\n--- corral local:\n" + localOutput;
        }
    }
}
