package io.corral.master;

import io.corral.master.MasterMetrics.Metric;
import io.corral.master.MasterMetrics.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The allocator's part of {@link MasterMetrics}, under the names Mesos's hierarchical allocator uses
 * ({@code allocator/mesos/...}): cycles run and their times, the allocator's queue, the cluster's resources offered
 * or allocated, roles' dominant shares and decline filters, and quota against use.
 *
 * <p>Stateless and thread-safe.
 */
final class AllocatorMetrics {
    private static final String PREFIX = "allocator/mesos/";

    private AllocatorMetrics() {}

    static void add(List<Metric> metrics, long allocationRuns, MasterCounts.Allocator allocator) {
        metrics.add(MasterMetrics.counter(PREFIX + "allocation_runs", allocationRuns));
        allocator.runTimes().ifPresent(times -> addRunTimes(metrics, times));
        metrics.add(MasterMetrics.gauge(PREFIX + "event_queue_dispatches", allocator.queuedDispatches()));
        for (String resource : allocator.total().keySet()) {
            metrics.add(MasterMetrics.gauge(PREFIX + "resources/" + resource + "/total",
                    allocator.total().get(resource)));
            metrics.add(MasterMetrics.gauge(PREFIX + "resources/" + resource + "/offered_or_allocated",
                    allocator.offeredOrAllocated().get(resource)));
        }
        allocator.dominantShares().forEach((role, share) -> metrics.add(labelled(
                PREFIX + "roles/" + role + "/shares/dominant", "roles_shares_dominant",
                PREFIX + "roles/<role>/shares/dominant", Map.of("role", role), share)));
        allocator.offerFilters().forEach((role, active) -> metrics.add(labelled(
                PREFIX + "offer_filters/roles/" + role + "/active", "offer_filters_roles_active",
                PREFIX + "offer_filters/roles/<role>/active", Map.of("role", role), active)));
        allocator.quota().forEach((role, quota) -> {
            addQuota(metrics, role, "guarantee", quota.guarantee());
            addQuota(metrics, role, "limit", quota.limit());
            addQuota(metrics, role, "consumed", quota.consumed());
            addQuota(metrics, role, "offered_or_allocated", quota.offeredOrAllocated());
        });
    }

    /**
     * Mesos's timer: the latest cycle under the timer's own name, then the window's statistics under
     * {@code /count}, {@code /min}, {@code /max} and {@code /p50} to {@code /p9999}. Snapshot only: Prometheus reads
     * the timer's histogram.
     */
    private static void addRunTimes(List<Metric> metrics, AllocationTimes.Stats times) {
        String name = PREFIX + "allocation_run_ms";
        metrics.add(snapshotOnly(name, times.lastMs()));
        times.statistics().ifPresent(stats -> {
            metrics.add(snapshotOnly(name + "/count", stats.count()));
            metrics.add(snapshotOnly(name + "/max", stats.maxMs()));
            metrics.add(snapshotOnly(name + "/min", stats.minMs()));
            metrics.add(snapshotOnly(name + "/p50", stats.p50()));
            metrics.add(snapshotOnly(name + "/p90", stats.p90()));
            metrics.add(snapshotOnly(name + "/p95", stats.p95()));
            metrics.add(snapshotOnly(name + "/p99", stats.p99()));
            metrics.add(snapshotOnly(name + "/p999", stats.p999()));
            metrics.add(snapshotOnly(name + "/p9999", stats.p9999()));
        });
    }

    private static void addQuota(List<Metric> metrics, String role, String kind, Map<String, Double> amounts) {
        amounts.forEach((resource, amount) -> {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("role", role);
            tags.put("resource", resource);
            metrics.add(labelled(PREFIX + "quota/roles/" + role + "/resources/" + resource + "/" + kind,
                    "quota_" + kind, PREFIX + "quota/roles/<role>/resources/<resource>/" + kind, tags, amount));
        });
    }

    private static Metric labelled(String name, String family, String help, Map<String, String> tags, Number value) {
        return new Metric(name, "corral_allocator_mesos_" + family, tags, help, Type.GAUGE, value);
    }

    private static Metric snapshotOnly(String name, Number value) {
        return new Metric(name, null, Map.of(), name, Type.GAUGE, value);
    }
}
