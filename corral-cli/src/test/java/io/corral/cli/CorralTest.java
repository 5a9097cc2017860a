package io.corral.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CorralTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void helpListsEverySubcommandWithADescription() {
        int exit = run("--help");

        assertThat(exit).isZero();
        assertThat(out.toString()).containsPattern("(?m)^  local +Run a whole cluster")
                .containsPattern("(?m)^  run +\\S")
                .containsPattern("(?m)^  ps +\\S")
                .containsPattern("(?m)^  master +\\S")
                .containsPattern("(?m)^  agent +\\S")
                .containsPattern("(?m)^  zk +Run a ZooKeeper server");
    }

    @Test
    void aBadFlagSaysWhatIsWrongShowsUsageAndExitsWith2() {
        int exit = run("zk", "--data-dir", "/tmp/x", "--bogus");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--bogus'").contains("Usage: corral zk");
    }

    @Test
    void errorsMeantForUsersPrintOneLineAndExitWith1(@TempDir Path empty) {
        int exit = run("local", "status", "--work-dir", empty.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString().strip())
                .isEqualTo("corral local status: " + empty.resolve("cluster.json")
                        + " does not exist: is this the work directory of a corral local?");
    }

    @Test
    void anAgentRefusesABadAclOrRateLimitFileBeforeItStarts(@TempDir Path dir) throws Exception {
        Path acls = java.nio.file.Files.writeString(dir.resolve("acls.json"),
                "{\"access_sandbox\": [{\"principals\": {\"type\": \"ANY\"}, \"users\": {\"type\": \"ANY\"}}]}");
        int exit = run("agent", "--zk", "zk://127.0.0.1:1/corral", "--work-dir", dir.resolve("agent").toString(),
                "--insecure", "--acls", acls.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("unknown action 'access_sandbox'").contains("access_sandboxes");

        err.getBuffer().setLength(0);
        Path limits = java.nio.file.Files.writeString(dir.resolve("limits.json"),
                "{\"limits\": [{\"principal\": \"batch\", \"qsp\": 5}]}");
        exit = run("agent", "--zk", "zk://127.0.0.1:1/corral", "--work-dir", dir.resolve("agent").toString(),
                "--insecure", "--rate-limits", limits.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("qsp");
    }

    @Test
    void aSecureMasterOrAgentRefusesAZooKeeperUrlWithoutCredentials(@TempDir Path dir) throws Exception {
        Path credentials = java.nio.file.Files.writeString(dir.resolve("credentials.json"),
                "{\"credentials\": [{\"principal\": \"agent\", \"secret\": \"s\"}]}");
        Path agent = java.nio.file.Files.writeString(dir.resolve("agent.json"),
                "{\"principal\": \"agent\", \"secret\": \"s\"}");
        int exit = run("master", "--zk", "zk://127.0.0.1:1/corral", "--credentials", credentials.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("names no ZooKeeper credentials")
                .contains("zk://corral:SECRET@").contains("--insecure");

        err.getBuffer().setLength(0);
        exit = run("agent", "--zk", "zk://127.0.0.1:1/corral", "--work-dir", dir.resolve("agent").toString(),
                "--credential", agent.toString(), "--http-credentials", credentials.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("names no ZooKeeper credentials");
        assertThat(dir.resolve("agent")).as("refused before anything was written").doesNotExist();
    }

    @Test
    void versionNamesCorral() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("corral ");
    }

    private int run(String... args) {
        CommandLine commandLine = Corral.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
