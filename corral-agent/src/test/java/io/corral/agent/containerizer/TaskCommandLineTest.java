package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.mesos.v1.Protos.CommandInfo;
import org.junit.jupiter.api.Test;

class TaskCommandLineTest {

    @Test
    void shellIsTheDefaultAndIgnoresArguments() {
        CommandInfo command = CommandInfo.newBuilder().setValue("echo $HOME").addArguments("ignored").build();

        assertThat(TaskCommandLine.argv(command)).containsExactly("/bin/sh", "-c", "echo $HOME");
    }

    @Test
    void withoutShellArgumentZeroIsArgvZeroAndTheValueIsTheProgram() {
        CommandInfo command = CommandInfo.newBuilder().setShell(false).setValue("/bin/echo")
                .addArguments("echo").addArguments("a b").addArguments("c").build();

        assertThat(TaskCommandLine.argv(command)).containsExactly("/bin/echo", "a b", "c");
    }

    @Test
    void withoutShellOrArgumentsOnlyTheProgramRuns() {
        CommandInfo command = CommandInfo.newBuilder().setShell(false).setValue("/bin/true").build();

        assertThat(TaskCommandLine.argv(command)).containsExactly("/bin/true");
    }

    @Test
    void anEmptyValueIsRejectedWithAHint() {
        assertThatThrownBy(() -> TaskCommandLine.argv(CommandInfo.newBuilder().setValue("  ").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CommandInfo.value is empty");
    }
}
