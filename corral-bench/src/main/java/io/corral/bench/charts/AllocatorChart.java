package io.corral.bench.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The allocation cycle time against cluster size, from {@code AllocatorCycleBenchmark}'s JMH results in JSON
 * ({@code -rf json -rff <file>}): p50 and p99 per shape (agents x frameworks x roles), with and without policies,
 * both axes logarithmic. Writes {@code allocator-cycle.png} and {@code allocator-cycle.csv}
 * ({@code shape,agents,frameworks,roles,policies,p50_ms,p99_ms,max_ms}).
 *
 * <p>Usage: {@code java ... io.corral.bench.charts.AllocatorChart <jmh-results.json>} (the directory: see
 * {@link ResultsDirectory}); {@code bench/allocator-chart} runs the benchmark and this. Threading: stateless.
 */
public final class AllocatorChart {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One JMH result: a shape, with or without policies, and its percentiles in milliseconds. */
    record Point(String shape, int agents, int frameworks, int roles, boolean policies, double p50, double p99,
                 double max) {
    }

    private AllocatorChart() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: AllocatorChart <jmh-results.json>   (written by JMH's -rf json -rff <file>)");
            System.exit(2);
        }
        Path png = write(ResultsDirectory.create("allocator", Clock.systemUTC()), Path.of(args[0]));
        System.out.println("chart: " + png);
    }

    /** Draws the results in {@code jmhJson}; returns the PNG written. */
    public static Path write(ResultsDirectory results, Path jmhJson) throws IOException {
        List<Point> points = read(jmhJson);
        if (points.isEmpty()) {
            throw new IllegalArgumentException(jmhJson + " holds no AllocatorCycleBenchmark result");
        }
        String shapes = points.stream().map(Point::shape).distinct().collect(Collectors.joining(", "));
        XYChart chart = ChartFiles.xyChart("Allocation cycle, agents x frameworks x roles: " + shapes,
                "agents", "milliseconds per cycle");
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
                .setXAxisDecimalPattern("#,###");
        Map<Boolean, List<Point>> byPolicies = new LinkedHashMap<>();
        points.forEach(p -> byPolicies.computeIfAbsent(p.policies(), k -> new ArrayList<>()).add(p));
        for (Map.Entry<Boolean, List<Point>> entry : byPolicies.entrySet()) {
            String suffix = entry.getKey() ? ", policies" : "";
            List<Point> line = entry.getValue();
            double[] agents = line.stream().mapToDouble(Point::agents).toArray();
            chart.addSeries("p50" + suffix, agents, line.stream().mapToDouble(Point::p50).toArray())
                    .setXYSeriesRenderStyle(XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.CIRCLE);
            chart.addSeries("p99" + suffix, agents, line.stream().mapToDouble(Point::p99).toArray())
                    .setXYSeriesRenderStyle(XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.TRIANGLE_UP);
        }
        List<String> rows = points.stream().map(p -> String.format(Locale.ROOT, "%s,%d,%d,%d,%b,%.4f,%.4f,%.4f",
                p.shape(), p.agents(), p.frameworks(), p.roles(), p.policies(), p.p50(), p.p99(), p.max())).toList();
        ChartFiles.csv(results.file("allocator-cycle.csv"), "shape,agents,frameworks,roles,policies,p50_ms,p99_ms,"
                + "max_ms", rows);
        return ChartFiles.png(chart, results.file("allocator-cycle.png"));
    }

    /** The cycle benchmark's results in {@code jmhJson}, by policies then agents. */
    static List<Point> read(Path jmhJson) throws IOException {
        List<Point> points = new ArrayList<>();
        for (JsonNode result : JSON.readTree(jmhJson.toFile())) {
            if (!result.path("benchmark").asText().contains("AllocatorCycleBenchmark")) {
                continue;
            }
            String shape = result.path("params").path("shape").asText();
            String[] parts = shape.split("x");
            JsonNode metric = result.path("primaryMetric");
            double toMs = toMillis(metric.path("scoreUnit").asText());
            JsonNode percentiles = metric.path("scorePercentiles");
            points.add(new Point(shape, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2]), result.path("params").path("policies").asBoolean(),
                    percentiles.path("50.0").asDouble() * toMs, percentiles.path("99.0").asDouble() * toMs,
                    percentiles.path("100.0").asDouble() * toMs));
        }
        points.sort(Comparator.comparing(Point::policies).thenComparingInt(Point::agents));
        return points;
    }

    /** JMH's sample-time unit ("ms/op", "us/op"...) to milliseconds. */
    private static double toMillis(String unit) {
        return switch (unit.substring(0, unit.indexOf('/'))) {
            case "s" -> 1000;
            case "ms" -> 1;
            case "us" -> 1e-3;
            case "ns" -> 1e-6;
            default -> throw new IllegalArgumentException("unknown JMH unit " + unit);
        };
    }
}
