package io.corral.bench.charts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Throughput over a run: events per second (tasks reaching TASK_RUNNING, TASK_FINISHED...) counted in one-second
 * buckets from the run's start, one line per kind of event. Writes {@code <name>.png} and {@code <name>.csv}
 * ({@code second,<series>_per_s,<series>_total,...}: the events in each second and all of them up to its end).
 *
 * <p>Threading: stateless.
 */
public final class ThroughputChart {
    private ThroughputChart() {
    }

    /**
     * @param startNanos the run's start ({@link System#nanoTime}); events before it count in the first second
     * @param series     each line's name and its events, in legend order
     * @return the PNG written
     */
    public static Path write(ResultsDirectory results, String name, String title, long startNanos,
                             Map<String, EventTimes> series) throws IOException {
        List<String> names = new ArrayList<>(series.keySet());
        List<int[]> perSecond = new ArrayList<>();
        int seconds = 1;
        for (EventTimes events : series.values()) {
            int[] buckets = buckets(events.snapshot(), startNanos);
            perSecond.add(buckets);
            seconds = Math.max(seconds, buckets.length);
        }
        XYChart chart = ChartFiles.xyChart(title, "seconds since the run's start", "per second");
        // Below the plot: a run's busiest seconds can be anywhere.
        chart.getStyler().setYAxisMin(0.0).setLegendPosition(Styler.LegendPosition.OutsideS)
                .setLegendLayout(Styler.LegendLayout.Horizontal);
        List<String> rows = new ArrayList<>();
        long[] totals = new long[names.size()];
        for (int s = 0; s < seconds; s++) {
            StringBuilder row = new StringBuilder(Integer.toString(s));
            for (int i = 0; i < names.size(); i++) {
                int count = s < perSecond.get(i).length ? perSecond.get(i)[s] : 0;
                totals[i] += count;
                row.append(',').append(count).append(',').append(totals[i]);
            }
            rows.add(row.toString());
        }
        // Headroom above the busiest second, which XChart would put on the plot's top edge.
        double busiest = perSecond.stream().flatMapToInt(java.util.Arrays::stream).max().orElse(0);
        chart.getStyler().setYAxisMax(Math.max(1, busiest * 1.1));
        for (int i = 0; i < names.size(); i++) {
            double[] x = new double[seconds];
            double[] y = new double[seconds];
            for (int s = 0; s < seconds; s++) {
                x[s] = s;
                y[s] = s < perSecond.get(i).length ? perSecond.get(i)[s] : 0;
            }
            chart.addSeries(String.format(Locale.ROOT, "%s (%,d in all)", names.get(i), totals[i]), x, y)
                    .setXYSeriesRenderStyle(XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE);
        }
        StringBuilder header = new StringBuilder("second");
        names.forEach(n -> header.append(',').append(column(n)).append("_per_s,").append(column(n)).append("_total"));
        ChartFiles.csv(results.file(name + ".csv"), header.toString(), rows);
        return ChartFiles.png(chart, results.file(name + ".png"));
    }

    /** Events per whole second since {@code startNanos}; as many buckets as the last event needs. */
    static int[] buckets(long[] sortedNanos, long startNanos) {
        if (sortedNanos.length == 0) {
            return new int[0];
        }
        int[] buckets = new int[second(sortedNanos[sortedNanos.length - 1], startNanos) + 1];
        for (long at : sortedNanos) {
            buckets[second(at, startNanos)]++;
        }
        return buckets;
    }

    private static int second(long at, long startNanos) {
        return (int) Math.max(0, (at - startNanos) / 1_000_000_000L);
    }

    /** A series name as a CSV column: lower case, letters and digits joined by '_'. */
    static String column(String seriesName) {
        return seriesName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
    }
}
