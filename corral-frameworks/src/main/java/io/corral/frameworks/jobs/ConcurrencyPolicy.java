package io.corral.frameworks.jobs;

import java.util.Locale;
import java.util.Optional;

/** What happens when a run is due while another run of the same job is still active. */
public enum ConcurrencyPolicy {
    /** Both run. */
    ALLOW,
    /** The new run is skipped (a scheduled one is recorded as SKIPPED; "run now" is refused with 409). */
    FORBID,
    /** The active run is killed and the new one starts. */
    REPLACE;

    /** The policy named {@code allow}, {@code forbid} or {@code replace}, in any case. */
    public static Optional<ConcurrencyPolicy> parse(String text) {
        for (ConcurrencyPolicy policy : values()) {
            if (policy.name().equalsIgnoreCase(text)) {
                return Optional.of(policy);
            }
        }
        return Optional.empty();
    }

    /** The JSON spelling: lower case. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
