package io.corral.agent.http;

import io.corral.protocol.http.Throttle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The agent's {@code /metrics} (Prometheus text): what its HTTP server refused, under the master's names, so one
 * alert covers both: {@code corral_http_authentication_failures_total} (401s) and
 * {@code corral_http_throttled_total{principal="..."}} (429s of the rate and connection limits). The agent's Mesos
 * figures ({@code slave/...}) stay in {@code /metrics/snapshot} and {@code GET_METRICS}.
 *
 * <p>Thread-safe: Micrometer's meters are; the counting methods are called on the HTTP server's I/O threads.
 */
public final class AgentHttpMetrics {
    /** The Prometheus text exposition format the registry writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter authenticationFailures = Counter.builder("corral.http.authentication.failures")
            .description("HTTP requests refused for missing or wrong credentials (401)")
            .register(registry);

    /** A request refused for missing or wrong credentials. */
    public void authenticationFailed() {
        authenticationFailures.increment();
    }

    /** A request answered 429 by the rate or connection limits; principals come from the credentials file. */
    public void throttled(Optional<String> principal) {
        Counter.builder("corral.http.throttled")
                .description("HTTP requests refused by the rate or connection limits (429)")
                .tag("principal", Throttle.principalLabel(principal))
                .register(registry).increment();
    }

    public byte[] scrape() {
        return registry.scrape().getBytes(StandardCharsets.UTF_8);
    }
}
