package io.corral.cli.output;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A plain text table for terminal output: a header row and left-aligned columns separated by two spaces,
 * each as wide as its widest cell.
 *
 * <pre>{@code
 * Table table = new Table("ID", "STATE");
 * table.row("task-1", "TASK_RUNNING");
 * table.print(System.out);
 * }</pre>
 *
 * <p>Threading: not thread-safe; build and print it on one thread.
 */
public final class Table {
    private static final String COLUMN_GAP = "  ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column header");
        }
        this.headers = List.of(headers);
    }

    /**
     * Adds a row. Cells are shown with {@code String.valueOf}; {@code null} shows as "-". A row with fewer cells than
     * there are headers is padded with empty cells.
     */
    public Table row(Object... cells) {
        if (cells.length > headers.size()) {
            throw new IllegalArgumentException(
                    "row has " + cells.length + " cells but the table has " + headers.size() + " columns: "
                            + Arrays.toString(cells));
        }
        List<String> row = new ArrayList<>(headers.size());
        for (int i = 0; i < headers.size(); i++) {
            row.add(i < cells.length ? display(cells[i]) : "");
        }
        rows.add(row);
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    /** Prints the header row, then every row in the order added. */
    public void print(PrintStream out) {
        int[] widths = columnWidths();
        out.println(format(headers, widths));
        for (List<String> row : rows) {
            out.println(format(row, widths));
        }
        out.flush();
    }

    private int[] columnWidths() {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        return widths;
    }

    private static String format(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            line.append(cell);
            boolean last = i == cells.size() - 1;
            if (!last) {
                line.append(" ".repeat(widths[i] - cell.length())).append(COLUMN_GAP);
            }
        }
        return line.toString().stripTrailing();
    }

    /**
     * The cell as it is shown: newlines would break the alignment of every later column, and other control or
     * formatting characters from user data (escape sequences, bidi overrides) could rewrite the terminal, so each is
     * shown as a visible {@code \\uXXXX} escape.
     */
    private static String display(Object cell) {
        String text = Objects.toString(cell, "-").replace('\n', ' ').replace('\r', ' ');
        StringBuilder shown = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return shown.toString();
    }
}
