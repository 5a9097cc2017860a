package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.ServerHealth;
import io.corral.zookeeper.health.ServerMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;

public class MasterMetricsTest {
    /** A leader with 3 agents (one disconnected, one more unreachable), 2 frameworks and some tasks. */
    public static final MasterCounts COUNTS = new MasterCounts(
            new MasterCounts.Agents(2, 1, 2, 1, 1),
            new MasterCounts.Frameworks(1, 1, 1, 1),
            new MasterCounts.Resources(8, 2, 16384, 4096, 0, 0, 0, 0),
            new MasterCounts.Tasks(1, 0, 3, 0, 2),
            new MasterCounts.TaskCounters(10, 2, 1, 4, 0, 0, 0, 0),
            new MasterCounts.AgentCounters(3, 1, 0),
            5, 0, 42);

    /** A 3-server ensemble: leader, follower, one down. */
    public static final EnsembleHealth ZOOKEEPER = new EnsembleHealth(List.of(
            new ServerHealth("10.0.0.1:2181", true, ServerMode.LEADER, 0.5, 12, 0, 57, 6, Optional.empty()),
            new ServerHealth("10.0.0.2:2181", true, ServerMode.FOLLOWER, 0.25, 3, 1, 57, 2, Optional.empty()),
            ServerHealth.failed("10.0.0.3:2181", false, "connection refused")), 1_700_000_000_000L);

    static final MasterMetrics.Input LEADER =
            new MasterMetrics.Input(true, Duration.ofMillis(61_500), Optional.of(COUNTS), ZOOKEEPER);

    @Test
    void snapshotHasMesosNamesAndValuesInOrder() {
        Map<String, Number> snapshot = MasterMetrics.snapshot(LEADER);

        assertThat(snapshot).containsExactly(
                entry("master/uptime_secs", 61.5),
                entry("master/elected", 1L),
                entry("master/slaves_active", 2L),
                entry("master/slaves_inactive", 1L),
                entry("master/slaves_connected", 2L),
                entry("master/slaves_disconnected", 1L),
                entry("master/slaves_unreachable", 1L),
                entry("master/slave_registrations", 3L),
                entry("master/slave_reregistrations", 1L),
                entry("master/slave_removals", 0L),
                entry("master/frameworks_active", 1L),
                entry("master/frameworks_inactive", 1L),
                entry("master/frameworks_connected", 1L),
                entry("master/frameworks_disconnected", 1L),
                entry("master/outstanding_offers", 5L),
                entry("master/cpus_total", 8.0),
                entry("master/cpus_used", 2.0),
                entry("master/cpus_percent", 0.25),
                entry("master/mem_total", 16384.0),
                entry("master/mem_used", 4096.0),
                entry("master/mem_percent", 0.25),
                entry("master/disk_total", 0.0),
                entry("master/disk_used", 0.0),
                entry("master/disk_percent", 0.0),
                entry("master/gpus_total", 0.0),
                entry("master/gpus_used", 0.0),
                entry("master/gpus_percent", 0.0),
                entry("master/tasks_staging", 1L),
                entry("master/tasks_starting", 0L),
                entry("master/tasks_running", 3L),
                entry("master/tasks_killing", 0L),
                entry("master/tasks_unreachable", 2L),
                entry("master/tasks_finished", 10L),
                entry("master/tasks_failed", 2L),
                entry("master/tasks_killed", 1L),
                entry("master/tasks_lost", 4L),
                entry("master/tasks_error", 0L),
                entry("master/tasks_dropped", 0L),
                entry("master/tasks_gone", 0L),
                entry("master/tasks_gone_by_operator", 0L),
                entry("master/event_queue_messages", 0L),
                entry("allocator/mesos/allocation_runs", 42L),
                entry("zookeeper/servers", 3L),
                entry("zookeeper/servers_up", 2L),
                entry("zookeeper/quorum_size", 2L),
                entry("zookeeper/has_quorum", 1L),
                entry("zookeeper/10.0.0.1:2181/up", 1L),
                entry("zookeeper/10.0.0.2:2181/up", 1L),
                entry("zookeeper/10.0.0.3:2181/up", 0L),
                entry("zookeeper/10.0.0.1:2181/is_leader", 1L),
                entry("zookeeper/10.0.0.2:2181/is_leader", 0L),
                entry("zookeeper/10.0.0.3:2181/is_leader", 0L),
                entry("zookeeper/10.0.0.1:2181/latency_avg_ms", 0.5),
                entry("zookeeper/10.0.0.2:2181/latency_avg_ms", 0.25),
                entry("zookeeper/10.0.0.1:2181/latency_max_ms", 12L),
                entry("zookeeper/10.0.0.2:2181/latency_max_ms", 3L),
                entry("zookeeper/10.0.0.1:2181/outstanding_requests", 0L),
                entry("zookeeper/10.0.0.2:2181/outstanding_requests", 1L),
                entry("zookeeper/10.0.0.1:2181/znode_count", 57L),
                entry("zookeeper/10.0.0.2:2181/znode_count", 57L),
                entry("zookeeper/10.0.0.1:2181/connections", 6L),
                entry("zookeeper/10.0.0.2:2181/connections", 2L));
    }

    @Test
    void aStandbyReportsZerosAndALoopThatDidNotAnswerIsLeftOut() {
        Map<String, Number> standby = MasterMetrics.snapshot(
                new MasterMetrics.Input(false, Duration.ZERO, Optional.of(MasterCounts.EMPTY), ZOOKEEPER));
        assertThat(standby).containsEntry("master/elected", 0L).containsEntry("master/slaves_active", 0L)
                .containsEntry("master/cpus_percent", 0.0).containsEntry("zookeeper/has_quorum", 1L);

        Map<String, Number> timedOut = MasterMetrics.snapshot(
                new MasterMetrics.Input(true, Duration.ofSeconds(5), Optional.empty(), ZOOKEEPER));
        assertThat(timedOut.keySet()).filteredOn(name -> name.startsWith("master/"))
                .containsExactly("master/uptime_secs", "master/elected");
        assertThat(timedOut).doesNotContainKey("allocator/mesos/allocation_runs").containsKey("zookeeper/servers_up");
    }

    @Test
    void prometheusTextHasOneTypeLinePerFamilyCountersWithTotalAndServerLabels() {
        String text = MasterMetrics.prometheus(LEADER);

        assertThat(text).startsWith("""
                # TYPE corral_master_uptime_secs gauge
                corral_master_uptime_secs 61.5
                # TYPE corral_master_elected gauge
                corral_master_elected 1
                # TYPE corral_master_slaves_active gauge
                corral_master_slaves_active 2
                """);
        assertThat(text).contains("""
                # TYPE corral_master_tasks_finished_total counter
                corral_master_tasks_finished_total 10
                """, """
                # TYPE corral_allocator_mesos_allocation_runs_total counter
                corral_allocator_mesos_allocation_runs_total 42
                """, """
                # TYPE corral_master_cpus_percent gauge
                corral_master_cpus_percent 0.25
                """);
        assertThat(text).endsWith("""
                # TYPE corral_zookeeper_has_quorum gauge
                corral_zookeeper_has_quorum 1
                # TYPE corral_zookeeper_server_up gauge
                corral_zookeeper_server_up{server="10.0.0.1:2181"} 1
                corral_zookeeper_server_up{server="10.0.0.2:2181"} 1
                corral_zookeeper_server_up{server="10.0.0.3:2181"} 0
                # TYPE corral_zookeeper_server_is_leader gauge
                corral_zookeeper_server_is_leader{server="10.0.0.1:2181"} 1
                corral_zookeeper_server_is_leader{server="10.0.0.2:2181"} 0
                corral_zookeeper_server_is_leader{server="10.0.0.3:2181"} 0
                # TYPE corral_zookeeper_server_latency_avg_ms gauge
                corral_zookeeper_server_latency_avg_ms{server="10.0.0.1:2181"} 0.5
                corral_zookeeper_server_latency_avg_ms{server="10.0.0.2:2181"} 0.25
                # TYPE corral_zookeeper_server_latency_max_ms gauge
                corral_zookeeper_server_latency_max_ms{server="10.0.0.1:2181"} 12
                corral_zookeeper_server_latency_max_ms{server="10.0.0.2:2181"} 3
                # TYPE corral_zookeeper_server_outstanding_requests gauge
                corral_zookeeper_server_outstanding_requests{server="10.0.0.1:2181"} 0
                corral_zookeeper_server_outstanding_requests{server="10.0.0.2:2181"} 1
                # TYPE corral_zookeeper_server_znode_count gauge
                corral_zookeeper_server_znode_count{server="10.0.0.1:2181"} 57
                corral_zookeeper_server_znode_count{server="10.0.0.2:2181"} 57
                # TYPE corral_zookeeper_server_connections gauge
                corral_zookeeper_server_connections{server="10.0.0.1:2181"} 6
                corral_zookeeper_server_connections{server="10.0.0.2:2181"} 2
                """);
    }

    @Test
    void everyPrometheusLineIsWellFormed() {
        String sample = "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{server=\"[^\"\\\\\\n]*\"\\})? -?[0-9.E]+";
        String type = "# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (gauge|counter)";
        assertThat(MasterMetrics.prometheus(LEADER).lines()).allMatch(line -> line.matches(sample + "|" + type));
        long families = MasterMetrics.prometheus(LEADER).lines().filter(l -> l.startsWith("# TYPE")).count();
        long distinct = MasterMetrics.metrics(LEADER).stream().map(MasterMetrics.Metric::family).distinct().count();
        assertThat(families).isEqualTo(distinct); // each family's samples are contiguous
    }

    @Test
    void terminalStatesAreCountedAndOthersIgnored() {
        MasterCounts.TaskCounters counters = MasterCounts.TaskCounters.NONE
                .counted(TaskState.TASK_FINISHED).counted(TaskState.TASK_FINISHED)
                .counted(TaskState.TASK_LOST).counted(TaskState.TASK_RUNNING).counted(TaskState.TASK_GONE_BY_OPERATOR);

        assertThat(counters).isEqualTo(new MasterCounts.TaskCounters(2, 0, 0, 1, 0, 0, 0, 1));
        assertThat(MasterCounts.AgentCounters.NONE.registered().reregistered().reregistered().removed())
                .isEqualTo(new MasterCounts.AgentCounters(1, 2, 1));
    }
}
