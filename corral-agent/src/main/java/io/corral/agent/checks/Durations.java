package io.corral.agent.checks;

import java.time.Duration;

/** Mesos's check durations: seconds as doubles in the protobuf, short text in messages. Stateless. */
final class Durations {
    private Durations() {}

    static Duration seconds(double seconds) {
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.min(Long.MAX_VALUE, seconds * 1e9));
    }

    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : (millis / 1000.0) + " s";
    }
}
