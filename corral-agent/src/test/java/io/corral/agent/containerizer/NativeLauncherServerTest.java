package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LauncherServerContract} for the native server ({@code corral-forker}), where this build carries one that
 * runs (the build compiles it where {@code /usr/bin/cc} exists), and what only it does. Skipped where there is none,
 * unless {@code -Dcorral.native-forker=required} (CI, after installing a compiler), which fails it instead.
 */
class NativeLauncherServerTest extends LauncherServerContract {

    @BeforeAll
    static void nativeServerBuilt() {
        String missing = "the native launcher server (built where /usr/bin/cc is installed)";
        if ("required".equals(System.getProperty("corral.native-forker"))) {
            assertThat(NativeForker.find()).as(missing + " (-Dcorral.native-forker=required)").isPresent();
        }
        assumeThat(NativeForker.find()).as(missing).isPresent();
    }

    @Override
    ProcessContainerizer containerizer(Isolators isolators) {
        return new ProcessContainerizer(timers, isolators);
    }

    @Override
    LauncherServer.Program program() {
        return LauncherServer.Program.nativeForker(NativeForker.find().orElseThrow());
    }

    @Override
    byte[] launchFile(Path sandbox, List<String> argv) {
        return LaunchFile.renderArgs(sandbox, List.of(), Optional.empty(), Map.of(), argv);
    }

    @Test
    void aProgramRemovedFromUnderTheAgentIsInstalledAgainInAFreshDirectory() throws Exception {
        NativeForker forker = NativeForker.find().orElseThrow();
        assertThat(awaitExit(launch("c1", shell("exit 0"))).exitCode()).hasValue(0);
        Path removed = forker.program();
        long server = containerizer.launcherServerPid();

        Files.delete(removed); // what a cleaner of /tmp does to a file nobody opened for ten days
        Files.delete(removed.getParent());
        ProcessHandle.of(server).orElseThrow().destroyForcibly();
        awaitGone(server);

        assertThat(awaitExit(launch("c2", shell("exit 4"))).exitCode()).hasValue(4);
        assertThat(forker.program()).isExecutable().isNotEqualTo(removed);
        assertThat(removed.getParent()).doesNotExist();
    }

    @Test
    void theTaskIsTheLaunchersOwnChildWithNoHelperProgramBetween() throws Exception {
        RunningContainer container = launch("c1", CommandInfo.newBuilder().setShell(false).setValue("sleep")
                .addArguments("sleep").addArguments("100").build());
        Path comm = Path.of("/proc", Long.toString(container.pid()), "comm");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(comm).trim().equals("sleep"));

        assertThat(ProcessHandle.of(container.pid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                .hasValue(container.launcherPid());
        assertThat(ProcessHandle.of(container.launcherPid()).map(ProcessHandle::info)
                .flatMap(ProcessHandle.Info::command)).hasValueSatisfying(command -> command.endsWith("corral-forker"));
    }
}
