package io.corral.frameworks.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.frameworks.common.FrameworkJson;
import org.junit.jupiter.api.Test;

class LaunchBackoffTest {
    @Test
    void crashesDelayLaunchesExponentiallyUpToTheCapAndALongRunResetsIt() throws Exception {
        AppDefinition app = AppValidator.parse(FrameworkJson.mapper().readTree("{\"id\": \"a\", \"cmd\": \"x\","
                + " \"backoffSeconds\": 1, \"backoffFactor\": 2, \"maxLaunchDelaySeconds\": 5}"), null);
        LaunchBackoff backoff = new LaunchBackoff();
        long now = 1_000_000;

        backoff.ended(app, 0, now);
        assertThat(backoff.delaySeconds()).isEqualTo(1);
        assertThat(backoff.delayed(now + 999)).isTrue();
        assertThat(backoff.delayed(now + 1000)).isFalse();
        backoff.ended(app, 500, now);
        backoff.ended(app, 500, now);
        assertThat(backoff.delaySeconds()).isEqualTo(4);
        backoff.ended(app, 500, now);
        assertThat(backoff.delaySeconds()).isEqualTo(5);

        backoff.ended(app, LaunchBackoff.RESET_AFTER_MILLIS, now);
        assertThat(backoff.delayed(now)).isFalse();
        assertThat(backoff.delaySeconds()).isZero();
    }
}
