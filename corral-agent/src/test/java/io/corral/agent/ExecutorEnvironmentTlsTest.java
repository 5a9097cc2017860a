package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.junit.jupiter.api.Test;

/**
 * A custom executor of an agent serving HTTPS is told so as Mesos tells it (libprocess's TLS variables, the CA to
 * check the agent with), and never gets the agent's key; one of a plain agent gets none of them.
 */
class ExecutorEnvironmentTlsTest {
    private static final AgentInfo AGENT = AgentInfo.newBuilder().setId(AgentID.newBuilder().setValue("a1"))
            .setHostname("127.0.0.1").setPort(5051).build();
    private static final FrameworkInfo FRAMEWORK = FrameworkInfo.newBuilder().setUser("u").setName("f")
            .setId(FrameworkID.newBuilder().setValue("f1")).build();
    private static final ExecutorInfo EXECUTOR = ExecutorInfo.newBuilder()
            .setExecutorId(ExecutorID.newBuilder().setValue("e1"))
            .setCommand(CommandInfo.newBuilder().setValue("true")).build();

    @Test
    void anHttpsAgentTellsItsExecutorsToSpeakTlsAndWhichCaToTrust() {
        AgentTls plain = new AgentTls(Optional.empty(), Optional.empty(), Optional.of(Path.of("/etc/corral/ca.pem")));
        assertThat(plain.executors()).as("no server certificate: plain HTTP").isEqualTo(ExecutorTls.NONE);

        Map<String, String> env = environment(new ExecutorTls(true, Optional.of(Path.of("/etc/corral/ca.pem"))));
        assertThat(env).containsEntry("LIBPROCESS_SSL_ENABLED", "true")
                .containsEntry("LIBPROCESS_SSL_VERIFY_SERVER_CERT", "true")
                .containsEntry("LIBPROCESS_SSL_VERIFY_CERT", "true")
                .containsEntry("LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "openssl")
                .containsEntry("LIBPROCESS_SSL_CA_FILE", "/etc/corral/ca.pem")
                .containsEntry("MESOS_AGENT_ENDPOINT", "127.0.0.1:5051")
                .doesNotContainKeys("LIBPROCESS_SSL_KEY_FILE", "LIBPROCESS_SSL_CERT_FILE");
    }

    @Test
    void aPlainAgentSaysNothingAboutTls() {
        assertThat(environment(ExecutorTls.NONE).keySet()).noneMatch(key -> key.startsWith("LIBPROCESS_SSL_"));
    }

    private static Map<String, String> environment(ExecutorTls tls) {
        return ExecutorEnvironment.build(AGENT, FRAMEWORK, EXECUTOR, Path.of("/tmp/sandbox"), Duration.ofSeconds(5),
                ExecutorTokens.disabled(), tls);
    }
}
