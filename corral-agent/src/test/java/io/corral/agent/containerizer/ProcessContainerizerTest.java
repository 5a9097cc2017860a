package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real processes through the containerizer, the way the agent does. */
class ProcessContainerizerTest {

    private static final Duration LONG_GRACE = Duration.ofSeconds(30);

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ProcessContainerizer containerizer = new ProcessContainerizer(timers);
    private final List<RunningContainer> started = new ArrayList<>();
    private int launches;

    @AfterEach
    void killEverythingStarted() {
        // A failed test may leave a kill with a long grace period pending: SIGKILL the main processes directly too.
        started.forEach(container -> container.kill(Duration.ZERO));
        started.stream().filter(container -> !container.exit().isDone())
                .forEach(container -> ProcessHandle.of(container.pid()).ifPresent(ProcessHandle::destroyForcibly));
        started.forEach(container -> container.exit().orTimeout(10, TimeUnit.SECONDS).join());
        containerizer.close();
        timers.shutdownNow();
    }

    @Test
    void echoGoesToTheSandboxStdoutAndExitsZero() throws Exception {
        RunningContainer container = launch(shell("echo hello"));

        ContainerExit exit = awaitExit(container);

        assertThat(exit.succeeded()).isTrue();
        assertThat(exit.exitCode()).hasValue(0);
        assertThat(exit.killedByRequest()).isFalse();
        assertThat(exit.describe()).isEqualTo("exited with status 0");
        assertThat(Files.readString(sandboxOf(1).resolve("stdout"))).isEqualTo("hello\n");
        assertThat(Files.readString(sandboxOf(1).resolve("stderr"))).isEmpty();
    }

    @Test
    void stderrIsCapturedSeparately() throws Exception {
        awaitExit(launch(shell("echo oops >&2")));

        assertThat(Files.readString(sandboxOf(1).resolve("stderr"))).isEqualTo("oops\n");
        assertThat(Files.readString(sandboxOf(1).resolve("stdout"))).isEmpty();
    }

    @Test
    void outputFilesAreAppendedToNotReplaced() throws Exception {
        Path sandbox = workDir.resolve("shared-sandbox");
        awaitExit(launch(shell("echo first"), sandbox, Map.of()));
        awaitExit(launch(shell("echo second"), sandbox, Map.of()));

        assertThat(Files.readString(sandbox.resolve("stdout"))).isEqualTo("first\nsecond\n");
    }

    @Test
    void nonZeroExitCodeIsReported() throws Exception {
        ContainerExit exit = awaitExit(launch(shell("exit 3")));

        assertThat(exit.exitCode()).hasValue(3);
        assertThat(exit.signal()).isEmpty();
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.describe()).isEqualTo("exited with status 3");
    }

    @Test
    void shellFalseRunsTheExecutableWithArgumentsOneToNAsArgv() throws Exception {
        // arguments[0] is argv[0] in Mesos, so "printf" is not passed as an argument: printf gets the format first.
        CommandInfo command = CommandInfo.newBuilder()
                .setShell(false)
                .setValue("printf")
                .addArguments("printf")
                .addArguments("%s|")
                .addArguments("two  spaces, $HOME and * stay literal")
                .addArguments("last")
                .build();

        ContainerExit exit = awaitExit(launch(command));

        assertThat(exit.exitCode()).hasValue(0);
        assertThat(Files.readString(sandboxOf(1).resolve("stdout")))
                .isEqualTo("two  spaces, $HOME and * stay literal|last|");
    }

    @Test
    void aMissingExecutableFailsTheTask() throws Exception {
        CommandInfo command = CommandInfo.newBuilder().setShell(false).setValue("/no/such/program").build();

        if (containerizer.usesProcessGroups()) {
            // setsid starts, then cannot exec the program: the shell convention for "command not found".
            assertThat(awaitExit(launch(command)).exitCode()).hasValue(127);
            assertThat(Files.readString(sandboxOf(1).resolve("stderr"))).contains("'/no/such/program'")
                    .contains("No such file or directory");
        } else {
            assertThatThrownBy(() -> launch(command)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void taskSeesItsEnvironmentAndRunsInItsSandbox() throws Exception {
        CommandInfo command = CommandInfo.newBuilder()
                .setValue("echo \"$FROM_TASK|$FROM_AGENT|$BOTH|$MESOS_SANDBOX|$(pwd)\"")
                .setEnvironment(Environment.newBuilder()
                        .addVariables(variable("FROM_TASK", "task value"))
                        .addVariables(variable("BOTH", "the task wins")))
                .build();
        Path sandbox = workDir.resolve("env-sandbox");

        awaitExit(launch(command, sandbox, Map.of("FROM_AGENT", "agent value", "BOTH", "agent")));

        String realSandbox = sandbox.toRealPath().toString();
        assertThat(Files.readString(sandbox.resolve("stdout")))
                .isEqualTo("task value|agent value|the task wins|" + sandbox.toAbsolutePath() + "|" + realSandbox
                        + "\n");
    }

    @Test
    void taskPidFileHoldsThePidWhichLeadsItsOwnProcessGroupAndSession() throws Exception {
        RunningContainer container = launch(shell("sleep 100"));

        assertThat(Files.readString(runDirOf(1).resolve("task.pid"))).isEqualTo(container.pid() + "\n");
        assumeThat(containerizer.usesProcessGroups()).as("setsid available").isTrue();
        // setsid(2) runs in the child a moment after launch() returns.
        ProcessTable.Entry entry = await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessTable.read(container.pid()).orElseThrow(),
                        stat -> stat.processGroup() == container.pid());
        assertThat(entry.session()).isEqualTo(container.pid());
    }

    @Test
    void aKillRightAfterLaunchStillEndsTheTaskWithoutWaitingForTheGracePeriod() {
        for (int i = 0; i < 5; i++) {
            RunningContainer container = launch(shell("sleep 100"));
            container.kill(LONG_GRACE);
            assertThat(awaitExit(container).describe()).isEqualTo("terminated by SIGTERM");
        }
    }

    @Test
    void killEndsASleepWithSigtermLongBeforeTheGracePeriod() {
        RunningContainer container = launch(shell("sleep 100"));

        container.kill(LONG_GRACE);

        // Well under the 30 s grace: SIGTERM did it, not the SIGKILL escalation.
        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(exit.signal()).hasValue(15);
        assertThat(exit.exitCode()).isEmpty();
        assertThat(exit.killedByRequest()).isTrue();
        assertThat(exit.sigkillAfter()).isEmpty();
        assertThat(exit.describe()).isEqualTo("terminated by SIGTERM");
    }

    @Test
    void aTaskIgnoringSigtermIsKilledBySigkillAfterTheGracePeriod() {
        RunningContainer container = launch(shell("trap '' TERM; touch trapped; sleep 100"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandboxOf(1).resolve("trapped")));

        container.kill(Duration.ofMillis(300));

        ContainerExit exit = await().atMost(Duration.ofSeconds(10))
                .until(() -> container.exit().getNow(null), done -> done != null);
        assertThat(exit.signal()).hasValue(9);
        assertThat(exit.sigkillAfter()).contains(Duration.ofMillis(300));
        assertThat(exit.describe()).isEqualTo("killed by SIGKILL after the 300ms grace period");
    }

    @Test
    void killSendsSigtermToEveryProcessTheTaskForked() {
        assumeThat(containerizer.usesProcessGroups()).as("setsid available").isTrue();
        // The main shell waits for its children on SIGTERM, so it only exits once they all got SIGTERM themselves.
        String script = String.join("\n",
                "trap 'wait; exit 0' TERM",
                "(sleep 1000 &)", // an orphan: its parent subshell exits at once
                "sh -c 'trap \"touch child-got-term; exit 0\" TERM; sleep 1000 & touch child-ready; wait' &",
                "wait");
        RunningContainer container = launch(shell(script));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandboxOf(1).resolve("child-ready")));
        // The main shell, the orphan, the child shell and the grandchild.
        assertThat(ProcessTable.liveMembersOfGroup(container.pid())).hasSizeGreaterThanOrEqualTo(4);

        container.kill(LONG_GRACE);

        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(exit.describe()).isEqualTo("exited with status 0 after a kill request");
        assertThat(sandboxOf(1).resolve("child-got-term")).exists();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTable.liveMembersOfGroup(container.pid()).isEmpty());
    }

    @Test
    void processesLeftBehindByAFinishedTaskAreKilled() throws Exception {
        assumeThat(containerizer.usesProcessGroups()).as("setsid available").isTrue();
        RunningContainer container = launch(shell("sleep 1000 & echo $! > child"));

        assertThat(awaitExit(container).exitCode()).hasValue(0);

        long child = Long.parseLong(Files.readString(sandboxOf(1).resolve("child")).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessTable.isLive(child));
    }

    @Test
    void killingTwiceOrAfterTheExitIsHarmless() {
        RunningContainer container = launch(shell("sleep 100"));

        container.kill(LONG_GRACE);
        container.kill(Duration.ZERO); // ignored: the first kill's grace period stands
        ContainerExit exit = container.exit().orTimeout(10, TimeUnit.SECONDS).join();
        container.kill(Duration.ZERO);

        assertThat(exit.describe()).isEqualTo("terminated by SIGTERM");
        assertThat(container.exit().join()).isEqualTo(exit);
    }

    @Test
    void killingAContainerThatExitedOnItsOwnIsANoOp() {
        RunningContainer container = launch(shell("exit 0"));
        ContainerExit exit = awaitExit(container);

        container.kill(Duration.ZERO);

        assertThat(container.exit().join()).isEqualTo(exit);
        assertThat(exit.killedByRequest()).isFalse();
    }

    @Test
    void withoutSetsidTasksStillRunAndKillsWalkTheProcessTree() throws Exception {
        ProcessContainerizer fallback = new ProcessContainerizer(timers, Optional.empty(), Isolators.none());
        assertThat(fallback.usesProcessGroups()).isFalse();
        Path sandbox = workDir.resolve("fallback");
        RunningContainer container = fallback.launch(spec(shell("sleep 1000 & touch forked; wait"), sandbox, Map.of()));
        started.add(container);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandbox.resolve("forked")));
        List<Long> children =
                ProcessHandle.of(container.pid()).orElseThrow().children().map(ProcessHandle::pid).toList();
        assertThat(children).isNotEmpty();

        container.kill(LONG_GRACE);

        assertThat(awaitExit(container).describe()).isEqualTo("terminated by SIGTERM");
        await().atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(ProcessTable::isLive));
    }

    @Test
    void aCommandWithoutValueIsRejectedBeforeAnythingIsCreated() {
        Path sandbox = workDir.resolve("never");

        assertThatThrownBy(() -> containerizer.launch(spec(CommandInfo.newBuilder().build(), sandbox, Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CommandInfo.value is empty");
        assertThat(sandbox).doesNotExist();
    }

    @Test
    void aCallerCompletingItsExitFutureCannotFakeTheExitForOthers() {
        RunningContainer container = launch(shell("sleep 100"));
        CompletableFuture<ContainerExit> callersCopy = container.exit();

        assertThat(callersCopy.complete(ContainerExit.exited(99))).isTrue();
        container.kill(LONG_GRACE);

        assertThat(awaitExit(container).signal()).hasValue(15);
    }

    // --- helpers ---

    private RunningContainer launch(CommandInfo command) {
        return launch(command, workDir.resolve("sandbox-" + (launches + 1)), Map.of());
    }

    private RunningContainer launch(CommandInfo command, Path sandbox, Map<String, String> extraEnvironment) {
        try {
            RunningContainer container = containerizer.launch(spec(command, sandbox, extraEnvironment));
            started.add(container);
            return container;
        } catch (IOException e) {
            throw new AssertionError("launch failed", e);
        }
    }

    private ContainerSpec spec(CommandInfo command, Path sandbox, Map<String, String> extraEnvironment) {
        launches++;
        String id = "task-" + launches;
        return new ContainerSpec("container-" + launches, id, "framework-1", id, command, sandbox,
                sandbox.resolveSibling(sandbox.getFileName() + "-run"), extraEnvironment, List.of());
    }

    private Path sandboxOf(int launch) {
        return workDir.resolve("sandbox-" + launch);
    }

    private Path runDirOf(int launch) {
        return workDir.resolve("sandbox-" + launch + "-run");
    }

    private static ContainerExit awaitExit(RunningContainer container) {
        return container.exit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static CommandInfo shell(String script) {
        return CommandInfo.newBuilder().setValue(script).build();
    }

    private static Environment.Variable variable(String name, String value) {
        return Environment.Variable.newBuilder().setName(name).setType(Environment.Variable.Type.VALUE).setValue(value)
                .build();
    }
}
