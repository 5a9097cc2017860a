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
            5, 0, 42, new MasterCounts.Allocator(
                    Optional.of(new AllocationTimes.Stats(0.4, Optional.of(new AllocationTimes.Statistics(
                            3, 0.2, 0.9, 0.4, 0.8, 0.85, 0.89, 0.899, 0.8999)))),
                    1, Map.of("*", 0.25, "eng", 0.5), Map.of("*", 0L, "eng", 2L),
                    Map.of("cpus", 8.0, "mem", 16384.0, "disk", 0.0), Map.of("cpus", 3.0, "mem", 4096.0, "disk", 0.0),
                    Map.of("eng", new MasterCounts.RoleQuota(Map.of("cpus", 2.0), Map.of("cpus", 4.0),
                            Map.of("cpus", 1.0), Map.of("cpus", 3.0)))));

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
                entry("master/event_queue_dispatches", 0L),
                entry("allocator/mesos/allocation_runs", 42L),
                entry("allocator/mesos/allocation_run_ms", 0.4),
                entry("allocator/mesos/allocation_run_ms/count", 3L),
                entry("allocator/mesos/allocation_run_ms/max", 0.9),
                entry("allocator/mesos/allocation_run_ms/min", 0.2),
                entry("allocator/mesos/allocation_run_ms/p50", 0.4),
                entry("allocator/mesos/allocation_run_ms/p90", 0.8),
                entry("allocator/mesos/allocation_run_ms/p95", 0.85),
                entry("allocator/mesos/allocation_run_ms/p99", 0.89),
                entry("allocator/mesos/allocation_run_ms/p999", 0.899),
                entry("allocator/mesos/allocation_run_ms/p9999", 0.8999),
                entry("allocator/mesos/event_queue_dispatches", 1L),
                entry("allocator/mesos/resources/cpus/total", 8.0),
                entry("allocator/mesos/resources/cpus/offered_or_allocated", 3.0),
                entry("allocator/mesos/resources/disk/total", 0.0),
                entry("allocator/mesos/resources/disk/offered_or_allocated", 0.0),
                entry("allocator/mesos/resources/mem/total", 16384.0),
                entry("allocator/mesos/resources/mem/offered_or_allocated", 4096.0),
                entry("allocator/mesos/roles/*/shares/dominant", 0.25),
                entry("allocator/mesos/roles/eng/shares/dominant", 0.5),
                entry("allocator/mesos/offer_filters/roles/*/active", 0L),
                entry("allocator/mesos/offer_filters/roles/eng/active", 2L),
                entry("allocator/mesos/quota/roles/eng/resources/cpus/guarantee", 2.0),
                entry("allocator/mesos/quota/roles/eng/resources/cpus/limit", 4.0),
                entry("allocator/mesos/quota/roles/eng/resources/cpus/consumed", 1.0),
                entry("allocator/mesos/quota/roles/eng/resources/cpus/offered_or_allocated", 3.0),
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
    void terminalStatesAreCountedAndOthersIgnored() {
        MasterCounts.TaskCounters counters = MasterCounts.TaskCounters.NONE
                .counted(TaskState.TASK_FINISHED).counted(TaskState.TASK_FINISHED)
                .counted(TaskState.TASK_LOST).counted(TaskState.TASK_RUNNING).counted(TaskState.TASK_GONE_BY_OPERATOR);

        assertThat(counters).isEqualTo(new MasterCounts.TaskCounters(2, 0, 0, 1, 0, 0, 0, 1));
        assertThat(MasterCounts.AgentCounters.NONE.registered().reregistered().reregistered().removed())
                .isEqualTo(new MasterCounts.AgentCounters(1, 2, 1));
    }
}
