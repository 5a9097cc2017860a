package io.corral.scheduler;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with jitter for resubscribing: the n-th delay is drawn uniformly from
 * {@code [base/2, base]} where {@code base = min(cap, initial * 2^n)}. The jitter keeps many frameworks that lost the
 * same master from resubscribing to the new one in lockstep.
 *
 * <p>Threading: not thread-safe; owned by the client's connection thread.
 */
public final class Backoff {
    public static final Duration DEFAULT_INITIAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(5);

    private final long initialMillis;
    private final long capMillis;
    private final Random random;
    private int attempt;

    public Backoff(Duration initial, Duration cap, Random random) {
        if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= cap, got initial=" + initial + " cap=" + cap);
        }
        this.initialMillis = initial.toMillis();
        this.capMillis = cap.toMillis();
        this.random = random;
    }

    public static Backoff defaults(Random random) {
        return new Backoff(DEFAULT_INITIAL, DEFAULT_CAP, random);
    }

    /** The delay before the next attempt; each call doubles the base until it reaches the cap. */
    public Duration next() {
        long base = ceilingMillis(attempt);
        attempt++;
        long half = base / 2;
        return Duration.ofMillis(half + (long) (random.nextDouble() * (base - half + 1)));
    }

    /**
     * A delay as the first attempt's, without counting an attempt: for a master that answered it is not ready yet
     * (503 while it recovers after its election), which is worth asking again soon however many attempts failed
     * before it (against the master that died, say).
     */
    public Duration initialDelay() {
        long half = initialMillis / 2;
        return Duration.ofMillis(half + (long) (random.nextDouble() * (initialMillis - half + 1)));
    }

    /** Starts over from the initial delay, e.g. after a successful subscription. */
    public void reset() {
        attempt = 0;
    }

    /** The upper bound of the n-th delay (0-based), without jitter. */
    long ceilingMillis(int n) {
        // Shifting past 30 would overflow long arithmetic for large initials; the cap is reached long before.
        return n >= 30 ? capMillis : Math.min(capMillis, initialMillis << n);
    }
}
