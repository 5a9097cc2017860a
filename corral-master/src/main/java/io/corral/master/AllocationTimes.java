package io.corral.master;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How long allocation cycles take, kept two ways from one measurement: a Micrometer {@link Timer} with a percentile
 * histogram (Prometheus's {@code corral_allocator_allocation_run_seconds_bucket}) and Mesos's timer statistics for
 * {@code /metrics/snapshot} ({@code allocator/mesos/allocation_run_ms}, {@code /count}, {@code /min}, {@code /max},
 * {@code /p50} ... {@code /p9999}).
 *
 * <p>Mesos's statistics are over a window: the cycles of the last hour, at most {@value #CAPACITY} of them (Mesos
 * keeps a time series of an hour for this timer). Its value is the latest cycle's time; the statistics are reported
 * only once the window holds two cycles, as Mesos does. Percentiles interpolate linearly between the nearest ranks.
 *
 * <p>Threading: {@link #record} runs on the master's loop, {@link #stats} on reader threads; the window is guarded by
 * this object's lock (one short critical section per cycle), and Micrometer's timer is thread-safe.
 */
public final class AllocationTimes {
    static final int CAPACITY = 1000;
    static final Duration WINDOW = Duration.ofHours(1);

    /** One cycle: when it ended (System.nanoTime, for the window only) and how long it took. */
    private record Sample(long endedNanos, long tookNanos) {}

    /**
     * Mesos's timer statistics, in milliseconds.
     *
     * @param lastMs     the latest cycle
     * @param statistics over the window; empty until it holds two cycles
     */
    public record Stats(double lastMs, Optional<Statistics> statistics) {}

    /** Over the window: how many cycles, their extremes and percentiles, in milliseconds. */
    public record Statistics(long count, double minMs, double maxMs, double p50, double p90, double p95, double p99,
                             double p999, double p9999) {}

    private final Timer timer;
    private final Deque<Sample> window = new ArrayDeque<>();

    /** Records into a timer named {@code corral.allocator.allocation_run} of {@code registry}. */
    public AllocationTimes(MeterRegistry registry) {
        this.timer = Timer.builder("corral.allocator.allocation_run")
                .description("Time spent in one allocation cycle (Mesos: allocator/mesos/allocation_run_ms)")
                .publishPercentileHistogram()
                // a cycle on a small cluster takes tens of microseconds: buckets from 10 us keep them apart
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Kept only for what the master itself reports (tests, embedded masters without a metrics endpoint). */
    public static AllocationTimes unregistered() {
        return new AllocationTimes(new SimpleMeterRegistry());
    }

    /** One allocation cycle took {@code tookNanos}, measured with {@link System#nanoTime}. */
    public void record(long tookNanos) {
        timer.record(tookNanos, TimeUnit.NANOSECONDS);
        long now = System.nanoTime();
        synchronized (this) {
            window.addLast(new Sample(now, tookNanos));
            expire(now);
        }
    }

    /** Mesos's statistics as of now; empty before the first cycle (or when none ran in the last hour). */
    public Optional<Stats> stats() {
        long[] took;
        synchronized (this) {
            expire(System.nanoTime());
            if (window.isEmpty()) {
                return Optional.empty();
            }
            took = window.stream().mapToLong(Sample::tookNanos).toArray();
        }
        double last = millis(took[took.length - 1]);
        if (took.length < 2) {
            return Optional.of(new Stats(last, Optional.empty()));
        }
        Arrays.sort(took);
        return Optional.of(new Stats(last, Optional.of(new Statistics(took.length, millis(took[0]),
                millis(took[took.length - 1]), percentile(took, 0.5), percentile(took, 0.9),
                percentile(took, 0.95), percentile(took, 0.99), percentile(took, 0.999), percentile(took, 0.9999)))));
    }

    private void expire(long now) {
        long oldest = now - WINDOW.toNanos();
        while (!window.isEmpty() && (window.size() > CAPACITY || window.peekFirst().endedNanos() - oldest < 0)) {
            window.removeFirst();
        }
    }

    /** The {@code p}-th percentile of sorted values, interpolated between the two nearest ranks, in ms. */
    static double percentile(long[] sorted, double p) {
        double position = p * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        double fraction = position - below;
        return millis(sorted[below]) + fraction * (millis(sorted[above]) - millis(sorted[below]));
    }

    private static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }
}
