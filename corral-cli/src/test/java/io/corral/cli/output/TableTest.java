package io.corral.cli.output;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableTest {

    @Test
    void alignsColumnsToTheirWidestCell() {
        Table table = new Table("ID", "STATE", "HOST")
                .row("task-1", "TASK_RUNNING", "a")
                .row("t2", "TASK_FINISHED", "bb");

        assertThat(print(table)).isEqualTo("""
                ID      STATE          HOST
                task-1  TASK_RUNNING   a
                t2      TASK_FINISHED  bb
                """);
    }

    @Test
    void headerAloneWhenThereAreNoRows() {
        assertThat(print(new Table("NAME", "PID"))).isEqualTo("NAME  PID\n");
    }

    @Test
    void nullShowsAsDashAndMissingCellsAreBlank() {
        Table table = new Table("A", "B", "C").row(null, 42).row("x", "y", "z");

        assertThat(print(table)).isEqualTo("""
                A  B   C
                -  42
                x  y   z
                """);
    }

    @Test
    void newlinesInCellsDoNotBreakRows() {
        assertThat(print(new Table("MSG").row("two\nlines"))).isEqualTo("MSG\ntwo lines\n");
    }

    @Test
    void controlAndBidiCharactersFromUserDataAreShownEscaped() {
        // An ANSI escape that would clear the screen, and a right-to-left override that would reverse what follows.
        String printed = print(new Table("NAME").row("evil\u001b[2Jname\u202eexe.txt"));
        assertThat(printed).contains("evil\\u001b[2Jname\\u202eexe.txt");
        assertThat(printed).doesNotContain("\u001b").doesNotContain("\u202e");
    }

    @Test
    void rejectsRowsWiderThanTheHeader() {
        assertThatThrownBy(() -> new Table("A").row("1", "2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 cells but the table has 1 columns");
    }

    private static String print(Table table) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
