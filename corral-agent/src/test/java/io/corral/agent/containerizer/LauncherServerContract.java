package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Launches through the agent's launcher server with real processes: what the task gets (environment, argv, signals),
 * the server dying under running tasks, and a restarted agent finding the tasks again. Run for each server program:
 * {@link Shell} ({@code corral-forker.sh}) everywhere, {@link Native} ({@code corral-forker}) where the build compiled
 * it.
 */
abstract class LauncherServerContract {

    /** A containerizer launching through this test's server program. */
    abstract ProcessContainerizer containerizer(Isolators isolators);

    abstract LauncherServer.Program program();

    /** The launch file of {@link #program()} for {@code argv} run in {@code sandbox}, with no environment. */
    abstract byte[] launchFile(Path sandbox, List<String> argv);

    /** Every awkward thing a word can hold: quotes, spaces, a newline, {@code $}, a backslash, a glob. */
    private static final List<String> AWKWARD = List.of("it's", "a \"b\" c", "line 1\nline 2", "$HOME ${X} `id`",
            "back\\slash", "*", "");

    @TempDir Path workDir;

    final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    final ProcessContainerizer containerizer = containerizer(Isolators.none());
    private final LaunchedContainers launched = new LaunchedContainers();

    @AfterEach
    void killLeftovers() {
        launched.killAndAwaitLaunchers();
        containerizer.close();
        timers.shutdownNow();
    }

    @Test
    void manyLaunchesAtOnceEachGetTheirOwnEnvironmentAndArgvIntact() throws Exception {
        int launches = 24;
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<RunningContainer>> futures = new ArrayList<>();
            for (int i = 0; i < launches; i++) {
                String id = "c" + i;
                List<String> argv = new ArrayList<>(AWKWARD);
                argv.add(id);
                CommandInfo command = CommandInfo.newBuilder().setShell(false).setValue("/bin/sh")
                        .addArguments("sh").addArguments("-c")
                        .addArguments("printf '[%s]' \"$AWKWARD\" \"$ID\"; for word; do printf '<%s>' \"$word\"; done")
                        .addArguments("task").addAllArguments(argv)
                        .setEnvironment(Environment.newBuilder()
                                .addVariables(variable("AWKWARD", String.join("|", AWKWARD)))
                                .addVariables(variable("ID", id)))
                        .build();
                futures.add(callers.submit(() -> launch(id, command)));
            }
            for (int i = 0; i < launches; i++) {
                ContainerExit exit = awaitExit(futures.get(i).get(30, TimeUnit.SECONDS));
                assertThat(exit.exitCode()).hasValue(0);
                StringBuilder expected = new StringBuilder("[" + String.join("|", AWKWARD) + "][c" + i + "]");
                AWKWARD.forEach(word -> expected.append('<').append(word).append('>'));
                expected.append("<c").append(i).append('>');
                assertThat(Files.readString(sandbox("c" + i).resolve("stdout"))).isEqualTo(expected.toString());
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(containerizer.launcherServerPid()).isPositive();
    }

    @Test
    void theTaskGetsTheEnvironmentTheAgentsOwnPathGivesItAndNamesNoShellCanHold() throws Exception {
        CommandInfo command = CommandInfo.newBuilder().setShell(false).setValue("/usr/bin/env").addArguments("env")
                .addArguments("-0")
                .setEnvironment(Environment.newBuilder().addVariables(variable("NOT.AN_IDENTIFIER", "a'b\nc$d")))
                .build();
        ProcessContainerizer withoutServer = new ProcessContainerizer(timers, Optional.empty(), Isolators.none());

        awaitExit(launch("through-server", command));
        RunningContainer direct = withoutServer.launch(spec("direct", command));
        awaitExit(direct);

        Map<String, String> server = environmentPrinted("through-server");
        Map<String, String> agents = environmentPrinted("direct");
        assertThat(server).containsEntry("NOT.AN_IDENTIFIER", "a'b\nc$d")
                .containsEntry("PWD", sandbox("through-server").toRealPath().toString());
        // The agent's own path loses a name that is no shell identifier (its launcher shell drops it); Mesos keeps it.
        assertThat(agents).doesNotContainKey("NOT.AN_IDENTIFIER");
        server.remove("NOT.AN_IDENTIFIER");
        server.replaceAll((name, value) -> value.replace("through-server", "direct"));
        assertThat(server).isEqualTo(agents);
    }

    @Test
    void theTaskHasTheDefaultSigintSigquitAndSigpipe() throws Exception {
        assumeThat(program().isNative() || !HostPrograms.restoreSignalsPrefix().isEmpty())
                .as("env --default-signal (coreutils 8.31+)").isTrue();
        RunningContainer container = launch("c1", CommandInfo.newBuilder().setShell(false).setValue("sleep")
                .addArguments("sleep").addArguments("100").build());

        Path comm = Path.of("/proc", Long.toString(container.pid()), "comm");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(comm).trim().equals("sleep")); // exec'd

        long ignored = ignoredSignals(container.pid());
        for (int signal : new int[] {2, 3, 13}) { // SIGINT, SIGQUIT, SIGPIPE
            assertThat(ignored & (1L << (signal - 1))).as("signal %d ignored", signal).isZero();
        }
        new ProcessBuilder("kill", "-INT", Long.toString(container.pid())).start().waitFor();
        assertThat(awaitExit(container).exitCode()).hasValue(130); // 128 + SIGINT: an interrupt ends it
    }

    @Test
    void killingTheServerLeavesRunningTasksAloneAndTheNextLaunchStartsANewServer() throws Exception {
        RunningContainer running = launch("c1", shell("touch ready; while [ ! -e release ]; do sleep 0.05; done"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandbox("c1").resolve("ready")));
        long firstServer = containerizer.launcherServerPid();

        ProcessHandle.of(firstServer).orElseThrow().destroyForcibly();
        awaitGone(firstServer);

        assertThat(ProcessHandle.of(running.pid()).map(ProcessHandle::isAlive)).hasValue(true);
        assertThat(ProcessHandle.of(running.launcherPid()).map(ProcessHandle::isAlive)).hasValue(true);
        RunningContainer next = launch("c2", shell("exit 5"));
        assertThat(awaitExit(next).exitCode()).hasValue(5);
        assertThat(containerizer.launcherServerPid()).isPositive().isNotEqualTo(firstServer);
        assertThat(running.exit()).isNotDone();
        Files.createFile(sandbox("c1").resolve("release"));
        assertThat(awaitExit(running).exitCode()).hasValue(0);
    }

    @Test
    void aRestartedAgentRecoversTasksStartedThroughTheServerIncludingOneThatEndedWhileNoAgentRan() throws Exception {
        RunningContainer ended = launch("ended", shell("exit 3"));
        String untilReleased = "touch ready; while [ ! -e release ]; do sleep 0.05; done";
        RunningContainer endsWhileDown = launch("down", shell(untilReleased));
        RunningContainer runsOn = launch("runs-on", shell(untilReleased));
        awaitExit(ended);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandbox("down").resolve("ready"))
                && Files.exists(sandbox("runs-on").resolve("ready")));
        long server = containerizer.launcherServerPid();

        containerizer.close(); // the agent "dies": its server reads end-of-input and exits, the launchers run on
        awaitGone(server);
        Files.createFile(sandbox("down").resolve("release"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(runDir("down").resolve("exit_status"))
                && !new LauncherRecord(endsWhileDown.launcherPid(), ProcStat.read(endsWhileDown.launcherPid())
                        .map(ProcStat::startTicks).orElse(-1L), ProcStat.bootId()).isRunning());

        ProcessContainerizer after = containerizer(Isolators.none());
        try {
            assertThat(after.recover("ended", runDir("ended"), null).exit().getNow(null).exitCode()).hasValue(3);
            assertThat(after.recover("down", runDir("down"), null).exit().getNow(null).exitCode()).hasValue(0);
            RunningContainer recovered = after.recover("runs-on", runDir("runs-on"), null);
            assertThat(recovered.launcherPid()).isEqualTo(runsOn.launcherPid());
            assertThat(recovered.pid()).isEqualTo(runsOn.pid());
            assertThat(recovered.exit()).isNotDone();
            Files.createFile(sandbox("runs-on").resolve("release"));
            assertThat(awaitExit(recovered).exitCode()).hasValue(0);
        } finally {
            after.close();
        }
    }

    @Test
    void theLauncherJoinsWhatTheIsolatorsNameBeforeTheTaskStarts() throws Exception {
        Path procs = Files.createFile(workDir.resolve("cgroup.procs"));
        ProcessContainerizer joining = containerizer(new Isolators(List.of(joining(procs))));
        try {
            RunningContainer container = joining.launch(spec("c1", shell("exit 0")));
            assertThat(awaitExit(container).exitCode()).hasValue(0);
            assertThat(Files.readString(procs).trim()).isEqualTo(Long.toString(container.launcherPid()));
        } finally {
            joining.close();
        }
    }

    @Test
    void aLaunchWhoseCgroupCannotBeJoinedFailsAndStartsNothing() {
        Path missing = workDir.resolve("no-such-cgroup").resolve("cgroup.procs");
        ProcessContainerizer joining = containerizer(new Isolators(List.of(joining(missing))));
        try {
            assertThatThrownBy(() -> joining.launch(spec("c1", shell("touch started"))))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("could not start task task-c1: could not join the cgroup " + missing);
            assertThat(sandbox("c1").resolve("started")).doesNotExist();
            assertThat(runDir("c1").resolve("launcher.pid")).doesNotExist();
        } finally {
            joining.close();
        }
    }

    @Test
    void aCancelledLaunchNeverStartsItsTask() throws Exception {
        // What the agent does when the server died before answering: it claims launcher.pid before the launcher.
        Files.createDirectories(sandbox("c1"));
        Files.createDirectories(runDir("c1"));
        Files.write(runDir("c1").resolve(program().launchFile()),
                launchFile(sandbox("c1"), List.of("touch", sandbox("c1").resolve("started").toString())));
        LauncherServer server = new LauncherServer(program());
        try {
            assertThat(LauncherServer.cancel(runDir("c1"))).isTrue();
            LauncherServer.Launch launch = server.request(runDir("c1"));

            assertThatThrownBy(() -> launch.started().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IOException.class).hasMessageContaining("the launch was cancelled");
            assertThat(runDir("c1").resolve("task.pid")).doesNotExist();
            assertThat(LauncherServer.cancel(runDir("c1"))).isFalse();
        } finally {
            server.close();
        }
        assertThat(sandbox("c1").resolve("started")).doesNotExist();
    }

    @Test
    void aRunDirectoryWithALineBreakIsRefused() {
        LauncherServer server = new LauncherServer(program());

        assertThatThrownBy(() -> server.request(workDir.resolve("a\nb"))).isInstanceOf(IOException.class)
                .hasMessageContaining("line break");
        assertThat(server.pid()).isEqualTo(-1);
    }

    // --- helpers ---

    RunningContainer launch(String id, CommandInfo command) throws IOException {
        return launched.add(containerizer.launch(spec(id, command)));
    }

    private ContainerSpec spec(String id, CommandInfo command) {
        return new ContainerSpec(id, "task-" + id, "F1", "task-" + id, command, sandbox(id), runDir(id), Map.of(),
                List.of());
    }

    private Path sandbox(String id) {
        return workDir.resolve("sandboxes").resolve(id);
    }

    private Path runDir(String id) {
        return workDir.resolve("meta").resolve(id);
    }

    private Map<String, String> environmentPrinted(String id) throws IOException {
        Map<String, String> environment = new TreeMap<>();
        for (String entry : Files.readString(sandbox(id).resolve("stdout")).split("\0")) {
            int equals = entry.indexOf('=');
            environment.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        return environment;
    }

    /** Waits until the process is gone (reaped: it is this JVM's child). */
    static void awaitGone(long pid) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).isEmpty());
    }

    private static long ignoredSignals(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith("SigIgn:"))
                .map(line -> Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16))
                .findFirst().orElseThrow();
    }

    static ContainerExit awaitExit(RunningContainer container) {
        return container.exit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    static CommandInfo shell(String script) {
        return CommandInfo.newBuilder().setValue(script).build();
    }

    private static Environment.Variable variable(String name, String value) {
        return Environment.Variable.newBuilder().setName(name).setType(Environment.Variable.Type.VALUE)
                .setValue(value).build();
    }

    /** An isolator that only joins a file, as the cgroup isolators do, without needing cgroups on the machine. */
    private static Isolator joining(Path procs) {
        return new Isolator() {
            @Override
            public String name() {
                return "test/join";
            }

            @Override
            public void prepare(ContainerSpec spec) {}

            @Override
            public void isolate(String containerId, long launcherPid) throws IOException {
                Files.writeString(procs, launcherPid + "\n");
            }

            @Override
            public Optional<List<Path>> joinFiles(String containerId) {
                return Optional.of(List.of(procs));
            }

            @Override
            public void update(String containerId, List<Resource> resources) {}

            @Override
            public void usage(String containerId, ResourceStatistics.Builder usage) {}

            @Override
            public Optional<Limitation> limitation(String containerId) {
                return Optional.empty();
            }

            @Override
            public void cleanup(String containerId) {}

            @Override
            public void recover(Set<String> live) {}
        };
    }
}
