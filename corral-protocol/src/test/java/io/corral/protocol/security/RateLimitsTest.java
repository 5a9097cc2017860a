package io.corral.protocol.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    @Test
    void readsMesosExampleFile() {
        // The example of Mesos's docs/framework-rate-limiting.md (with its missing commas put back).
        RateLimits limits = RateLimits.parse("""
                {"limits": [{"principal": "foo", "qps": 55.5, "capacity": 100000},
                            {"principal": "bar", "qps": 300},
                            {"principal": "baz"}],
                 "aggregate_default_qps": 333, "aggregate_default_capacity": 1000000}""", "rates.json");
        assertThat(limits.rateOf(Optional.of("foo"))).contains(new RateLimits.Rate(55.5, OptionalLong.of(100000)));
        assertThat(limits.rateOf(Optional.of("bar"))).contains(new RateLimits.Rate(300, OptionalLong.empty()));
        assertThat(limits.rateOf(Optional.of("baz"))).isEmpty();
        assertThat(limits.rateOf(Optional.of("qux"))).contains(new RateLimits.Rate(333, OptionalLong.of(1000000)));
        assertThat(limits.rateOf(Optional.empty())).contains(new RateLimits.Rate(333, OptionalLong.of(1000000)));
        assertThat(limits.maxConnections(Optional.of("foo"))).isEqualTo(RateLimits.DEFAULT_MAX_CONNECTIONS);
        assertThat(limits.maxStreams(Optional.empty())).isEqualTo(RateLimits.DEFAULT_MAX_STREAMS);
    }

    @Test
    void readsCorralsConnectionAndStreamLimits() {
        RateLimits limits = RateLimits.parse("""
                {"limits": [{"principal": "agent", "max_streams": 20000, "max_connections": 40000}],
                 "default_max_streams": 8, "default_max_connections": 16}""", "rates.json");
        assertThat(limits.maxStreams(Optional.of("agent"))).isEqualTo(20000);
        assertThat(limits.maxConnections(Optional.of("agent"))).isEqualTo(40000);
        assertThat(limits.maxStreams(Optional.of("ops"))).isEqualTo(8);
        assertThat(limits.maxConnections(Optional.empty())).isEqualTo(16);
        assertThat(limits.rateOf(Optional.of("agent"))).isEmpty();
    }

    @Test
    void refusesWhatWouldSilentlyTurnALimitOff() {
        assertThatThrownBy(() -> RateLimits.parse("{\"limit\": []}", "f")).hasMessageContaining("unknown field 'limit'");
        assertThatThrownBy(() -> RateLimits.parse("{\"limits\": [{\"principal\": \"a\", \"qsp\": 1}]}", "f"))
                .hasMessageContaining("unknown field 'qsp'");
        assertThatThrownBy(() -> RateLimits.parse("{\"limits\": [{\"qps\": 1}]}", "f"))
                .hasMessageContaining("'principal' is required");
        assertThatThrownBy(() -> RateLimits.parse("{\"limits\": [{\"principal\": \"a\", \"qps\": 0}]}", "f"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> RateLimits.parse("{\"limits\": [{\"principal\": \"a\", \"qps\": \"5\"}]}", "f"))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> RateLimits.parse("{\"limits\": [{\"principal\": \"a\", \"capacity\": -1}]}", "f"))
                .hasMessageContaining("0 or more");
        assertThatThrownBy(() -> RateLimits.parse("{\"default_max_streams\": 0}", "f"))
                .hasMessageContaining("1 or more");
        assertThatThrownBy(() -> RateLimits.parse("{\"limits\": [{\"principal\": \"a\"}, {\"principal\": \"a\"}]}",
                "f")).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> RateLimits.parse("[", "f")).hasMessageContaining("not JSON");
    }
}
