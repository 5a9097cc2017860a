package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ContainerExitTest {

    @Test
    void anExitValueAbove128IsASignalOnlyWhenTheAgentKilledTheTask() {
        ContainerExit killed = ContainerExit.fromExitValue(143, true, Optional.empty());
        ContainerExit notKilled = ContainerExit.fromExitValue(137, false, Optional.empty());

        assertThat(killed.signal()).hasValue(15);
        assertThat(killed.exitCode()).isEmpty();
        assertThat(killed.describe()).isEqualTo("terminated by SIGTERM");
        assertThat(notKilled.exitCode()).hasValue(137);
        assertThat(notKilled.signal()).isEmpty();
        assertThat(notKilled.describe()).isEqualTo("exited with status 137 (128+9: possibly SIGKILL)");
    }

    @Test
    void describesEachKindOfEnd() {
        assertThat(ContainerExit.exited(3).describe()).isEqualTo("exited with status 3");
        assertThat(ContainerExit.fromExitValue(137, true, Optional.of(Duration.ofSeconds(3))).describe())
                .isEqualTo("killed by SIGKILL after the 3s grace period");
        assertThat(ContainerExit.fromExitValue(137, true, Optional.empty()).describe()).isEqualTo("killed by SIGKILL");
        assertThat(ContainerExit.fromExitValue(0, true, Optional.empty()).describe())
                .isEqualTo("exited with status 0 after a kill request");
        assertThat(ContainerExit.fromExitValue(128 + 40, true, Optional.empty()).describe())
                .isEqualTo("terminated by signal 40");
    }

    @Test
    void exitValuesBeyondTheSignalRangeStayExitCodes() {
        assertThat(ContainerExit.fromExitValue(128, true, Optional.empty()).exitCode()).hasValue(128);
        assertThat(ContainerExit.fromExitValue(255, true, Optional.empty()).exitCode()).hasValue(255);
    }

    @Test
    void succeededOnlyForStatusZero() {
        assertThat(ContainerExit.exited(0).succeeded()).isTrue();
        assertThat(ContainerExit.exited(1).succeeded()).isFalse();
        assertThat(ContainerExit.fromExitValue(143, true, Optional.empty()).succeeded()).isFalse();
    }

    @Test
    void gracePeriodsAreWrittenInTheirNaturalUnit() {
        assertThat(ContainerExit.formatDuration(Duration.ofSeconds(3))).isEqualTo("3s");
        assertThat(ContainerExit.formatDuration(Duration.ofMillis(300))).isEqualTo("300ms");
        assertThat(ContainerExit.formatDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void rejectsBothOrNeitherOfExitCodeAndSignal() {
        assertThatThrownBy(() -> new ContainerExit(OptionalInt.of(1), OptionalInt.of(9), false, Optional.empty(),
                Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> new ContainerExit(OptionalInt.empty(), OptionalInt.empty(), false, Optional.empty(),
                Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
