package io.corral.cli.local;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestartBackoffTest {
    private final RestartBackoff backoff =
            new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60));

    @Test
    void doublesWithEveryQuickDeathUpToTheMaximum() {
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.delay(1_000)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void anIncarnationThatStayedUpLongEnoughCountsAsRecovered() {
        assertThat(backoff.wasStable(Duration.ofSeconds(59))).isFalse();
        assertThat(backoff.wasStable(Duration.ofSeconds(60))).isTrue();
    }

    @Test
    void rejectsAMaximumBelowTheInitialDelay() {
        assertThatThrownBy(() -> new RestartBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
