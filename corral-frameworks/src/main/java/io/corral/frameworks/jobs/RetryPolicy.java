package io.corral.frameworks.jobs;

import java.time.Duration;

/**
 * How often a failed run is tried again and how long it waits first: attempt 2 waits {@code initialDelay}, each
 * later attempt twice as long as the one before, never more than {@code maxDelay}.
 */
public record RetryPolicy(int maxRetries, Duration initialDelay, Duration maxDelay) {
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofSeconds(1), Duration.ofMinutes(5));

    /** True when a run whose attempt {@code attempt} (1-based) failed may be tried again. */
    public boolean allowsAnotherAfter(int attempt) {
        return attempt <= maxRetries;
    }

    /** The wait before attempt {@code attempt} (2 or more). */
    public Duration delayBefore(int attempt) {
        if (attempt <= 1) {
            return Duration.ZERO;
        }
        Duration delay = initialDelay;
        for (int i = 2; i < attempt && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }
}
