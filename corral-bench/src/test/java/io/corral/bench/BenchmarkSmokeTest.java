package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark, run tiny inside {@code ./mvnw verify} so that none of them rots: each must run to its end and
 * print its report. Nothing here asserts a timing (the figures are measured on purpose, see docs/benchmarks.md).
 */
class BenchmarkSmokeTest {

    /** Runs {@code benchmark} with this JVM's standard output captured; returns what it printed. */
    private static String printedBy(ThrowingRunnable benchmark) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            benchmark.run();
        } finally {
            System.setOut(original);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        original.print(printed);
        return printed;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    @Timeout(120)
    void packedLaunchesRunToTheirReport() throws Exception {
        String report = printedBy(() -> PackedLaunchBenchmark.main(new String[] {"5", "1"}));
        assertThat(report).contains("round-1: 5 tasks (0 failed)").contains("launch-to-RUNNING p50");
    }

    @Test
    @Timeout(120)
    void anAgentRestartLosesNoTask() throws Exception {
        String report = printedBy(() -> AgentRestartBenchmark.main(new String[] {"3"}));
        assertThat(report).contains("launched: 3 tasks RUNNING").contains("all 3 tasks RUNNING")
                .contains("lost: 0 terminal updates");
    }

    @Test
    @Timeout(120)
    void containerLaunchesRunToTheirReport() throws Exception {
        String report = printedBy(() -> ContainerLaunchBenchmark.main(new String[] {"4", "2", "2"}));
        assertThat(report).containsPattern("round-1: 4 launches in [0-9.]+ s").contains("CPU");
    }

    @Test
    @Timeout(120)
    void launchThroughputRunsToItsReport() throws Exception {
        String report = printedBy(() -> LaunchThroughputBenchmark.main(new String[] {"4", "2"}));
        assertThat(report).containsPattern("4 tasks in [0-9.]+ s");
    }

    @Test
    @Timeout(120)
    void registryAdmissionRunsToItsReport() throws Exception {
        String report = printedBy(() -> RegistryAdmissionBenchmark.main(new String[] {"20"}));
        assertThat(report).contains("20 agents admitted").containsPattern("recovery read: [0-9]+ agents loaded");
    }

    @Test
    @Timeout(180)
    void theSimulatorRunsAMasterAtTinyScaleThroughAFailover() throws Exception {
        String report = printedBy(() -> io.corral.bench.simulator.Simulator.main(new String[] {"--agents=20",
                "--tasks=50", "--frameworks=2", "--readers=2", "--read-seconds=1", "--master-session=5"}));
        assertThat(report).contains("agents: 20 registered").contains("launch: 50 tasks RUNNING")
                .containsPattern("memory: master heap .* KiB per agent, -?[0-9.]+ KiB per task")
                .containsPattern("zookeeper: [0-9]+ znodes")
                .containsPattern("state: /master/state, 2 readers for 1 s: [0-9]+ reads")
                .containsPattern("state: GET_STATE, 2 readers for 1 s: [0-9]+ reads")
                .contains("allocation during /master/state reads")
                .containsPattern("all 20 agents re-registered")
                .contains("of the 50 running before: 0 lost, 0 duplicated")
                .contains("simulation done");
    }

    @Test
    @Timeout(120)
    void allocatorCycleMeasuresATinyCluster() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(AllocatorCycleBenchmark.class.getSimpleName())
                .param("shape", "20x4x2").param("policies", "true")
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200)).build()).run();
        assertThat(results).hasSize(1);
        assertThat(results.iterator().next().getPrimaryResult().getSampleCount()).isPositive();
    }
}
