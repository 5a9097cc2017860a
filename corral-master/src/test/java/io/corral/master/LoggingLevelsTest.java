package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.corral.protocol.concurrent.ManualTimers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** SET_LOGGING_LEVEL's verbosity on logback, and its revert on the master's (fake) timers. */
class LoggingLevelsTest {
    private final ManualTimers timers = new ManualTimers(1_700_000_000_000L);
    private final LoggingLevels levels = LoggingLevels.ofLogback().orElseThrow();
    private final int original = levels.verbosity();
    private final org.slf4j.Logger corral = LoggerFactory.getLogger("io.corral.master.Master");

    @AfterEach
    void revert() {
        timers.advance(LoggingLevels.MAX_DURATION); // any pending revert runs
        assertThat(levels.verbosity()).isEqualTo(original);
    }

    @Test
    void aLevelHoldsForItsDurationThenTheOriginalComesBack() {
        levels.set(1, Duration.ofSeconds(10), timers);
        assertThat(levels.verbosity()).isEqualTo(1);
        assertThat(corral.isDebugEnabled()).isTrue();
        assertThat(corral.isTraceEnabled()).isFalse();

        timers.advance(Duration.ofMillis(9_999));
        assertThat(levels.verbosity()).isEqualTo(1);

        timers.advance(Duration.ofMillis(1));
        assertThat(levels.verbosity()).isEqualTo(original);
        assertThat(corral.isDebugEnabled()).isFalse();
    }

    @Test
    void twoAndAboveAreTraceUpToTheLargestUint32() {
        levels.set(Integer.toUnsignedLong(-1), Duration.ofSeconds(1), timers); // 4294967295
        assertThat(levels.verbosity()).isEqualTo(2);
        assertThat(corral.isTraceEnabled()).isTrue();
        assertThat(LoggingLevels.level(2)).isEqualTo(Level.TRACE);
        assertThat(LoggingLevels.level(0)).isEqualTo(Level.INFO);
    }

    @Test
    void aLaterSetReplacesThePendingRevert() {
        levels.set(2, Duration.ofSeconds(10), timers);
        timers.advance(Duration.ofSeconds(5));
        levels.set(1, Duration.ofSeconds(10), timers);

        timers.advance(Duration.ofSeconds(6)); // the first revert would have run here
        assertThat(levels.verbosity()).isEqualTo(1);

        timers.advance(Duration.ofSeconds(4));
        assertThat(levels.verbosity()).isEqualTo(original);
        assertThat(timers.pendingCount()).isZero();
    }

    @Test
    void settingTheOriginalLevelCancelsTheRevert() {
        levels.set(2, Duration.ofSeconds(10), timers);
        levels.set(original, Duration.ofSeconds(10), timers);

        assertThat(levels.verbosity()).isEqualTo(original);
        assertThat(timers.pendingCount()).as("nothing left to revert").isZero();
    }

    @Test
    void aDurationOutsideZeroToSevenDaysIsRefused() {
        assertThatThrownBy(() -> levels.set(1, Duration.ofSeconds(-1), timers))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'duration'");
        assertThatThrownBy(() -> levels.set(1, LoggingLevels.MAX_DURATION.plusNanos(1), timers))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 days");
        assertThat(levels.verbosity()).isEqualTo(original);
    }
}
