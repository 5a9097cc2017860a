package io.corral.cli.local;

import java.time.Duration;

/**
 * How long to wait before restarting a process that died: {@code initial}, doubling with every quick death up to
 * {@code max}, and back to {@code initial} once an incarnation had stayed up for {@code stableAfter}. A process that
 * cannot start (bad flag, port taken) is thus retried at a slow pace instead of spinning.
 *
 * <p>Immutable; thread-safe. Callers keep the count of consecutive quick deaths.
 */
public record RestartBackoff(Duration initial, Duration max, Duration stableAfter) {

    public static final RestartBackoff DEFAULT =
            new RestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));

    public RestartBackoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("restart backoff needs 0 < initial <= max, got " + initial + ", " + max);
        }
    }

    /** Whether an incarnation that lived {@code uptime} counts as having recovered (resets the backoff). */
    public boolean wasStable(Duration uptime) {
        return uptime.compareTo(stableAfter) >= 0;
    }

    /** The delay before the next restart after {@code quickDeaths} consecutive quick deaths (the first is 1). */
    public Duration delay(int quickDeaths) {
        Duration delay = initial;
        for (int i = 1; i < quickDeaths && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
