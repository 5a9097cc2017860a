package io.corral.protocol;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators type them: Mesos's forms ({@code 500ms}, {@code 30secs}, {@code 5mins}, {@code 2hrs},
 * {@code 1days}) and the short ones ({@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}). Fractions are allowed
 * ({@code 1.5secs}).
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-z]+)\\s*");
    public static final String VALID_FORMS = "a number and a unit, e.g. 500ms, 2secs, 2s, 5mins, 5m, 1hrs, 1h, 1days";

    private Durations() {}

    /** Parses {@code text}; throws IllegalArgumentException naming the valid forms. */
    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.toLowerCase());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: expected " + VALID_FORMS);
        }
        double amount = Double.parseDouble(m.group(1));
        double unitNanos = switch (m.group(2)) {
            case "ns", "nsecs" -> 1;
            case "us", "usecs" -> 1e3;
            case "ms", "msecs" -> 1e6;
            case "s", "sec", "secs" -> 1e9;
            case "m", "min", "mins" -> 60e9;
            case "h", "hr", "hrs" -> 3600e9;
            case "d", "day", "days" -> 86400e9;
            case "w", "weeks" -> 7 * 86400e9;
            default -> throw new IllegalArgumentException(
                    "'" + text + "' has an unknown unit '" + m.group(2) + "': expected " + VALID_FORMS);
        };
        return Duration.ofNanos(Math.round(amount * unitNanos));
    }

    /** Mesos's way of writing a duration ({@code 5secs}, {@code 500ms}), as executors and Mesos tools expect. */
    public static String format(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "secs";
        }
        return nanos / 1_000_000L + "ms";
    }
}
