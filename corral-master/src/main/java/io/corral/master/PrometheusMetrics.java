package io.corral.master;

import io.corral.master.MasterMetrics.Metric;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /metrics}: a master process's metrics in Prometheus's text format, written by Micrometer's Prometheus
 * registry. The registry holds the meters the master records into directly (the allocation cycle timer,
 * {@link AllocationTimes}) and one gauge or function counter per {@link MasterMetrics} value that has a meter.
 *
 * <p>Those gauges and counters read the values of the latest {@link #render} (taken from the published view), never
 * the master's state: each render publishes a new immutable map of values, registers meters for values new to it
 * (a role that just appeared) and removes the meters of values that are gone (a role with no framework left, or the
 * master's figures when its loop did not answer in time).
 *
 * <p>Threading: one per master process. {@link #render} runs on reader threads and is serialized by this object's
 * lock (renders are rare, and each must not remove meters another is scraping); meters may record from any thread
 * (the allocation timer records on the master's loop).
 */
public final class PrometheusMetrics {
    /** The Prometheus text exposition format the registry writes. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** A meter's identity: its name and labels. */
    private record Key(String meter, Map<String, String> tags) {}

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** The values the meters read; replaced whole by each render. */
    private volatile Map<Key, Double> latest = Map.of();
    /** Meters registered for {@link MasterMetrics} values; guarded by this. */
    private final Map<Key, Meter> registered = new HashMap<>();

    /** Where the master records what it measures itself. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The text exposition of {@code metrics} (as of now) and of every meter recorded directly. */
    public synchronized String render(List<Metric> metrics) {
        Map<Key, Double> values = new HashMap<>();
        for (Metric metric : metrics) {
            if (metric.meter() != null) {
                Key key = new Key(metric.meter(), metric.tags());
                values.put(key, metric.value().doubleValue());
                registered.computeIfAbsent(key, k -> register(k, metric));
            }
        }
        latest = Map.copyOf(values);
        for (Iterator<Map.Entry<Key, Meter>> it = registered.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Meter> entry = it.next();
            if (!values.containsKey(entry.getKey())) {
                registry.remove(entry.getValue());
                it.remove();
            }
        }
        return registry.scrape();
    }

    private Meter register(Key key, Metric metric) {
        Tags tags = Tags.empty();
        for (Map.Entry<String, String> tag : key.tags().entrySet()) {
            tags = tags.and(tag.getKey(), tag.getValue());
        }
        String description = "Mesos: " + metric.help();
        return switch (metric.type()) {
            case GAUGE -> Gauge.builder(key.meter(), this, self -> self.value(key))
                    .tags(tags).description(description).strongReference(true).register(registry);
            case COUNTER -> FunctionCounter.builder(key.meter(), this, self -> self.value(key))
                    .tags(tags).description(description).register(registry);
        };
    }

    /** A meter's value as of the latest render (NaN if it was removed meanwhile). */
    private double value(Key key) {
        return latest.getOrDefault(key, Double.NaN);
    }
}
