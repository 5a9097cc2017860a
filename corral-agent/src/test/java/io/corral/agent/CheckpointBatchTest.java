package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's group commit of checkpoint records, driven by hand as the agent's loop would run it. */
class CheckpointBatchTest {
    @TempDir Path workDir;

    /** The loop: what the batch posts waits here until the test runs it. */
    private final Queue<Runnable> loop = new ArrayDeque<>();
    private AgentStore store;
    private CheckpointBatch batch;
    private final List<String> happened = new ArrayList<>();

    private void open() {
        store = new AgentStore(workDir);
        batch = new CheckpointBatch(loop::add, store);
    }

    @Test
    void whatWaitsForARecordRunsOnlyOnceItIsOnDiskWithItsLatestContent() throws Exception {
        open();
        String[] content = {"first"};
        batch.write("task", () -> bytes(content[0]), e -> happened.add("failed"));
        batch.afterCommit(() -> happened.add("sent, the log says " + readBackUnchecked("task")));
        content[0] = "second"; // changed before the flush: the record is made at the flush
        batch.write("task", () -> bytes(content[0]), e -> happened.add("failed"));

        assertThat(happened).as("nothing before the loop flushes").isEmpty();
        assertThat(readBack("task")).isNull();
        runLoop();

        assertThat(happened).containsExactly("sent, the log says second");
    }

    @Test
    void withNothingWaitingAnActionRunsAtOnce() {
        open();
        batch.afterCommit(() -> happened.add("at once"));
        assertThat(happened).containsExactly("at once");
        assertThat(loop).isEmpty();
    }

    @Test
    void aCancelledRecordIsNotWrittenAndSeveralAreWrittenTogether() throws Exception {
        open();
        batch.write("gone", () -> bytes("x"), e -> happened.add("failed"));
        for (int i = 0; i < 20; i++) {
            int n = i;
            batch.write("record-" + i, () -> bytes("r" + n), e -> happened.add("failed " + n));
        }
        batch.cancel("gone");
        batch.afterCommit(() -> happened.add("after"));
        runLoop();

        assertThat(readBack("gone")).isNull();
        for (int i = 0; i < 20; i++) {
            assertThat(readBack("record-" + i)).isEqualTo("r" + i);
        }
        assertThat(happened).containsExactly("after");
    }

    @Test
    void aBatchThatCannotBeWrittenIsReportedForEachRecordBeforeWhatWaitedAndLeavesNothing() throws Exception {
        open();
        batch.write("a", () -> bytes("x"), e -> happened.add("failed a"));
        batch.writeUnforced("b", () -> bytes("y"), e -> happened.add("failed b"));
        batch.afterCommit(() -> happened.add("after"));
        store.close(); // every write fails from here
        runLoop();

        assertThat(happened).containsExactly("failed a", "failed b", "after");
        assertThat(readBack("a")).isNull();
        assertThat(readBack("b")).isNull();
    }

    private void runLoop() {
        while (!loop.isEmpty()) {
            loop.poll().run();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private String readBackUnchecked(String key) {
        try {
            return readBack(key);
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }

    /** The record as a restarted agent would read it from the file. */
    private String readBack(String key) throws IOException {
        try (CheckpointLog log = CheckpointLog.open(workDir.resolve("meta").resolve(CheckpointLog.FILE))) {
            byte[] value = log.get(key);
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }
}
