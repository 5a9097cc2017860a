package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Mesos's timer statistics over the allocation cycles' window. */
class AllocationTimesTest {
    private final AllocationTimes times = AllocationTimes.unregistered();

    @Test
    void noCycleNoFigures() {
        assertThat(times.stats()).isEmpty();
    }

    @Test
    void oneCycleGivesItsValueButNoStatisticsAsInMesos() {
        times.record(1_500_000);

        assertThat(times.stats()).hasValueSatisfying(stats -> {
            assertThat(stats.lastMs()).isEqualTo(1.5);
            assertThat(stats.statistics()).isEmpty();
        });
    }

    @Test
    void percentilesInterpolateBetweenTheNearestRanks() {
        for (int ms = 100; ms >= 1; ms--) { // 100 ms down to 1 ms: the last is the smallest
            times.record(ms * 1_000_000L);
        }

        AllocationTimes.Stats stats = times.stats().orElseThrow();
        assertThat(stats.lastMs()).isEqualTo(1.0);
        AllocationTimes.Statistics s = stats.statistics().orElseThrow();
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.minMs()).isEqualTo(1.0);
        assertThat(s.maxMs()).isEqualTo(100.0);
        assertThat(s.p50()).isCloseTo(50.5, within(1e-9));
        assertThat(s.p90()).isCloseTo(90.1, within(1e-9));
        assertThat(s.p99()).isCloseTo(99.01, within(1e-9));
        assertThat(s.p9999()).isCloseTo(99.9901, within(1e-9));
    }

    @Test
    void theWindowKeepsTheLatestThousandCycles() {
        for (int i = 0; i < AllocationTimes.CAPACITY + 500; i++) {
            times.record(i < 500 ? 1_000_000_000L : 1_000_000L); // the first 500 slow, then fast
        }

        AllocationTimes.Statistics s = times.stats().orElseThrow().statistics().orElseThrow();
        assertThat(s.count()).isEqualTo(AllocationTimes.CAPACITY);
        assertThat(s.maxMs()).as("the slow ones left the window").isEqualTo(1.0);
    }
}
