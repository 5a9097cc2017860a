package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher with real processes: it records how the task ended, and a containerizer that never saw the launch (a
 * restarted agent's) finds the container again, whether it still runs or ended in between.
 */
class ContainerRecoveryTest {

    @TempDir Path workDir;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    /** The containerizer of the agent that launched: after a "crash" nothing of it is used again. */
    private final ProcessContainerizer before = new ProcessContainerizer(timers);
    /** The restarted agent's. */
    private final ProcessContainerizer after = new ProcessContainerizer(timers);
    private final LaunchedContainers launched = new LaunchedContainers();

    @AfterEach
    void killLeftovers() {
        launched.killAndAwaitLaunchers();
        before.close();
        after.close();
        timers.shutdownNow();
    }

    @Test
    void theLauncherRecordsTheExitCode() throws Exception {
        RunningContainer container = launch("c1", "exit 7");

        assertThat(awaitExit(container).exitCode()).hasValue(7);
        assertThat(Files.readString(runDir("c1").resolve("exit_status")).trim()).isEqualTo("7");
    }

    @Test
    void theLauncherKeepsWorkingWhenTheTaskSetsItsOwnPath() throws Exception {
        CommandInfo command = CommandInfo.newBuilder().setValue("echo \"$PATH\"; exit 4")
                .setEnvironment(org.apache.mesos.v1.Protos.Environment.newBuilder().addVariables(
                        org.apache.mesos.v1.Protos.Environment.Variable.newBuilder().setName("PATH")
                                .setType(org.apache.mesos.v1.Protos.Environment.Variable.Type.VALUE)
                                .setValue("/opt/nothing-here")))
                .build();
        RunningContainer container = before.launch(new ContainerSpec("c1", "t1", "F1", "t1", command, sandbox("c1"),
                runDir("c1"), Map.of(), List.of()));

        assertThat(awaitExit(container).exitCode()).hasValue(4);
        assertThat(Files.readString(sandbox("c1").resolve("stdout"))).isEqualTo("/opt/nothing-here\n");
        assertThat(runDir("c1").resolve("task.pid")).exists();
    }

    @Test
    void aTaskKilledByASignalIsRecordedAsThatSignal() throws Exception {
        RunningContainer container = launch("c1", "touch ready; sleep 100");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandbox("c1").resolve("ready")));

        // SIGKILL from outside the agent (the OOM killer, an operator): not a kill request.
        ProcessHandle.of(container.pid()).orElseThrow().destroyForcibly();

        ContainerExit exit = awaitExit(container);
        assertThat(exit.exitCode()).hasValue(137);
        assertThat(exit.describe()).isEqualTo("exited with status 137 (128+9: possibly SIGKILL)");
    }

    @Test
    void aRestartedAgentReattachesToARunningContainerAndSeesItsEnd() throws Exception {
        RunningContainer original = launch("c1", "while [ ! -e release ]; do sleep 0.05; done; exit 3");

        RunningContainer recovered = after.recover("c1", runDir("c1"), null);

        assertThat(recovered.pid()).isEqualTo(original.pid());
        assertThat(recovered.launcherPid()).isEqualTo(original.launcherPid());
        assertThat(recovered.exit()).isNotDone();
        Files.createFile(sandbox("c1").resolve("release"));
        assertThat(awaitExit(recovered).exitCode()).hasValue(3);
    }

    @Test
    void aRecoveredContainersOutputIsRotatedAsALaunchedOnes() throws Exception {
        ProcessContainerizer rotating = new ProcessContainerizer(timers)
                .rotatingLogs(new LogRotation.Policy(1024, 2, Duration.ofMillis(50)));
        launch("c1", "while [ ! -e release ]; do head -c 4096 /dev/zero | tr '\\0' x; sleep 0.05; done");

        RunningContainer recovered = rotating.recover("c1", runDir("c1"), null);
        rotating.rotateLogs(recovered, sandbox("c1"));

        Path stdout = sandbox("c1").resolve("stdout");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandbox("c1").resolve("stdout.2")));
        Files.createFile(sandbox("c1").resolve("release"));
        awaitExit(recovered);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(stdout) <= 1024);
        assertThat(sandbox("c1").resolve("stdout.3")).doesNotExist();
    }

    @Test
    void aTaskThatEndedWhileTheAgentWasDownIsReportedFromItsExitFile() throws Exception {
        RunningContainer original = launch("c1", "exit 0");
        awaitExit(original); // the agent is "down": nobody acts on this

        RunningContainer recovered = after.recover("c1", runDir("c1"), null);

        ContainerExit exit = recovered.exit().getNow(null);
        assertThat(exit).isNotNull();
        assertThat(exit.succeeded()).isTrue();
    }

    @Test
    void aKillRequestedBeforeTheRestartIsCarriedOutAndReportedAsAKill() throws Exception {
        RunningContainer original = launch("c1", "touch ready; sleep 100");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sandbox("c1").resolve("ready")));

        RunningContainer recovered = after.recover("c1", runDir("c1"), Duration.ofSeconds(30));

        ContainerExit exit = awaitExit(recovered);
        assertThat(exit.killedByRequest()).isTrue();
        assertThat(exit.describe()).isEqualTo("terminated by SIGTERM");
        assertThat(original.exit().join().exitCode()).hasValue(143); // the old view knew of no kill
    }

    @Test
    void aLauncherKilledWithoutRecordingAnythingMakesTheContainerLost() throws Exception {
        RunningContainer original = launch("c1", "sleep 100");
        ProcessHandle.of(original.launcherPid()).orElseThrow().destroyForcibly();
        original.exit().exceptionally(error -> null).join();

        RunningContainer recovered = after.recover("c1", runDir("c1"), null);

        assertThat(recovered.exit()).isCompletedExceptionally();
        assertThatLost(recovered).contains("ended without recording the task's exit status");
    }

    @Test
    void aContainerWhoseLauncherWasNeverCheckpointedNeverStartedItsTask() throws Exception {
        Files.createDirectories(runDir("c1"));

        RunningContainer recovered = after.recover("c1", runDir("c1"), null);

        assertThatLost(recovered).isEqualTo("The agent stopped before the task started: the task never ran");
    }

    @Test
    void aLauncherThatLosesTheAgentBeforeGoStartsNothing() throws Exception {
        // The agent died right after starting the launcher: its stdin reaches end-of-input instead of "go".
        Path runDir = Files.createDirectories(runDir("c1"));
        Path sandbox = Files.createDirectories(sandbox("c1"));
        String script = new String(ProcessContainerizer.class.getResourceAsStream("corral-launcher.sh")
                .readAllBytes());
        Process launcher = new ProcessBuilder("/bin/sh", "-c", script, "corral-launcher", runDir.toString(),
                sandbox.toString(), "", "/bin/sh", "-c", "touch started").directory(sandbox.toFile()).start();
        launcher.getOutputStream().close();

        assertThat(launcher.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).isZero();
        assertThat(sandbox.resolve("started")).doesNotExist();
        assertThat(runDir.resolve("task.pid")).doesNotExist();
    }

    @Test
    void aReusedPidWithAnotherStartTimeIsNotMistakenForTheLauncher() throws Exception {
        Path runDir = Files.createDirectories(runDir("c1"));
        long ourPid = ProcessHandle.current().pid(); // alive, but certainly not a launcher
        long startTicks = ProcStat.read(ourPid).orElseThrow().startTicks();
        new LauncherRecord(ourPid, startTicks + 1, ProcStat.bootId()).write(runDir);

        RunningContainer recovered = after.recover("c1", runDir, null);

        assertThatLost(recovered).contains("ended without recording");
        assertThat(new LauncherRecord(ourPid, startTicks, ProcStat.bootId()).isRunning()).isTrue();
        assertThat(new LauncherRecord(ourPid, startTicks, "another-boot").isRunning()).isFalse();
    }

    @Test
    void aDamagedLauncherRecordMakesTheContainerLostInsteadOfThrowing() throws Exception {
        Files.createDirectories(runDir("c1"));
        Files.writeString(runDir("c1").resolve("launcher.pid"), "12x 4");

        assertThatLost(after.recover("c1", runDir("c1"), null)).startsWith("The agent restarted and could not read the"
                + " task's launcher record").contains("is damaged");
    }

    // --- helpers ---

    private RunningContainer launch(String containerId, String script) throws Exception {
        RunningContainer container = before.launch(new ContainerSpec(containerId, "task-" + containerId, "F1",
                "task-" + containerId, CommandInfo.newBuilder().setValue(script).build(), sandbox(containerId),
                runDir(containerId), Map.of(), List.of()));
        return launched.add(container);
    }

    private Path sandbox(String containerId) {
        return workDir.resolve("sandboxes").resolve(containerId);
    }

    private Path runDir(String containerId) {
        return workDir.resolve("meta").resolve(containerId);
    }

    private static ContainerExit awaitExit(RunningContainer container) {
        return container.exit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static org.assertj.core.api.AbstractStringAssert<?> assertThatLost(RunningContainer container) {
        try {
            container.exit().orTimeout(10, TimeUnit.SECONDS).join();
            throw new AssertionError("the container was expected to be lost");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(ContainerLostException.class);
            return assertThat(e.getCause().getMessage());
        }
    }
}
