package io.corral.bench.charts;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * What every chart shares: its size and look, and writing it as a PNG beside the CSV it was drawn from (so that a
 * chart can be redrawn, or drawn otherwise, from the CSV alone). Stateless.
 */
final class ChartFiles {
    /** Every chart's size in pixels: small enough for docs/charts, large enough to read. */
    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    static {
        // Benchmarks run on machines without a display (CI, ssh); AWT must not look for one. An explicit
        // -Djava.awt.headless wins.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private ChartFiles() {
    }

    /** An empty XY chart of the common size and look. */
    static XYChart xyChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.InsideNW)
                .setLegendBorderColor(Color.LIGHT_GRAY).setPlotBorderVisible(false).setAntiAlias(true);
        chart.getStyler().setMarkerSize(9).setChartTitleBoxVisible(false);
        return chart;
    }

    /** Writes {@code chart} to {@code file} as a PNG of {@link #WIDTH} x {@link #HEIGHT}. */
    static Path png(XYChart chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
    }

    /** Writes {@code header} and {@code rows} (already formatted, comma-separated) to {@code file}. */
    static Path csv(Path file, String header, List<String> rows) throws IOException {
        StringBuilder text = new StringBuilder(header).append('\n');
        rows.forEach(row -> text.append(row).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }
}
