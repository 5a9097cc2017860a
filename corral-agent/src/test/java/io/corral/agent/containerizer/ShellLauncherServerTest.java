package io.corral.agent.containerizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@link LauncherServerContract} for the shell server ({@code corral-forker.sh}), which every machine can run. */
class ShellLauncherServerTest extends LauncherServerContract {

    @Override
    ProcessContainerizer containerizer(Isolators isolators) {
        return ProcessContainerizer.withShellServer(timers, isolators);
    }

    @Override
    LauncherServer.Program program() {
        return LauncherServer.Program.shell(HostPrograms.find("setsid").orElseThrow());
    }

    @Override
    byte[] launchFile(Path sandbox, List<String> argv) {
        List<String> prefix = List.of(HostPrograms.find("setsid").orElseThrow().toString());
        return LaunchFile.render(sandbox, List.of(), prefix, Map.of(), argv).getBytes(StandardCharsets.UTF_8);
    }
}
