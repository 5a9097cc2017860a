package io.corral.master;

import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.ServerHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The master's metrics, built as a pure function of what the master publishes: served flat under Mesos's names by
 * {@code GET /metrics/snapshot} ({@code "master/slaves_active": 2}; {@code docs/mesos-compatibility.md}, "Metrics
 * names") and, through {@link PrometheusMetrics}, in Prometheus's text format by {@code GET /metrics}
 * ({@code corral_master_slaves_active 2.0}).
 *
 * <p>Naming: each metric has its Mesos name and a Prometheus meter. A fixed name's meter is {@code corral_} plus the
 * Mesos name with every character outside {@code [a-zA-Z0-9_]} turned into {@code _}; Prometheus's client adds
 * {@code _total} to counters and drops it from gauges (it reserves the suffix for counters: {@code master/cpus_total}
 * is {@code corral_master_cpus}). A name with a part that varies (a role, a resource, a ZooKeeper server) is one
 * meter with a label for that part: {@code allocator/mesos/roles/eng/shares/dominant} is
 * {@code corral_allocator_mesos_roles_shares_dominant{role="eng"}}, {@code zookeeper/10.0.0.1:2181/znode_count} is
 * {@code corral_zookeeper_server_znode_count{server="10.0.0.1:2181"}}. A ZooKeeper server that does not serve
 * reports only {@code up} and {@code is_leader}: its other figures are unknown, not zero. Mesos's timer statistics
 * ({@code allocator/mesos/allocation_run_ms/p99} ...) are in the snapshot only: Prometheus gets the timer's
 * histogram instead ({@link AllocationTimes}).
 *
 * <p>Stateless and thread-safe.
 */
public final class MasterMetrics {

    /**
     * Everything one snapshot is made of.
     *
     * @param elected   this master leads
     * @param uptime    time since this master process started
     * @param counts    the leader's figures ({@link MasterCounts#EMPTY} on a standby); empty when the master's loop
     *                  did not answer in time, which leaves its metrics out, as Mesos leaves out metrics that time out
     * @param zookeeper the ensemble's health as this master sees it
     */
    public record Input(boolean elected, Duration uptime, Optional<MasterCounts> counts, EnsembleHealth zookeeper) {
        public Input {
            Objects.requireNonNull(uptime, "uptime");
            Objects.requireNonNull(counts, "counts");
            Objects.requireNonNull(zookeeper, "zookeeper");
        }
    }

    public enum Type { GAUGE, COUNTER }

    /**
     * One value.
     *
     * @param name  the Mesos-style snapshot name, e.g. "master/slaves_active" or "zookeeper/h:2181/znode_count"
     * @param meter the Prometheus meter name, e.g. "corral_master_slaves_active"; null for a value the snapshot alone
     *              reports (Mesos's timer statistics)
     * @param tags  the Prometheus labels (the varying parts of the name), in order
     * @param help  the Mesos name with its varying parts named, e.g. "allocator/mesos/roles/&lt;role&gt;/shares/dominant"
     */
    public record Metric(String name, String meter, Map<String, String> tags, String help, Type type, Number value) {
        public Metric {
            tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        }

        /** The {@code server} label of a per-ZooKeeper-server metric, else null. */
        public String server() {
            return tags.get("server");
        }
    }

    private static final String PREFIX = "corral_";

    private MasterMetrics() {}

    /** Every metric, in a stable order: master, allocator, then ZooKeeper (each per-server family together). */
    public static List<Metric> metrics(Input input) {
        List<Metric> metrics = new ArrayList<>();
        metrics.add(gauge("master/uptime_secs", input.uptime().toMillis() / 1000.0));
        metrics.add(gauge("master/elected", input.elected() ? 1L : 0L));
        input.counts().ifPresent(counts -> {
            addMaster(metrics, counts);
            AllocatorMetrics.add(metrics, counts.allocationRuns(), counts.allocator());
        });
        addZooKeeper(metrics, input.zookeeper());
        return metrics;
    }

    /** The {@code /metrics/snapshot} object: Mesos name to value, in {@link #metrics} order. */
    public static Map<String, Number> snapshot(Input input) {
        Map<String, Number> snapshot = new LinkedHashMap<>();
        for (Metric metric : metrics(input)) {
            snapshot.put(metric.name(), metric.value());
        }
        return snapshot;
    }

    // ------------------------------------------------------------------------------------------------- master

    private static void addMaster(List<Metric> metrics, MasterCounts counts) {
        MasterCounts.Agents agents = counts.agents();
        metrics.add(gauge("master/slaves_active", agents.active()));
        metrics.add(gauge("master/slaves_inactive", agents.inactive()));
        metrics.add(gauge("master/slaves_connected", agents.connected()));
        metrics.add(gauge("master/slaves_disconnected", agents.disconnected()));
        metrics.add(gauge("master/slaves_unreachable", agents.unreachable()));
        MasterCounts.AgentCounters agentCounters = counts.agentCounters();
        metrics.add(counter("master/slave_registrations", agentCounters.registrations()));
        metrics.add(counter("master/slave_reregistrations", agentCounters.reregistrations()));
        metrics.add(counter("master/slave_removals", agentCounters.removals()));

        MasterCounts.Frameworks frameworks = counts.frameworks();
        metrics.add(gauge("master/frameworks_active", frameworks.active()));
        metrics.add(gauge("master/frameworks_inactive", frameworks.inactive()));
        metrics.add(gauge("master/frameworks_connected", frameworks.connected()));
        metrics.add(gauge("master/frameworks_disconnected", frameworks.disconnected()));
        metrics.add(gauge("master/outstanding_offers", counts.outstandingOffers()));

        MasterCounts.Resources resources = counts.resources();
        addResource(metrics, "cpus", resources.cpusTotal(), resources.cpusUsed());
        addResource(metrics, "mem", resources.memTotal(), resources.memUsed());
        addResource(metrics, "disk", resources.diskTotal(), resources.diskUsed());
        addResource(metrics, "gpus", resources.gpusTotal(), resources.gpusUsed());

        MasterCounts.Tasks tasks = counts.tasks();
        metrics.add(gauge("master/tasks_staging", tasks.staging()));
        metrics.add(gauge("master/tasks_starting", tasks.starting()));
        metrics.add(gauge("master/tasks_running", tasks.running()));
        metrics.add(gauge("master/tasks_killing", tasks.killing()));
        metrics.add(gauge("master/tasks_unreachable", tasks.unreachable()));
        MasterCounts.TaskCounters ended = counts.taskCounters();
        metrics.add(counter("master/tasks_finished", ended.finished()));
        metrics.add(counter("master/tasks_failed", ended.failed()));
        metrics.add(counter("master/tasks_killed", ended.killed()));
        metrics.add(counter("master/tasks_lost", ended.lost()));
        metrics.add(counter("master/tasks_error", ended.error()));
        metrics.add(counter("master/tasks_dropped", ended.dropped()));
        metrics.add(counter("master/tasks_gone", ended.gone()));
        metrics.add(counter("master/tasks_gone_by_operator", ended.goneByOperator()));

        // Corral's loop has one queue: every event on it is a dispatch (a closure run on the loop), and it is also
        // what Mesos's dashboards watch as messages; both names report it
        metrics.add(gauge("master/event_queue_messages", counts.eventQueueMessages()));
        metrics.add(gauge("master/event_queue_dispatches", counts.eventQueueMessages()));
    }

    /** Mesos's {@code <name>_percent} is the used fraction, from 0 to 1 (0 when there is none of the resource). */
    private static void addResource(List<Metric> metrics, String name, double total, double used) {
        metrics.add(gauge("master/" + name + "_total", total));
        metrics.add(gauge("master/" + name + "_used", used));
        metrics.add(gauge("master/" + name + "_percent", total > 0 ? used / total : 0.0));
    }

    // ---------------------------------------------------------------------------------------------- zookeeper

    private static void addZooKeeper(List<Metric> metrics, EnsembleHealth health) {
        metrics.add(gauge("zookeeper/servers", (long) health.servers().size()));
        metrics.add(gauge("zookeeper/servers_up", (long) health.serversUp()));
        metrics.add(gauge("zookeeper/quorum_size", (long) health.quorumSize()));
        metrics.add(gauge("zookeeper/has_quorum", health.hasQuorum() ? 1L : 0L));
        List<ServerHealth> all = health.servers();
        List<ServerHealth> serving = all.stream().filter(ServerHealth::isServing).toList();
        addPerServer(metrics, "up", all, s -> s.isServing() ? 1L : 0L);
        addPerServer(metrics, "is_leader", all, s -> s.isServing() && s.isLeader() ? 1L : 0L);
        addPerServer(metrics, "latency_avg_ms", serving, ServerHealth::latencyAvgMs);
        addPerServer(metrics, "latency_max_ms", serving, ServerHealth::latencyMaxMs);
        addPerServer(metrics, "outstanding_requests", serving, ServerHealth::outstandingRequests);
        addPerServer(metrics, "znode_count", serving, ServerHealth::znodeCount);
        addPerServer(metrics, "connections", serving, ServerHealth::connections);
    }

    private static void addPerServer(List<Metric> metrics, String name, List<ServerHealth> servers,
                                     Function<ServerHealth, Number> value) {
        for (ServerHealth server : servers) {
            metrics.add(new Metric("zookeeper/" + server.address() + "/" + name, PREFIX + "zookeeper_server_" + name,
                    Map.of("server", server.address()), "zookeeper/<server>/" + name, Type.GAUGE,
                    value.apply(server)));
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static Metric gauge(String name, Number value) {
        return new Metric(name, sanitize(name), Map.of(), name, Type.GAUGE, value);
    }

    static Metric counter(String name, Number value) {
        return new Metric(name, sanitize(name), Map.of(), name, Type.COUNTER, value);
    }

    static String sanitize(String name) {
        return PREFIX + name.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
