package io.corral.frameworks.jobs;

import java.util.Locale;

/**
 * Where a run is: SCHEDULED (waiting for an offer, or for its retry backoff) -> LAUNCHING (its task id recorded,
 * LAUNCH sent) -> RUNNING -> one of the final states. A retry takes the run back to SCHEDULED with the next attempt.
 */
public enum RunState {
    SCHEDULED, LAUNCHING, RUNNING,
    FINISHED, FAILED, KILLED, TIMED_OUT,
    /** A scheduled run that never started because another was active and the job forbids overlap. */
    SKIPPED;

    public boolean isFinal() {
        return ordinal() >= FINISHED.ordinal();
    }

    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunState fromJson(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
