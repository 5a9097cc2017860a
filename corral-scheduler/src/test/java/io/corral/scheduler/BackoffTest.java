package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void ceilingsDoubleFromTheInitialDelayUpToTheCap() {
        Backoff backoff = Backoff.defaults(new Random(1));
        List<Long> ceilings = new ArrayList<>();
        for (int n = 0; n < 8; n++) {
            ceilings.add(backoff.ceilingMillis(n));
        }
        assertThat(ceilings).containsExactly(200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L);
        assertThat(backoff.ceilingMillis(1000)).isEqualTo(5000L);
    }

    @Property
    void everyDelayLiesBetweenHalfTheCeilingAndTheCeiling(@ForAll long seed) {
        Backoff backoff = Backoff.defaults(new Random(seed));
        for (int n = 0; n < 12; n++) {
            long ceiling = backoff.ceilingMillis(n);
            assertThat(backoff.next().toMillis()).isBetween(ceiling / 2, ceiling);
        }
    }

    @Property
    void theInitialDelayStaysTheFirstAttemptsAndCountsNoAttempt(@ForAll long seed) {
        Backoff backoff = Backoff.defaults(new Random(seed));
        for (int n = 0; n < 6; n++) {
            backoff.next();
        }
        assertThat(backoff.initialDelay().toMillis()).isBetween(100L, 200L);
        long ceiling = backoff.ceilingMillis(6);
        assertThat(backoff.next().toMillis()).isBetween(ceiling / 2, ceiling);
    }

    @Test
    void jitterSpreadsTheDelays() {
        Random random = new Random(7);
        List<Long> firstDelays = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            firstDelays.add(new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), random).next().toMillis());
        }
        assertThat(firstDelays.stream().distinct().count()).isGreaterThan(10);
    }

    @Test
    void resetStartsOverFromTheInitialDelay() {
        Backoff backoff = Backoff.defaults(new Random(3));
        for (int i = 0; i < 10; i++) {
            backoff.next();
        }
        assertThat(backoff.next().toMillis()).isGreaterThanOrEqualTo(2500);
        backoff.reset();
        assertThat(backoff.next().toMillis()).isBetween(100L, 200L);
    }

    @Test
    void rejectsACapBelowTheInitialDelay() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 < initial <= cap");
    }
}
