package io.corral.frameworks.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ScheduleEngineTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    @Test
    void nothingIsDueBeforeTheNextTime() {
        CronSchedule hourly = CronSchedule.of("0 * * * *", UTC);
        Instant last = Instant.parse("2026-03-01T10:00:00Z");
        assertThat(ScheduleEngine.due(hourly, last, Instant.parse("2026-03-01T10:59:59Z"))).isEmpty();
        assertThat(ScheduleEngine.due(hourly, last, Instant.parse("2026-03-01T11:00:00Z")))
                .contains(Instant.parse("2026-03-01T11:00:00Z"));
    }

    @Test
    void timesMissedDuringAnOutageCollapseIntoOneRunAtTheLatest() {
        CronSchedule everyMinute = CronSchedule.of("* * * * *", UTC);
        Instant last = Instant.parse("2026-03-01T10:00:00Z");
        Instant afterOutage = Instant.parse("2026-03-01T10:07:30Z");
        assertThat(ScheduleEngine.due(everyMinute, last, afterOutage)).contains(Instant.parse("2026-03-01T10:07:00Z"));
        // once that time is recorded, nothing more is due until the next minute
        assertThat(ScheduleEngine.due(everyMinute, Instant.parse("2026-03-01T10:07:00Z"), afterOutage)).isEmpty();
    }

    @Test
    void aScheduleIsReadInItsTimeZone() {
        CronSchedule nineInParis = CronSchedule.of("0 9 * * *", PARIS);
        // winter: Paris is UTC+1
        assertThat(nineInParis.nextAfter(Instant.parse("2026-01-15T00:00:00Z")))
                .contains(Instant.parse("2026-01-15T08:00:00Z"));
        // summer: UTC+2
        assertThat(nineInParis.nextAfter(Instant.parse("2026-07-15T00:00:00Z")))
                .contains(Instant.parse("2026-07-15T07:00:00Z"));
    }

    @Test
    void aDailyRunAcrossTheSpringForwardHappensOnceEachDay() {
        // 2026-03-29: Paris skips from 02:00 to 03:00; a 01:30 job still runs once a day, an hour apart in UTC
        CronSchedule daily = CronSchedule.of("30 1 * * *", PARIS);
        Instant before = daily.nextAfter(Instant.parse("2026-03-28T00:00:00Z")).orElseThrow();
        Instant across = daily.nextAfter(before).orElseThrow();
        Instant after = daily.nextAfter(across).orElseThrow();
        assertThat(before).isEqualTo(Instant.parse("2026-03-28T00:30:00Z"));
        assertThat(across).isEqualTo(Instant.parse("2026-03-29T00:30:00Z"));
        assertThat(after).isEqualTo(Instant.parse("2026-03-29T23:30:00Z"));
    }

    @Test
    void latestAtOrBeforeIncludesTheTimeItself() {
        CronSchedule hourly = CronSchedule.of("0 * * * *", UTC);
        assertThat(hourly.latestAtOrBefore(Instant.parse("2026-03-01T11:00:00Z")))
                .contains(Instant.parse("2026-03-01T11:00:00Z"));
        assertThat(hourly.latestAtOrBefore(Instant.parse("2026-03-01T11:59:00Z")))
                .contains(Instant.parse("2026-03-01T11:00:00Z"));
    }

    @Test
    void badExpressionsAreRefusedWithAReason() {
        assertThatThrownBy(() -> CronSchedule.of("* * *", UTC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cron");
        assertThatThrownBy(() -> CronSchedule.of("61 * * * *", UTC)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CronSchedule.zone("Mars/Olympus")).hasMessageContaining("Mars/Olympus");
    }
}
