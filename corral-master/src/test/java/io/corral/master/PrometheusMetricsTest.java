package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}'s text, as Micrometer's Prometheus registry writes it from {@link MasterMetrics}. */
class PrometheusMetricsTest {
    /** One line of the text exposition format 0.0.4: a comment (HELP or TYPE) or a sample with optional labels. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static final Pattern HELP = Pattern.compile("# HELP " + NAME + "( .*)?");
    static final Pattern TYPE = Pattern.compile("# TYPE " + NAME + " (counter|gauge|histogram|summary|untyped)");
    static final Pattern SAMPLE = Pattern.compile(NAME + "(\\{" + "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\""
            + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")*,?\\})?"
            + " (NaN|[+-]Inf|[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?)( -?[0-9]+)?");

    private final PrometheusMetrics prometheus = new PrometheusMetrics();
    private final AllocationTimes times = new AllocationTimes(prometheus.registry());

    /** Asserts every line of {@code text} is a valid exposition line, and each family is typed before its samples. */
    static void assertValidExposition(String text) {
        assertThat(text).endsWith("\n");
        List<String> typed = new ArrayList<>();
        for (String line : text.split("\n")) {
            assertThat(HELP.matcher(line).matches() || TYPE.matcher(line).matches()
                    || SAMPLE.matcher(line).matches()).as("a valid exposition line: %s", line).isTrue();
            if (line.startsWith("# TYPE ")) {
                typed.add(line.split(" ")[2]);
            } else if (!line.startsWith("#")) {
                String name = line.split("[{ ]")[0];
                assertThat(typed).as("family of %s typed before it", name).anySatisfy(family ->
                        assertThat(name.equals(family) || name.matches(Pattern.quote(family)
                                + "_(bucket|count|sum|total)")).isTrue());
            }
        }
    }

    @Test
    void everyLineIsAValidExpositionLine() {
        times.record(250_000);
        String text = prometheus.render(MasterMetrics.metrics(MasterMetricsTest.LEADER));

        assertValidExposition(text);
    }

    @Test
    void namesFollowPrometheusConventionsWithLabelsForTheVaryingParts() {
        String text = prometheus.render(MasterMetrics.metrics(MasterMetricsTest.LEADER));

        assertThat(text).contains(
                "# TYPE corral_master_slaves_active gauge\ncorral_master_slaves_active 2.0\n",
                "# TYPE corral_master_tasks_finished_total counter\ncorral_master_tasks_finished_total 10.0\n",
                "corral_allocator_mesos_allocation_runs_total 42.0\n",
                // Prometheus reserves _total for counters: the gauge master/cpus_total loses it
                "# HELP corral_master_cpus Mesos: master/cpus_total\n# TYPE corral_master_cpus gauge\n"
                        + "corral_master_cpus 8.0\n",
                "corral_master_cpus_percent 0.25\n",
                "corral_master_event_queue_dispatches 0.0\n",
                "corral_allocator_mesos_roles_shares_dominant{role=\"*\"} 0.25\n",
                "corral_allocator_mesos_roles_shares_dominant{role=\"eng\"} 0.5\n",
                "corral_allocator_mesos_offer_filters_roles_active{role=\"eng\"} 2.0\n",
                "corral_allocator_mesos_quota_guarantee{resource=\"cpus\",role=\"eng\"} 2.0\n",
                "corral_allocator_mesos_resources_mem_offered_or_allocated 4096.0\n",
                "corral_zookeeper_server_up{server=\"10.0.0.3:2181\"} 0.0\n",
                "corral_zookeeper_server_latency_avg_ms{server=\"10.0.0.1:2181\"} 0.5\n");
        assertThat(text.lines().filter(line -> !line.startsWith("#")))
                .as("Mesos's timer statistics are the snapshot's; Prometheus has the histogram")
                .noneMatch(line -> line.contains("allocation_run_ms"));
    }

    @Test
    void theAllocationTimerIsAHistogramWhoseBucketsGrowWithEachCycle() {
        times.record(50_000);
        String first = prometheus.render(MasterMetrics.metrics(MasterMetricsTest.LEADER));
        times.record(2_000_000);
        times.record(3_000_000);
        String third = prometheus.render(MasterMetrics.metrics(MasterMetricsTest.LEADER));

        assertThat(first).contains("# TYPE corral_allocator_allocation_run_seconds histogram\n",
                "corral_allocator_allocation_run_seconds_count 1\n");
        assertThat(bucket(first, "+Inf")).isEqualTo(1);
        assertThat(bucket(third, "+Inf")).isEqualTo(3);
        assertThat(bucket(third, "0.001048576")).as("only the 50 us cycle is within 1 ms").isEqualTo(1);
        assertThat(third).contains("corral_allocator_allocation_run_seconds_count 3\n",
                "corral_allocator_allocation_run_seconds_sum 0.00505\n");
        List<Long> counts = buckets(third);
        assertThat(counts).hasSizeGreaterThan(20).isSorted(); // cumulative: never decreasing with le
    }

    @Test
    void aRoleThatIsGoneLeavesTheExposition() {
        prometheus.render(MasterMetrics.metrics(MasterMetricsTest.LEADER));
        MasterCounts withoutEng = new MasterCounts(MasterMetricsTest.COUNTS.agents(),
                MasterMetricsTest.COUNTS.frameworks(), MasterMetricsTest.COUNTS.resources(),
                MasterMetricsTest.COUNTS.tasks(), MasterMetricsTest.COUNTS.taskCounters(),
                MasterMetricsTest.COUNTS.agentCounters(), 5, 0, 42, new MasterCounts.Allocator(Optional.empty(), 0,
                        Map.of("*", 0.75), Map.of("*", 1L), Map.of(), Map.of(), Map.of()));

        String text = prometheus.render(MasterMetrics.metrics(new MasterMetrics.Input(true, Duration.ofSeconds(1),
                Optional.of(withoutEng), MasterMetricsTest.ZOOKEEPER)));

        assertThat(text).contains("corral_allocator_mesos_roles_shares_dominant{role=\"*\"} 0.75\n")
                .doesNotContain("role=\"eng\"");
        assertValidExposition(text);
    }

    private static long bucket(String text, String le) {
        Matcher m = Pattern.compile("corral_allocator_allocation_run_seconds_bucket\\{le=\"" + Pattern.quote(le)
                + "\"} ([0-9]+)").matcher(text);
        assertThat(m.find()).as("bucket le=%s", le).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<Long> buckets(String text) {
        Matcher m = Pattern.compile("corral_allocator_allocation_run_seconds_bucket\\{le=\"[^\"]+\"} ([0-9]+)")
                .matcher(text);
        List<Long> counts = new ArrayList<>();
        while (m.find()) {
            counts.add(Long.parseLong(m.group(1)));
        }
        return counts;
    }
}
