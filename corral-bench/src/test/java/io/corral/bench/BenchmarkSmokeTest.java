package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.bench.charts.AllocatorChart;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Every benchmark, run tiny inside {@code ./mvnw verify} so that none of them rots: each must run to its end, print
 * its report and draw its charts (real PNGs of the charts' size, with the CSV behind each holding what the run did).
 * Nothing here asserts a timing (the figures are measured on purpose, see docs/benchmarks.md).
 */
class BenchmarkSmokeTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** The percentile curves' points: min to p99.9, 20 a decade of 1/(1 - p). */
    private static final int PERCENTILE_ROWS = 61;

    /** The directory a benchmark said it wrote its results to ({@code results: <dir> ...}). */
    private static Path resultsOf(String report) {
        Matcher matcher = Pattern.compile("(?m)^results: (\\S+)").matcher(report);
        assertThat(matcher.find()).as("the report names its results directory").isTrue();
        return Path.of(matcher.group(1));
    }

    /** Asserts {@code file} is a PNG of 800 x 500 pixels. */
    private static void assertChart(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length).as(file + " size").isGreaterThan(PNG_SIGNATURE.length);
        assertThat(Arrays.copyOf(bytes, PNG_SIGNATURE.length)).as(file + " signature").isEqualTo(PNG_SIGNATURE);
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as(file + " decodes").isNotNull();
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
    }

    /** The chart {@code name}.png (asserted a real PNG) and the lines of its {@code name}.csv. */
    private static List<String> chartAndCsv(Path dir, String name) throws Exception {
        assertChart(dir.resolve(name + ".png"));
        return Files.readAllLines(dir.resolve(name + ".csv"));
    }

    /** Asserts a throughput CSV counts {@code total} events in each of its series by its last second. */
    private static void assertThroughput(List<String> csv, String header, int total) {
        assertThat(csv.get(0)).isEqualTo(header);
        assertThat(csv).hasSizeGreaterThan(1);
        String[] last = csv.get(csv.size() - 1).split(",");
        for (int column = 2; column < last.length; column += 2) {
            assertThat(Integer.parseInt(last[column])).as("total in column " + column).isEqualTo(total);
        }
    }

    /** Asserts a percentile CSV has its header and a row per percentile, the last p99.9. */
    private static void assertPercentiles(List<String> csv, String header) {
        assertThat(csv.get(0)).isEqualTo(header);
        assertThat(csv).hasSize(1 + PERCENTILE_ROWS);
        assertThat(csv.get(1)).startsWith("0.0000,");
        assertThat(csv.get(PERCENTILE_ROWS)).startsWith("99.9000,");
    }

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
        Path results = resultsOf(report);
        assertThroughput(chartAndCsv(results, "packed-launch-round-1-throughput"),
                "second,task_running_per_s,task_running_total,task_finished_per_s,task_finished_total", 5);
        assertPercentiles(chartAndCsv(results, "packed-launch-round-1-launch-to-running"),
                "percentile,launch_to_running_ms");
    }

    @Test
    @Timeout(60)
    void theWireRunsToItsReport() throws Exception {
        String report = printedBy(() -> WireBenchmark.main(new String[] {"1", "2", "1"}));
        assertThat(report).containsPattern("wire: 2 readers of a 1 MB answer for [0-9]+ s: [1-9][0-9]* reads, [0-9]+ MB/s")
                .containsPattern("CPU per MB moved: server [0-9.]+ ms, client [0-9.]+ ms");
    }

    @Test
    @Timeout(120)
    void anAgentRestartLosesNoTask() throws Exception {
        String report = printedBy(() -> AgentRestartBenchmark.main(new String[] {"3"}));
        assertThat(report).contains("launched: 3 tasks RUNNING").contains("all 3 tasks RUNNING")
                .contains("lost: 0 terminal updates").contains("launchers' memory: 3 launchers");
        assertThroughput(chartAndCsv(resultsOf(report), "agent-restart-launch-throughput"),
                "second,task_running_per_s,task_running_total", 3);
    }

    @Test
    @Timeout(120)
    void containerLaunchesRunToTheirReport() throws Exception {
        String report = printedBy(() -> ContainerLaunchBenchmark.main(new String[] {"4", "2", "2"}));
        assertThat(report).containsPattern("round-1: 4 launches in [0-9.]+ s").contains("CPU")
                .containsPattern("baseline-1, .*: 4 spawns in [0-9.]+ s")
                .containsPattern("best round: [0-9]+ launches/s, [0-9]+% of this machine's limit");
    }

    @Test
    @Timeout(120)
    void launchThroughputRunsToItsReport() throws Exception {
        String report = printedBy(() -> LaunchThroughputBenchmark.main(new String[] {"4", "2"}));
        assertThat(report).containsPattern("4 tasks in [0-9.]+ s");
        Path results = resultsOf(report);
        assertThroughput(chartAndCsv(results, "launch-throughput-throughput"),
                "second,launches_finished_per_s,launches_finished_total", 4);
        assertPercentiles(chartAndCsv(results, "launch-throughput-per-launch"), "percentile,per_launch_ms");
    }

    @Test
    @Timeout(120)
    void registryAdmissionRunsToItsReport() throws Exception {
        String report = printedBy(() -> RegistryAdmissionBenchmark.main(new String[] {"20"}));
        assertThat(report).contains("20 agents admitted").containsPattern("recovery read: [0-9]+ agents loaded");
    }

    @Test
    @Timeout(120)
    void placementFillsATinyClusterFairly() throws Exception {
        String report = printedBy(() -> io.corral.bench.placement.PlacementBenchmark.main(new String[] {
                "--agents=10", "--frameworks=5", "--rounds=1", "--warmup=1"}));
        // 10 agents of 32 cpus: 320 one-cpu tasks, 64 for each of the 5 frameworks.
        assertThat(report).containsPattern("warm-up 1: 320 tasks in [0-9.]+ s")
                .containsPattern("round 1: 320 tasks in [0-9.]+ s: [0-9,]+ tasks/s")
                .contains("tasks per framework 64-64 (equal within one task)")
                .containsPattern("1 measured rounds: median [0-9,]+ tasks/s")
                .contains("every round fair: true");
        List<String> csv = chartAndCsv(resultsOf(report), "placement-fill");
        assertThat(csv.get(0)).isEqualTo("ms,round_1_total");
        assertThat(csv).hasSize(1 + 101);
        assertThat(csv.get(1)).startsWith("0.0,");
        assertThat(csv.get(csv.size() - 1)).endsWith(",320");
    }

    @Test
    @Timeout(180)
    void theSimulatorRunsAMasterAtTinyScaleThroughAFailover() throws Exception {
        String report = printedBy(() -> io.corral.bench.simulator.Simulator.main(new String[] {"--agents=20",
                "--tasks=50", "--frameworks=2", "--readers=2", "--read-seconds=1", "--master-session=5",
                "--warmup=30", "--warm-clients=20", "--alternations=1"}));
        assertThat(report).containsPattern("clients' warm-up \\(20 agents and a master of their own, stopped after it;"
                        + " the measured master starts cold\\): 20 tasks launched and FINISHED")
                .contains("agents: 20 registered")
                .contains("warm-up: 30 tasks launched and FINISHED").contains("by 2 frameworks now torn down")
                .contains("launch: 50 tasks RUNNING")
                .containsPattern("launch by tenths of the tasks: ([0-9,]+ ){10}tasks/s")
                .containsPattern("frameworks: 2000 ACCEPTs of 3 tasks built and encoded in [0-9.]+ s, then dropped")
                .containsPattern("memory: master heap .* KiB per agent, -?[0-9.]+ KiB per task")
                .containsPattern("zookeeper: [0-9]+ znodes")
                .containsPattern("allocation settled after [0-9]+ s")
                .containsPattern("state: /master/state, 2 readers for 1 s: [0-9]+ reads")
                .containsPattern("state: GET_STATE, 2 readers for 1 s: [0-9]+ reads")
                .contains("allocation during /master/state reads").contains("allocation idle after the reads")
                .containsPattern("allocation alternated, 1 x \\(1 s idle, 1 s of GET_STATE reads\\): median")
                .containsPattern("all 20 agents re-registered")
                .contains("of the 50 running before: 0 lost, 0 duplicated")
                .contains("simulation done");
        // A tiny launch is over within its first 20 s: every task ACCEPTed and RUNNING once in those seconds.
        Matcher start = Pattern.compile("launch's first 20 s, tasks ACCEPTed/LAUNCHed at agents/RUNNING in each"
                + " second: ((?:[0-9]+/[0-9]+/[0-9]+ ?){20})\n").matcher(report);
        assertThat(start.find()).as(report).isTrue();
        int[] sums = new int[3];
        for (String second : start.group(1).trim().split(" ")) {
            String[] counts = second.split("/");
            for (int i = 0; i < 3; i++) {
                sums[i] += Integer.parseInt(counts[i]);
            }
        }
        assertThat(sums).containsExactly(50, 50, 50);
        Path results = resultsOf(report);
        assertThroughput(chartAndCsv(results, "simulator-launch-throughput"),
                "second,task_running_per_s,task_running_total", 50);
        assertPercentiles(chartAndCsv(results, "simulator-launch-to-running"), "percentile,launch_to_running_ms");
        assertPercentiles(chartAndCsv(results, "simulator-state-reads"),
                "percentile,master_state_ms,get_state_ms");
    }

    @Test
    @Timeout(120)
    void theJsonCodecIsMeasuredForEachOfItsMessages() throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(JsonCodecBenchmark.class.getSimpleName()).param("tasks", "2")
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200)).build()).run();
        assertThat(results).extracting(result -> result.getParams().getBenchmark().replaceAll(".*\\.", ""))
                .containsExactlyInAnyOrder("decodeRegister", "encodeRegister", "decodeRegisterProtobuf",
                        "encodeRegisterProtobuf", "decodeAcceptJson");
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getScore()).isPositive());
    }

    @Test
    @Timeout(120)
    void allocatorCycleMeasuresTinyClustersAndDrawsThem(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("allocator-jmh.json");
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(AllocatorCycleBenchmark.class.getSimpleName())
                .param("shape", "20x4x2", "40x8x4").param("policies", "true")
                .forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .resultFormat(ResultFormatType.JSON).result(json.toString()).build()).run();
        assertThat(results).hasSize(2);
        assertThat(results.iterator().next().getPrimaryResult().getSampleCount()).isPositive();

        String report = printedBy(() -> AllocatorChart.main(new String[] {json.toString()}));
        List<String> csv = chartAndCsv(resultsOf(report), "allocator-cycle");
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0)).isEqualTo("shape,agents,frameworks,roles,policies,p50_ms,p99_ms,max_ms");
        assertThat(csv.get(1)).startsWith("20x4x2,20,4,2,true,");
        assertThat(csv.get(2)).startsWith("40x8x4,40,8,4,true,");
    }
}
