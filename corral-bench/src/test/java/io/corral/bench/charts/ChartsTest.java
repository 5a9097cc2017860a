package io.corral.bench.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The charts' numbers, from inputs whose answers are known: what a reader of a chart or its CSV relies on. (The
 * benchmarks' own charts are checked in {@code BenchmarkSmokeTest}.)
 */
class ChartsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void throughputCountsEachEventInItsSecondAndAddsThemUp(@TempDir Path dir) throws Exception {
        long start = 5 * SECOND;
        EventTimes running = new EventTimes();
        EventTimes finished = new EventTimes();
        for (long at : new long[] {start, start + SECOND / 2, start + SECOND, start + 3 * SECOND + 1}) {
            running.record(at);
        }
        finished.record(start + 3 * SECOND);
        Map<String, EventTimes> series = new LinkedHashMap<>();
        series.put("TASK_RUNNING", running);
        series.put("TASK_FINISHED", finished);

        Path png = ThroughputChart.write(results(dir), "t-throughput", "test", start, series);

        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(800);
        assertThat(Files.readAllLines(dir.resolve("t-throughput.csv"))).containsExactly(
                "second,task_running_per_s,task_running_total,task_finished_per_s,task_finished_total",
                "0,2,2,0,0", "1,1,3,0,0", "2,0,3,0,0", "3,1,4,1,1");
    }

    @Test
    void aFillCountsWhatCameUpToEachInstantOfTheLongestRun(@TempDir Path dir) throws Exception {
        long ms = 1_000_000L;
        Map<String, long[]> series = new LinkedHashMap<>();
        series.put("round 1", new long[] {0, 50 * ms, 50 * ms, 100 * ms}); // the longest: 100 ms, 1 ms a point
        series.put("round 2", new long[] {10 * ms, 20 * ms});

        FillChart.write(results(dir), "t-fill", "test", "tasks placed", series);

        List<String> csv = Files.readAllLines(dir.resolve("t-fill.csv"));
        assertThat(csv).hasSize(1 + FillChart.POINTS);
        assertThat(csv.get(0)).isEqualTo("ms,round_1_total,round_2_total");
        assertThat(csv.get(1)).isEqualTo("0.0,1,0");
        assertThat(csv.get(1 + 10)).isEqualTo("10.0,1,1");
        assertThat(csv.get(1 + 49)).isEqualTo("49.0,1,2");
        assertThat(csv.get(1 + 50)).isEqualTo("50.0,3,2");
        assertThat(csv.get(csv.size() - 1)).isEqualTo("100.0,4,2");
    }

    @Test
    void latencyPercentilesAreNearestRankFromMinToP999(@TempDir Path dir) throws Exception {
        List<Long> samples = new ArrayList<>();
        for (long ms = 1000; ms >= 1; ms--) { // 1..1000 ms, unordered on purpose
            samples.add(ms * 1_000_000);
        }

        LatencyChart.write(results(dir), "t-latency", "test", Map.of("reads", samples));

        List<String> csv = Files.readAllLines(dir.resolve("t-latency.csv"));
        assertThat(csv.get(0)).isEqualTo("percentile,reads_ms");
        assertThat(csv.get(1)).isEqualTo("0.0000,1.000");            // the minimum
        assertThat(csv).contains("90.0000,900.000", "99.0000,990.000");
        assertThat(csv.get(csv.size() - 1)).isEqualTo("99.9000,999.000");
    }

    private static ResultsDirectory results(Path dir) throws Exception {
        return ResultsDirectory.create("test", java.time.Clock.systemUTC(), dir.toString());
    }
}
