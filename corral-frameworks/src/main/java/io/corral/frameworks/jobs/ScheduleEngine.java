package io.corral.frameworks.jobs;

import java.time.Instant;
import java.util.Optional;

/**
 * When a cron job's next run is due, from the last scheduled time recorded durably ({@code lastScheduled}) and the
 * current time. Times missed while no leader was deciding (a failover, an outage) collapse into ONE run, scheduled
 * at the latest missed time: the caller records that time as the new {@code lastScheduled} in the same write as the
 * run it creates, so a crash after the write neither loses the run nor runs it again.
 *
 * <p>Stateless; thread-safe.
 */
public final class ScheduleEngine {
    private ScheduleEngine() {
    }

    /**
     * The scheduled time of the run due now, if any: the latest time of {@code schedule} after {@code lastScheduled}
     * and at or before {@code now}.
     */
    public static Optional<Instant> due(CronSchedule schedule, Instant lastScheduled, Instant now) {
        Optional<Instant> first = schedule.nextAfter(lastScheduled);
        if (first.isEmpty() || first.get().isAfter(now)) {
            return Optional.empty();
        }
        Optional<Instant> latest = schedule.latestAtOrBefore(now);
        return latest.isPresent() && latest.get().isAfter(first.get()) ? latest : first;
    }

    /** When the schedule is next due after {@code lastScheduled} (possibly already past); empty if never again. */
    public static Optional<Instant> nextDue(CronSchedule schedule, Instant lastScheduled) {
        return schedule.nextAfter(lastScheduled);
    }
}
