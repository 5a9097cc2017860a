package io.corral.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Group commit of the agent's checkpoint records ({@link AgentStore}): a record asked for is not written at once but
 * at the end of the loop's current burst of events, together with every other record asked for meanwhile, in one
 * append to the checkpoint's log forced to disk once ({@link CheckpointLog}), and what had to wait for it (sending an
 * update, signalling a kill, starting a task) runs right after. A record asked for twice in a batch is written once,
 * with its content as of the flush.
 *
 * <p>The batch is written whole or not at all: when the append fails, every record of it is told, and none is kept.
 *
 * <p>Threading: used on the agent's event loop only; the flush it posts to the loop writes there.
 */
final class CheckpointBatch {
    private final Consumer<Runnable> loop;
    private final AgentStore store;
    private final Map<String, Record> records = new LinkedHashMap<>();
    private final List<Runnable> afterCommit = new ArrayList<>();
    private boolean flushPosted;

    /**
     * A record: its content, made at the flush, what to do if it cannot be written (on the loop), and whether it is
     * forced to disk or only needs to survive the agent's crash (the page cache does).
     */
    private record Record(Supplier<byte[]> content, Consumer<IOException> failed, boolean forced) {}

    CheckpointBatch(Consumer<Runnable> loop, AgentStore store) {
        this.loop = loop;
        this.store = store;
    }

    /**
     * Writes the record {@code key} with the flush (its content is made then, so it is the latest); {@code failed} is
     * told on the loop if it cannot be written.
     */
    void write(String key, Supplier<byte[]> content, Consumer<IOException> failed) {
        records.put(key, new Record(content, failed, true));
        postFlush();
    }

    /**
     * As {@link #write}, but the batch is not forced to disk for it: for a record whose loss to a power cut costs
     * nothing but repeated work (an acknowledgement: the update is sent again).
     */
    void writeUnforced(String key, Supplier<byte[]> content, Consumer<IOException> failed) {
        Record earlier = records.get(key);
        records.put(key, new Record(content, failed, earlier != null && earlier.forced()));
        postFlush();
    }

    /** Runs {@code action} once every record asked for so far is on disk: at once when none is waiting. */
    void afterCommit(Runnable action) {
        if (records.isEmpty()) {
            action.run();
        } else {
            afterCommit.add(action);
        }
    }

    /** A record that is about to be deleted need not be written (and must not be, after its deletion). */
    void cancel(String key) {
        records.remove(key);
    }

    private void postFlush() {
        if (!flushPosted) {
            flushPosted = true;
            loop.accept(this::flush);
        }
    }

    /** Appends the batch, then runs what waited for it. On the loop. */
    void flush() {
        flushPosted = false;
        List<Map.Entry<String, Record>> batch = new ArrayList<>(records.entrySet());
        records.clear();
        List<Runnable> actions = new ArrayList<>(afterCommit);
        afterCommit.clear();
        List<CheckpointLog.Change> changes = new ArrayList<>(batch.size());
        boolean force = false;
        for (Map.Entry<String, Record> entry : batch) {
            changes.add(CheckpointLog.Change.put(entry.getKey(), entry.getValue().content().get()));
            force |= entry.getValue().forced();
        }
        try {
            store.commit(changes, force);
        } catch (IOException e) {
            batch.forEach(entry -> entry.getValue().failed().accept(e));
        }
        actions.forEach(Runnable::run);
    }
}
