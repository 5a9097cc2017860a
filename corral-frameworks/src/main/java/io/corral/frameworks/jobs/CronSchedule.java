package io.corral.frameworks.jobs;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A Unix cron expression (5 fields: minute hour day-of-month month day-of-week) read in an IANA time zone. The
 * times it names, and what happens to them across daylight-saving changes, are cron-utils'.
 *
 * <p>Immutable; thread-safe.
 */
public final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private static final Instant REFERENCE = Instant.parse("2000-01-01T00:00:00Z");

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime times) {
        this.expression = expression;
        this.zone = zone;
        this.times = times;
    }

    /**
     * The schedule, or {@link IllegalArgumentException} naming what is wrong with the expression (the zone is checked
     * by {@link #zone(String)}).
     */
    public static CronSchedule of(String expression, ZoneId zone) {
        Cron cron;
        try {
            cron = PARSER.parse(expression.trim()).validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a 5-field cron expression (" + e.getMessage() + ")", e);
        }
        ExecutionTime times = ExecutionTime.forCron(cron);
        // a fixed reference, not the clock: "0 0 31 2 *" (February 31st) names no time from any date
        if (times.nextExecution(REFERENCE.atZone(zone)).isEmpty()) {
            throw new IllegalArgumentException("names no time at all");
        }
        return new CronSchedule(expression.trim(), zone, times);
    }

    /** The IANA zone named {@code name} ({@code Europe/Paris}, {@code UTC}), or IllegalArgumentException. */
    public static ZoneId zone(String name) {
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone " + name, e);
        }
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first time of the schedule strictly after {@code after}; empty if there is none. */
    public Optional<Instant> nextAfter(Instant after) {
        return times.nextExecution(after.atZone(zone)).map(ZonedDateTime::toInstant)
                .filter(next -> next.isAfter(after));
    }

    /** The last time of the schedule at or before {@code atOrBefore}; empty if there is none. */
    public Optional<Instant> latestAtOrBefore(Instant atOrBefore) {
        Optional<Instant> latest = times.lastExecution(atOrBefore.atZone(zone)).map(ZonedDateTime::toInstant);
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        // lastExecution is strictly before; the time itself may be one of the schedule's
        Optional<Instant> following = nextAfter(latest.get());
        return following.isPresent() && !following.get().isAfter(atOrBefore) ? following : latest;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CronSchedule that && expression.equals(that.expression) && zone.equals(that.zone);
    }

    @Override
    public int hashCode() {
        return expression.hashCode() * 31 + zone.hashCode();
    }

    @Override
    public String toString() {
        return expression + " (" + zone + ")";
    }
}
