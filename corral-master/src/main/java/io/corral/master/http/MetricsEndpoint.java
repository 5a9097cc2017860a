package io.corral.master.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.master.Master;
import io.corral.master.MasterCounts;
import io.corral.master.MasterMetrics;
import io.corral.master.PrometheusMetrics;
import io.corral.protocol.Durations;
import io.corral.protocol.http.HttpExchange;
import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.EnsembleHealthJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a master's monitoring endpoints, on every master (a standby reports {@code master/elected 0}, zero counts,
 * and its own view of ZooKeeper; nothing here redirects):
 * <ul>
 *   <li>{@code GET /metrics/snapshot[?timeout=5secs]}: {@link MasterMetrics#snapshot} as a flat JSON object;</li>
 *   <li>{@code GET /metrics}: the same in Prometheus's text format, written by Micrometer
 *       ({@link PrometheusMetrics}), with the allocation cycle timer's histogram;</li>
 *   <li>{@code GET /master/zookeeper}: the ensemble's health ({@link EnsembleHealthJson}).</li>
 * </ul>
 * Each path also works with or without the {@code /master} prefix, like the master's other endpoints.
 *
 * <p>The master's figures come from its loop; if the loop does not answer within the timeout (default 5 s), they are
 * left out and the rest is served, as Mesos leaves out metrics that time out.
 *
 * <p>Threading: {@link #handle} runs on HTTP I/O threads and never blocks; the answer is rendered on the reader
 * executor once the loop's figures arrive. {@link Sources} must be thread-safe.
 */
public final class MetricsEndpoint {
    public static final String SNAPSHOT_PATH = "/metrics/snapshot";
    public static final String PROMETHEUS_PATH = "/metrics";
    public static final String ZOOKEEPER_PATH = "/master/zookeeper";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the numbers come from. */
    public interface Sources {
        /** True while this master leads. */
        boolean elected();

        /** Time since this master process started. */
        Duration uptime();

        /**
         * The leader's figures, completed by its loop ({@code master.submit(...)}); an already completed
         * {@link MasterCounts#EMPTY} on a standby. Must not block.
         */
        CompletableFuture<MasterCounts> counts();

        /** The latest ensemble health, e.g. {@code EnsembleMonitor::health}. */
        EnsembleHealth zookeeper();
    }

    private final Sources sources;
    private final PrometheusMetrics prometheus;
    /** Where answers are rendered: the master's readers, never the loop or an I/O thread. */
    private final Executor readers;

    /** An endpoint with a registry of its own, rendering on the thread the figures arrive on (tests). */
    public MetricsEndpoint(Sources sources) {
        this(sources, new PrometheusMetrics(), Runnable::run);
    }

    public MetricsEndpoint(Sources sources, PrometheusMetrics prometheus, Executor readers) {
        this.sources = sources;
        this.prometheus = prometheus;
        this.readers = readers;
    }

    /**
     * The endpoint of a master process: elected while {@code leadership} has a {@link Master}, whose figures
     * {@code counts} gives (counted from its published view, off its loop); uptime counted from now on {@code clock}.
     */
    public static MetricsEndpoint forMaster(Leadership leadership,
                                            Function<Master, CompletableFuture<MasterCounts>> counts,
                                            Supplier<EnsembleHealth> zookeeper, Clock clock) {
        return forMaster(leadership, counts, zookeeper, clock, new PrometheusMetrics(), Runnable::run);
    }

    /** As above, with the process's Prometheus registry, rendering on {@code readers}. */
    public static MetricsEndpoint forMaster(Leadership leadership,
                                            Function<Master, CompletableFuture<MasterCounts>> counts,
                                            Supplier<EnsembleHealth> zookeeper, Clock clock,
                                            PrometheusMetrics prometheus, Executor readers) {
        long startedMillis = clock.millis();
        return new MetricsEndpoint(new Sources() {
            @Override
            public boolean elected() {
                return leadership.master().isPresent();
            }

            @Override
            public Duration uptime() {
                return Duration.ofMillis(clock.millis() - startedMillis);
            }

            @Override
            public CompletableFuture<MasterCounts> counts() {
                return leadership.master()
                        .map(counts)
                        .orElseGet(() -> CompletableFuture.completedFuture(MasterCounts.EMPTY));
            }

            @Override
            public EnsembleHealth zookeeper() {
                return zookeeper.get();
            }
        }, prometheus, readers);
    }

    /** True for the paths this endpoint serves, with or without the {@code /master} prefix. */
    public static boolean serves(String path) {
        String bare = withoutMasterPrefix(path);
        return bare.equals(SNAPSHOT_PATH) || bare.equals(PROMETHEUS_PATH) || bare.equals("/zookeeper");
    }

    /** Whether {@code path} is {@code /master/zookeeper} (the ensemble's health, not the master's figures). */
    static boolean isZooKeeperPath(String path) {
        return withoutMasterPrefix(path).equals("/zookeeper");
    }

    public void handle(HttpExchange exchange) {
        if (!"GET".equals(exchange.method())) {
            exchange.respondText(405, "Expecting a 'GET' request, received '" + exchange.method() + "'");
            return;
        }
        switch (withoutMasterPrefix(exchange.path())) {
            case SNAPSHOT_PATH -> withInput(exchange, input -> exchange.respond(200, "application/json",
                    json(MasterMetrics.snapshot(input))));
            case PROMETHEUS_PATH -> withInput(exchange, input -> exchange.respond(200,
                    PrometheusMetrics.CONTENT_TYPE,
                    prometheus.render(MasterMetrics.metrics(input)).getBytes(StandardCharsets.UTF_8)));
            case "/zookeeper" -> exchange.respond(200, "application/json",
                    EnsembleHealthJson.toBytes(sources.zookeeper()));
            default -> exchange.respondText(404, "No such endpoint: " + exchange.path());
        }
    }

    /** Gathers the input (waiting for the master's figures up to the timeout), then answers with it. */
    private void withInput(HttpExchange exchange, Consumer<MasterMetrics.Input> answer) {
        Duration timeout;
        try {
            timeout = timeout(exchange.queryParam("timeout"));
        } catch (IllegalArgumentException e) {
            exchange.respondText(400, e.getMessage());
            return;
        }
        input(timeout).thenAcceptAsync(answer, readers).exceptionally(failure -> {
            exchange.respondError(failure);
            return null;
        });
    }

    /**
     * What {@code /metrics/snapshot} reports, for the operator API's GET_METRICS: the master's figures if they come
     * within {@code timeout}, else the rest without them.
     */
    public CompletableFuture<Map<String, Number>> snapshot(Duration timeout) {
        return input(timeout).thenApply(MasterMetrics::snapshot);
    }

    private CompletableFuture<MasterMetrics.Input> input(Duration timeout) {
        boolean elected = sources.elected();
        Duration uptime = sources.uptime();
        return countsOrFailure()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((counts, failure) -> {
                    if (failure != null) {
                        LOG.warn("Leaving the master's figures out of the metrics: {}", failure.toString());
                    }
                    return new MasterMetrics.Input(elected, uptime, Optional.ofNullable(failure == null ? counts : null),
                            sources.zookeeper());
                });
    }

    /** A copy, so that timing it out never completes a future the loop or other requests share. */
    private CompletableFuture<MasterCounts> countsOrFailure() {
        try {
            return sources.counts().copy();
        } catch (RuntimeException e) { // e.g. the loop closed as the leadership term ended
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Duration timeout(String text) {
        if (text == null) {
            return DEFAULT_TIMEOUT;
        }
        try {
            Duration timeout = Durations.parse(text);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("it must be positive");
            }
            return timeout;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid timeout '" + text + "': expected " + Durations.VALID_FORMS);
        }
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write metrics as JSON", e);
        }
    }

    private static String withoutMasterPrefix(String path) {
        return path.startsWith("/master/") ? path.substring("/master".length()) : path;
    }
}
