package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.apache.mesos.v1.Protos.Environment.Variable;
import org.junit.jupiter.api.Test;

class TaskEnvironmentTest {

    private static final Path SANDBOX = Path.of("/var/corral/sandboxes/t1");

    @Test
    void keepsTheAgentsEnvironmentExceptItsPrivateVariables() {
        Map<String, String> agent = Map.of(
                "PATH", "/usr/bin", "HOME", "/root", "CORRAL_ZK", "zk://x", "MESOS_MASTER", "old",
                "LIBPROCESS_IP", "1.2.3.4", "JAVA_TOOL_OPTIONS", "-agentlib:jdwp", "JDK_JAVA_OPTIONS", "-Xmx1g");

        Map<String, String> environment = TaskEnvironment.build(agent, SANDBOX, Map.of(), command());

        assertThat(environment).containsOnly(
                Map.entry("PATH", "/usr/bin"),
                Map.entry("HOME", "/root"),
                Map.entry("MESOS_SANDBOX", SANDBOX.toString()));
    }

    @Test
    void theTasksVariablesWinOverTheAgentsWhichWinOverTheInheritedOnes() {
        Map<String, String> agent = Map.of("LANG", "C", "SHARED", "inherited");
        Map<String, String> extra = Map.of("MESOS_FRAMEWORK_ID", "f1", "SHARED", "agent", "LANG", "en_US.UTF-8");
        CommandInfo command = command(value("SHARED", "task"), value("EMPTY", ""));

        Map<String, String> environment = TaskEnvironment.build(agent, SANDBOX, extra, command);

        assertThat(environment)
                .containsEntry("SHARED", "task")
                .containsEntry("LANG", "en_US.UTF-8")
                .containsEntry("MESOS_FRAMEWORK_ID", "f1")
                .containsEntry("EMPTY", "");
    }

    @Test
    void secretVariablesAreRejectedWithTheirName() {
        Variable secret = Variable.newBuilder().setName("DB_PASSWORD").setType(Variable.Type.SECRET).build();

        assertThatThrownBy(() -> TaskEnvironment.build(Map.of(), SANDBOX, Map.of(), command(secret)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DB_PASSWORD is a SECRET");
    }

    @Test
    void invalidNamesAreRejected() {
        assertThatThrownBy(() -> TaskEnvironment.build(Map.of(), SANDBOX, Map.of(), command(value("A=B", "x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid variable name 'A=B'");
        assertThatThrownBy(() -> TaskEnvironment.build(Map.of(), SANDBOX, Map.of(), command(value("", "x"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static CommandInfo command(Variable... variables) {
        return CommandInfo.newBuilder()
                .setValue("true")
                .setEnvironment(Environment.newBuilder().addAllVariables(java.util.List.of(variables)))
                .build();
    }

    private static Variable value(String name, String value) {
        return Variable.newBuilder().setName(name).setType(Variable.Type.VALUE).setValue(value).build();
    }
}
