package io.corral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MesosIdsTest {

    @Test
    void acceptsWhatMesosAccepts() {
        assertThat(MesosIds.invalidReason("task-1")).isNull();
        assertThat(MesosIds.invalidReason("a.b_c-d:e@f")).isNull();
        assertThat(MesosIds.invalidReason("...")).isNull();
        assertThat(MesosIds.invalidReason("\u00e9t\u00e9 \ud83d\udca5")).isNull();
        assertThat(MesosIds.invalidReason("x".repeat(255))).isNull();
    }

    @Test
    void refusesWithMesosMessages() {
        assertThat(MesosIds.invalidReason("")).isEqualTo("ID must not be empty");
        assertThat(MesosIds.invalidReason("x".repeat(256))).isEqualTo("ID must not be greater than 255 characters");
        assertThat(MesosIds.invalidReason(".")).isEqualTo("'.' is disallowed");
        assertThat(MesosIds.invalidReason("..")).isEqualTo("'..' is disallowed");
        assertThat(MesosIds.invalidReason("a/b")).isEqualTo("'a/b' contains invalid characters");
        assertThat(MesosIds.invalidReason("../../etc")).isEqualTo("'../../etc' contains invalid characters");
        assertThat(MesosIds.invalidReason("a\\b")).isEqualTo("'a\\b' contains invalid characters");
        assertThat(MesosIds.invalidReason("a\u0000b")).isEqualTo("'a\u0000b' contains invalid characters");
        assertThat(MesosIds.invalidReason("tab\there")).isEqualTo("'tab\there' contains invalid characters");
        assertThat(MesosIds.invalidReason("\u007f")).isEqualTo("'\u007f' contains invalid characters");
    }
}
