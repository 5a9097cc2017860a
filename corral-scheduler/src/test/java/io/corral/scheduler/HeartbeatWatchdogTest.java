package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.concurrent.ManualTimers;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HeartbeatWatchdogTest {
    private final ManualTimers timers = new ManualTimers(0);
    private final AtomicInteger silences = new AtomicInteger();
    private final HeartbeatWatchdog watchdog = new HeartbeatWatchdog(timers, silences::incrementAndGet);

    @Test
    void firesOnceAfterFiveSilentIntervals() {
        watchdog.arm(Duration.ofSeconds(15));
        timers.advance(Duration.ofSeconds(74));
        assertThat(silences).hasValue(0);
        timers.advance(Duration.ofSeconds(1));
        assertThat(silences).hasValue(1);
        timers.advance(Duration.ofMinutes(10));
        assertThat(silences).hasValue(1);
    }

    @Test
    void everyEventRestartsTheCountdown() {
        watchdog.arm(Duration.ofSeconds(15));
        for (int i = 0; i < 10; i++) {
            timers.advance(Duration.ofSeconds(60));
            watchdog.eventSeen();
        }
        assertThat(silences).hasValue(0);
        assertThat(timers.pendingCount()).isEqualTo(1);
        timers.advance(Duration.ofSeconds(75));
        assertThat(silences).hasValue(1);
    }

    @Test
    void disarmedOrUnarmedWatchdogNeverFires() {
        watchdog.eventSeen();
        assertThat(timers.pendingCount()).isZero();
        watchdog.arm(Duration.ofSeconds(1));
        watchdog.disarm();
        timers.advance(Duration.ofMinutes(1));
        assertThat(silences).hasValue(0);
    }

    @Test
    void aZeroIntervalMeansNoHeartbeatsToWatch() {
        watchdog.arm(Duration.ZERO);
        timers.advance(Duration.ofMinutes(1));
        assertThat(silences).hasValue(0);
        assertThat(timers.pendingCount()).isZero();
    }
}
