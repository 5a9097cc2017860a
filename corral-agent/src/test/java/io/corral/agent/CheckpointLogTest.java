package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint's append-only file on a real file system: read back after crashes, damage and compaction. */
class CheckpointLogTest {
    @TempDir Path dir;

    private Path file() {
        return dir.resolve(CheckpointLog.FILE);
    }

    private static CheckpointLog.Change put(String key, String value) {
        return CheckpointLog.Change.put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Test
    void theLatestRecordOfEachKeyIsReadBackAndADeletedKeyIsGone() throws Exception {
        try (CheckpointLog log = CheckpointLog.open(file())) {
            log.append(List.of(put("a/1", "one"), put("a/2", "two"), put("b", "bee")), true);
            log.append(List.of(put("a/1", "uno"), CheckpointLog.Change.delete("b")), false);
        }
        try (CheckpointLog log = CheckpointLog.open(file())) {
            assertThat(text(log.get("a/1"))).isEqualTo("uno");
            assertThat(log.under("a/").keySet()).containsExactly("a/1", "a/2");
            assertThat(log.get("b")).isNull();
            assertThat(log.damaged()).isEmpty();
        }
    }

    @Test
    void aTornLastAppendIsDroppedAndTheFileCutBackSoLaterAppendsReadBack() throws Exception {
        long whole;
        try (CheckpointLog log = CheckpointLog.open(file())) {
            log.append(List.of(put("kept", "yes")), true);
            whole = Files.size(file());
            log.append(List.of(put("torn", "x".repeat(100))), true);
        }
        byte[] bytes = Files.readAllBytes(file());
        Files.write(file(), java.util.Arrays.copyOf(bytes, (int) whole + 30));

        try (CheckpointLog log = CheckpointLog.open(file())) {
            assertThat(text(log.get("kept"))).isEqualTo("yes");
            assertThat(log.get("torn")).isNull();
            assertThat(log.damaged()).isEmpty();
            assertThat(Files.size(file())).isEqualTo(whole);
            log.append(List.of(put("after", "fine")), true);
        }
        try (CheckpointLog log = CheckpointLog.open(file())) {
            assertThat(text(log.get("after"))).isEqualTo("fine");
        }
    }

    @Test
    void aDamagedRecordInTheMiddleIsReportedByItsKeyEvenNotAsciiUntilALaterRecordReplacesIt() throws Exception {
        try (CheckpointLog log = CheckpointLog.open(file())) {
            log.append(List.of(put("first", "value-of-first")), true);
            log.append(List.of(put("second-é", "value-of-second")), true);
            log.append(List.of(put("third", "value-of-third")), true);
        }
        flip("value-of-second");
        try (CheckpointLog log = CheckpointLog.open(file())) {
            assertThat(text(log.get("first"))).isEqualTo("value-of-first");
            assertThat(text(log.get("third"))).isEqualTo("value-of-third");
            assertThat(log.get("second-é")).isNull();
            assertThat(log.damaged()).containsOnlyKeys("second-é");
            assertThat(log.damaged().get("second-é")).contains("damaged").contains("checksum");
            log.append(List.of(put("second-é", "written again")), true);
        }
        try (CheckpointLog log = CheckpointLog.open(file())) {
            assertThat(text(log.get("second-é"))).isEqualTo("written again");
            assertThat(log.damaged()).isEmpty();
        }
    }

    @Test
    void aLogMuchLargerThanItsLiveRecordsIsRewrittenWithThemAlone() throws Exception {
        String big = "x".repeat(64 * 1024);
        long grownTo = 0;
        try (CheckpointLog log = CheckpointLog.open(file())) {
            log.append(List.of(put("stays", "here")), true);
            for (int i = 0; i < 200; i++) { // 12.5 MiB of records of one key, each replacing the last
                log.append(List.of(put("churn", big + i)), false);
                grownTo = Math.max(grownTo, Files.size(file()));
            }
        }
        // 12.5 MiB appended, but the file never held much more than the threshold, and holds less now.
        assertThat(grownTo).isLessThan(CheckpointLog.COMPACT_AT_LEAST + 2 * big.length());
        assertThat(Files.size(file())).isLessThan(CheckpointLog.COMPACT_AT_LEAST);
        assertThat(dir.resolve(CheckpointLog.FILE + ".compacting")).doesNotExist();
        try (CheckpointLog log = CheckpointLog.open(file())) {
            assertThat(text(log.get("stays"))).isEqualTo("here");
            assertThat(text(log.get("churn"))).isEqualTo(big + 199);
            assertThat(log.under("")).hasSize(2);
        }
    }

    @Test
    void anAppendThatFailsLeavesNothingBehind() throws Exception {
        CheckpointLog log = CheckpointLog.open(file());
        log.append(List.of(put("before", "1")), true);
        log.close(); // every write fails from here

        assertThatThrownBy(() -> log.append(List.of(put("lost", "2")), true)).isInstanceOf(IOException.class);

        assertThat(log.get("lost")).as("not kept in memory").isNull();
        try (CheckpointLog again = CheckpointLog.open(file())) {
            assertThat(again.get("lost")).isNull();
            assertThat(text(again.get("before"))).isEqualTo("1");
        }
    }

    @Test
    void aFileThatIsNoCheckpointIsRefusedWithWhatToDo() throws Exception {
        Files.writeString(file(), "something else entirely\n");

        assertThatThrownBy(() -> CheckpointLog.open(file())).isInstanceOf(IOException.class)
                .hasMessageContaining("not a Corral agent checkpoint").hasMessageContaining("move it away");
        assertThat(Files.readString(file())).isEqualTo("something else entirely\n");
    }

    @Test
    void oversizedKeysAreRefusedBeforeAnythingIsWritten() throws Exception {
        try (CheckpointLog log = CheckpointLog.open(file())) {
            long before = Files.size(file());
            List<CheckpointLog.Change> changes = new ArrayList<>();
            changes.add(put("fine", "1"));
            changes.add(put("k".repeat(70_000), "2"));

            assertThatThrownBy(() -> log.append(changes, true)).isInstanceOf(IOException.class)
                    .hasMessageContaining("out of bounds");
            assertThat(Files.size(file())).isEqualTo(before);
            assertThat(log.get("fine")).isNull();
        }
    }

    /** Flips one bit inside {@code text} in the file, as a failing disk would. */
    private void flip(String text) throws IOException {
        byte[] bytes = Files.readAllBytes(file());
        String content = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = content.indexOf(text);
        assertThat(at).isPositive();
        bytes[at + 3] ^= 0x01;
        Files.write(file(), bytes);
    }
}
