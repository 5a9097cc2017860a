package io.corral.bench.charts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * How a run that lasts under a second or a few filled up: events counted so far (tasks placed, say) against the
 * milliseconds since the run's start, one line per run, at {@link #POINTS} evenly spaced instants up to the longest
 * run's end. Writes {@code <name>.png} and {@code <name>.csv} ({@code ms,<series>_total,...}).
 *
 * <p>Threading: stateless.
 */
public final class FillChart {
    /** Instants on the x axis (and rows in the CSV), the last at the longest run's last event. */
    static final int POINTS = 101;

    private FillChart() {
    }

    /**
     * @param series each line's name and its events as nanoseconds since its own start, in legend order
     * @return the PNG written
     */
    public static Path write(ResultsDirectory results, String name, String title, String events,
                             Map<String, long[]> series) throws IOException {
        long endNanos = 1;
        for (long[] offsets : series.values()) {
            for (long offset : offsets) {
                endNanos = Math.max(endNanos, offset);
            }
        }
        double[] x = new double[POINTS];
        for (int p = 0; p < POINTS; p++) {
            x[p] = endNanos * (double) p / (POINTS - 1) / 1e6;
        }
        List<long[]> totals = new ArrayList<>();
        for (long[] offsets : series.values()) {
            totals.add(countsUpTo(offsets, endNanos));
        }
        XYChart chart = ChartFiles.xyChart(title, "milliseconds since the start", events + " so far");
        chart.getStyler().setYAxisMin(0.0);
        int i = 0;
        for (String seriesName : series.keySet()) {
            double[] y = new double[POINTS];
            long[] counts = totals.get(i++);
            for (int p = 0; p < POINTS; p++) {
                y[p] = counts[p];
            }
            chart.addSeries(String.format(Locale.ROOT, "%s (%,d in %.0f ms)", seriesName, counts[POINTS - 1],
                            lastMillis(series.get(seriesName))), x, y)
                    .setXYSeriesRenderStyle(XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE);
        }
        List<String> rows = new ArrayList<>(POINTS);
        for (int p = 0; p < POINTS; p++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%.1f", x[p]));
            for (long[] counts : totals) {
                row.append(',').append(counts[p]);
            }
            rows.add(row.toString());
        }
        StringBuilder header = new StringBuilder("ms");
        series.keySet().forEach(n -> header.append(',').append(ThroughputChart.column(n)).append("_total"));
        ChartFiles.csv(results.file(name + ".csv"), header.toString(), rows);
        return ChartFiles.png(chart, results.file(name + ".png"));
    }

    /** Per point: how many of {@code offsets} are at or before it (the last point counts them all). */
    static long[] countsUpTo(long[] offsets, long endNanos) {
        long[] sorted = offsets.clone();
        java.util.Arrays.sort(sorted);
        long[] counts = new long[POINTS];
        int seen = 0;
        for (int p = 0; p < POINTS; p++) {
            long at = p == POINTS - 1 ? Long.MAX_VALUE : endNanos * p / (POINTS - 1);
            while (seen < sorted.length && sorted[seen] <= at) {
                seen++;
            }
            counts[p] = seen;
        }
        return counts;
    }

    private static double lastMillis(long[] offsets) {
        long last = 0;
        for (long offset : offsets) {
            last = Math.max(last, offset);
        }
        return last / 1e6;
    }
}
