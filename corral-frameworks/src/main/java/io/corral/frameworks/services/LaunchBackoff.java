package io.corral.frameworks.services;

/**
 * Restart backoff for a crash-looping app: each instance that ends before it stayed up {@link #RESET_AFTER_MILLIS}
 * delays the app's next launch, by {@code backoffSeconds} at first, then {@code backoffFactor} times longer each
 * time, up to {@code maxLaunchDelaySeconds}; an instance that stayed up that long resets it, as does a new version.
 * Soft state: a new leader starts without delay.
 *
 * <p>Not thread-safe: owned by the scheduler's loop.
 */
final class LaunchBackoff {
    static final long RESET_AFTER_MILLIS = 60_000;

    private double delaySeconds;
    private long notBeforeMillis;

    /** An instance ended; {@code ranForMillis}: how long it was running (0 if never). */
    void ended(AppDefinition app, long ranForMillis, long nowMillis) {
        if (ranForMillis >= RESET_AFTER_MILLIS) {
            reset();
            return;
        }
        delaySeconds = delaySeconds == 0 ? app.backoffSeconds()
                : Math.min(delaySeconds * app.backoffFactor(), app.maxLaunchDelaySeconds());
        delaySeconds = Math.min(delaySeconds, app.maxLaunchDelaySeconds());
        notBeforeMillis = nowMillis + (long) (delaySeconds * 1000);
    }

    void reset() {
        delaySeconds = 0;
        notBeforeMillis = 0;
    }

    boolean delayed(long nowMillis) {
        return nowMillis < notBeforeMillis;
    }

    long notBeforeMillis() {
        return notBeforeMillis;
    }

    double delaySeconds() {
        return delaySeconds;
    }
}
