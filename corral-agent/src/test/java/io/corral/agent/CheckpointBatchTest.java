package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's group commit of checkpoint records, driven by hand as the agent's loop would run it. */
class CheckpointBatchTest {
    @TempDir Path dir;

    /** The loop: what the batch posts waits here until the test runs it. */
    private final Queue<Runnable> loop = new ArrayDeque<>();
    private final CheckpointBatch batch = new CheckpointBatch(loop::add);
    private final List<String> happened = new ArrayList<>();

    @Test
    void whatWaitsForARecordRunsOnlyOnceItIsOnDiskWithItsLatestContent() throws Exception {
        Path task = dir.resolve("task.info");
        String[] content = {"first"};
        batch.write(task, () -> bytes(content[0]), e -> happened.add("failed"));
        batch.afterCommit(() -> happened.add("sent, file says " + read(task)));
        content[0] = "second"; // changed before the flush: the record is made at the flush
        batch.write(task, () -> bytes(content[0]), e -> happened.add("failed"));

        assertThat(happened).as("nothing before the loop flushes").isEmpty();
        assertThat(task).doesNotExist();
        runLoop();

        assertThat(happened).containsExactly("sent, file says second");
    }

    @Test
    void withNothingWaitingAnActionRunsAtOnce() {
        batch.afterCommit(() -> happened.add("at once"));
        assertThat(happened).containsExactly("at once");
        assertThat(loop).isEmpty();
    }

    @Test
    void aCancelledRecordIsNotWrittenAndSeveralAreWrittenTogether() throws Exception {
        Path gone = dir.resolve("gone");
        batch.write(gone, () -> bytes("x"), e -> happened.add("failed"));
        for (int i = 0; i < 20; i++) {
            int n = i;
            batch.write(dir.resolve("record-" + i), () -> bytes("r" + n), e -> happened.add("failed " + n));
        }
        batch.cancel(gone);
        batch.afterCommit(() -> happened.add("after"));
        runLoop();

        assertThat(gone).doesNotExist();
        for (int i = 0; i < 20; i++) {
            assertThat(read(dir.resolve("record-" + i))).isEqualTo("r" + i);
        }
        assertThat(happened).containsExactly("after");
    }

    @Test
    void aRecordThatCannotBeWrittenIsReportedBeforeWhatWaitedForIt() throws Exception {
        Path blocked = Files.writeString(dir.resolve("not-a-directory"), "file");
        batch.write(blocked.resolve("record"), () -> bytes("x"), e -> happened.add("failed"));
        batch.write(dir.resolve("fine"), () -> bytes("y"), e -> happened.add("failed fine"));
        batch.afterCommit(() -> happened.add("after"));
        runLoop();

        assertThat(happened).containsExactly("failed", "after");
        assertThat(read(dir.resolve("fine"))).isEqualTo("y");
    }

    private void runLoop() {
        while (!loop.isEmpty()) {
            loop.poll().run();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
