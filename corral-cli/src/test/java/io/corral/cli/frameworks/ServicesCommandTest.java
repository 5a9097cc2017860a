package io.corral.cli.frameworks;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cli.Corral;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code corral services} refuses to start half-secured, before connecting to anything. */
class ServicesCommandTest {

    private static String refusal(String... args) {
        StringWriter err = new StringWriter();
        CommandLine command = Corral.commandLine().setErr(new PrintWriter(err));
        assertThat(command.execute(args)).isEqualTo(2);
        return err.toString();
    }

    @Test
    void withoutCredentialsOrInsecureItDoesNotStart() {
        assertThat(refusal("services", "--zk", "zk://corral:pw@127.0.0.1:1/corral"))
                .contains("--credentials").contains("--insecure");
    }

    @Test
    void aZooKeeperUrlWithoutIdentityIsRefusedUnlessInsecure() throws Exception {
        assertThat(refusal("services", "--zk", "zk://127.0.0.1:1/corral", "--credentials", callers().toString()))
                .contains("ZooKeeper credentials");
    }

    private static java.nio.file.Path callers() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("credentials", ".json");
        java.nio.file.Files.writeString(file, "{\"credentials\": [{\"principal\": \"ops\", \"secret\": \"s\"}]}");
        file.toFile().deleteOnExit();
        return file;
    }

    @Test
    void theFrameworksOwnCredentialIsRequiredUnlessInsecure() throws Exception {
        java.nio.file.Path callers = callers();
        assertThat(refusal("services", "--zk", "zk://corral:pw@127.0.0.1:1/corral", "--credentials",
                callers.toString())).contains("--credential FILE");
        assertThat(refusal("services", "--zk", "zk://corral:pw@127.0.0.1:1/corral", "--credentials",
                callers.toString(), "--principal", "svc")).contains("--secret-file");
    }
}
