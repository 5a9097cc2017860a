package io.corral.zookeeper.config;

import io.corral.protocol.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * A duration between {@code min} and {@code max} inclusive, typed the way {@link Durations} reads them (Mesos's
 * {@code 30secs}, {@code 5mins} and the short {@code 30s}, {@code 5m}). Its canonical text is Mesos's form in the
 * largest unit that divides it exactly: {@code 90s} is stored as {@code 90secs}, {@code 2m} as {@code 2mins},
 * {@code 168h} as {@code 1weeks}.
 */
public record DurationType(Duration min, Duration max) implements ValueType {

    /** Mesos's units, largest first, with their length in nanoseconds. */
    private static final String[] UNITS = {"weeks", "days", "hrs", "mins", "secs", "ms", "us", "ns"};
    private static final long[] UNIT_NANOS = {
            604_800_000_000_000L, 86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L,
            1_000_000_000L, 1_000_000L, 1_000L, 1L};

    public DurationType {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || min.compareTo(max) > 0) {
            throw new IllegalArgumentException("duration range " + min + ".." + max + " is empty or negative");
        }
    }

    @Override
    public String typeName() {
        return "duration";
    }

    @Override
    public Duration parse(String text) {
        Duration value;
        try {
            value = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (range " + range() + ")");
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(format(value) + " is outside the range " + range());
        }
        return value;
    }

    @Override
    public String format(Object value) {
        return canonical((Duration) value);
    }

    @Override
    public String range() {
        return canonical(min) + ".." + canonical(max);
    }

    /** Mesos's text for {@code duration} in the largest unit that divides it exactly, e.g. "10mins", "1weeks". */
    public static String canonical(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos == 0) {
            return "0secs";
        }
        for (int i = 0; i < UNITS.length; i++) {
            if (nanos % UNIT_NANOS[i] == 0) {
                return nanos / UNIT_NANOS[i] + UNITS[i];
            }
        }
        throw new AssertionError("every duration is a whole number of nanoseconds");
    }
}
