package io.corral.bench.placement;

import io.corral.bench.charts.EventTimes;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tasks the simulated agents were told to launch in a round, per framework, and the moment the cluster was full.
 *
 * <p>Threading: {@link #launched} runs on the master's loop; the rest is read by the benchmark's thread.
 */
final class Placements {
    private final long capacity;
    private final LongAdder total = new LongAdder();
    private final Map<String, LongAdder> byFramework = new ConcurrentHashMap<>();
    /** When each task's LAUNCH reached its agent (System.nanoTime), for the fill chart. */
    final EventTimes times = new EventTimes();
    /** Completed with System.nanoTime() when the last task that fits reached its agent. */
    final CompletableFuture<Long> full = new CompletableFuture<>();

    /** @param capacity tasks the cluster holds */
    Placements(long capacity) {
        this.capacity = capacity;
    }

    void launched(String frameworkId, int tasks) {
        byFramework.computeIfAbsent(frameworkId, id -> new LongAdder()).add(tasks);
        total.add(tasks);
        long now = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            times.record(now);
        }
        if (total.sum() >= capacity) {
            full.complete(now);
        }
    }

    long total() {
        return total.sum();
    }

    /** Tasks placed for the framework with this id. */
    long of(String frameworkId) {
        LongAdder placed = byFramework.get(frameworkId);
        return placed == null ? 0 : placed.sum();
    }
}
