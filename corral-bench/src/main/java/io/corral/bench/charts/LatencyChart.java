package io.corral.bench.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A latency distribution as a percentile curve, from the minimum to p99.9, one curve per series (e.g.
 * {@code /master/state} and GET_STATE), with each series' p50 and p99 marked and given in the legend. The x axis
 * counts "nines", -log10(1 - p): 0 is the minimum, 1 p90, 2 p99, 3 p99.9, so the tail gets as much room as the
 * body. Writes {@code <name>.png} and {@code <name>.csv} ({@code percentile,<series>_ms,...}: 61 percentiles,
 * evenly spaced on that axis).
 *
 * <p>Percentiles are nearest-rank over all samples. Threading: stateless.
 */
public final class LatencyChart {
    /** Points per decade of 1/(1 - p): 0 .. 99.9 is three decades. */
    private static final int STEPS_PER_DECADE = 20;
    private static final int DECADES = 3;
    /** Above this the chart's unit is seconds rather than milliseconds. */
    private static final double SECONDS_ABOVE_MS = 10_000;

    private LatencyChart() {
    }

    /**
     * @param series each curve's name and its samples in nanoseconds, in legend order
     * @return the PNG written
     */
    public static Path write(ResultsDirectory results, String name, String title, Map<String, List<Long>> series)
            throws IOException {
        List<String> names = new ArrayList<>(series.keySet());
        List<long[]> sorted = new ArrayList<>();
        double maxMs = 0;
        for (List<Long> samples : series.values()) {
            long[] values = samples.stream().mapToLong(Long::longValue).sorted().toArray();
            sorted.add(values);
            maxMs = Math.max(maxMs, values.length == 0 ? 0 : values[values.length - 1] / 1e6);
        }
        boolean inSeconds = maxMs > SECONDS_ABOVE_MS;
        double unit = inSeconds ? 1000 : 1;
        // The x axis is in nines with plain numbers: XChart 3.8.8's tick label formatting function never returns
        // (an endless loop in its tick calculator) once a chart mixes series of differently spaced x values.
        XYChart chart = ChartFiles.xyChart(title, "percentile in nines: 0 = min, 1 = p90, 2 = p99, 3 = p99.9",
                inSeconds ? "seconds" : "milliseconds");
        // Bottom right: a percentile curve only rises, so that corner is empty.
        chart.getStyler().setXAxisDecimalPattern("0.#").setYAxisMin(0.0)
                .setLegendPosition(Styler.LegendPosition.InsideSE);

        int points = STEPS_PER_DECADE * DECADES + 1;
        double[] x = new double[points];
        double[] percentiles = new double[points];
        for (int k = 0; k < points; k++) {
            x[k] = (double) k / STEPS_PER_DECADE;
            percentiles[k] = 100 * (1 - Math.pow(10, -x[k]));
        }
        List<String> rows = new ArrayList<>();
        for (int k = 0; k < points; k++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%.4f", percentiles[k]));
            for (long[] values : sorted) {
                row.append(String.format(Locale.ROOT, ",%.3f", percentileMs(values, percentiles[k])));
            }
            rows.add(row.toString());
        }
        Color[] palette = chart.getStyler().getSeriesColors();
        for (int i = 0; i < names.size(); i++) {
            long[] values = sorted.get(i);
            if (values.length == 0) {
                continue;
            }
            double[] y = new double[points];
            for (int k = 0; k < points; k++) {
                y[k] = percentileMs(values, percentiles[k]) / unit;
            }
            Color color = palette[i % palette.length];
            XYSeries curve = chart.addSeries(String.format(Locale.ROOT, "%s (%,d samples)", names.get(i),
                    values.length), x, y);
            curve.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE)
                    .setLineStyle(new BasicStroke(2f)).setLineColor(color);
            mark(chart, names.get(i), "p50", Math.log10(2), percentileMs(values, 50), unit, inSeconds, color);
            mark(chart, names.get(i), "p99", 2, percentileMs(values, 99), unit, inSeconds, color);
        }
        StringBuilder header = new StringBuilder("percentile");
        names.forEach(n -> header.append(',').append(ThroughputChart.column(n)).append("_ms"));
        ChartFiles.csv(results.file(name + ".csv"), header.toString(), rows);
        return ChartFiles.png(chart, results.file(name + ".png"));
    }

    /** One marked point, its value in the legend. */
    private static void mark(XYChart chart, String series, String label, double x, double ms, double unit,
                             boolean inSeconds, Color color) {
        String value = inSeconds ? String.format(Locale.ROOT, "%.2f s", ms / 1000)
                : String.format(Locale.ROOT, "%.1f ms", ms);
        chart.addSeries(series + " " + label + " = " + value, new double[] {x}, new double[] {ms / unit})
                .setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter)
                .setMarker(label.equals("p50") ? SeriesMarkers.DIAMOND : SeriesMarkers.TRIANGLE_UP)
                .setMarkerColor(color.darker());
    }

    /** Nearest-rank percentile {@code p} (0..100) of sorted nanoseconds, in milliseconds; p0 is the minimum. */
    static double percentileMs(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100 * sortedNanos.length - 1e-9);
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
    }
}
