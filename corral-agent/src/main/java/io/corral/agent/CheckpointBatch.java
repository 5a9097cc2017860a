package io.corral.agent;

import io.corral.agent.containerizer.AtomicFiles;
import io.corral.protocol.concurrent.DaemonPool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Group commit of the agent's checkpoint records ({@link AgentStore}): a record asked for is not written at once but
 * at the end of the loop's current burst of events, together with every other record asked for meanwhile, and what
 * had to wait for it (sending an update, signalling a kill, starting a task) runs right after. Each record is still
 * written whole and forced to disk ({@link AtomicFiles}); the records of a batch are forced at the same time, from
 * several threads, so the file system commits them in one or a few journal commits instead of one each (an fsync
 * costs 5 ms or more: one per record made the checkpoint the agent's launch bottleneck). A record asked for twice in
 * a batch is written once, with its content as of the flush.
 *
 * <p>The loop waits for the batch's writes: nothing else touches the checkpoint meanwhile, so a record is never
 * written while its directory is being removed, and "written before acted on" holds as before.
 *
 * <p>Threading: used on the agent's event loop only; the flush it posts to the loop hands the writes to its own
 * threads and waits for them.
 */
final class CheckpointBatch {
    /** Writes of one batch at once: enough for the file system to merge their commits. */
    private static final int WRITERS = 8;

    private final Consumer<Runnable> loop;
    private final ExecutorService writers;
    private final Map<Path, Record> records = new LinkedHashMap<>();
    private final List<Runnable> afterCommit = new ArrayList<>();
    private boolean flushPosted;

    /**
     * A record: its content, made at the flush, what to do if it cannot be written (on the loop), and whether it is
     * forced to disk or only needs to survive the agent's crash (the page cache does).
     */
    private record Record(Supplier<byte[]> content, Consumer<IOException> failed, boolean forced) {}

    CheckpointBatch(Consumer<Runnable> loop) {
        this.loop = loop;
        this.writers = DaemonPool.of("agent-checkpoint", WRITERS); // an agent thrown away (tests) leaves none behind
    }

    /**
     * Writes {@code file} with the flush (its content is made then, so it is the latest); {@code failed} is told on
     * the loop if it cannot be written.
     */
    void write(Path file, Supplier<byte[]> content, Consumer<IOException> failed) {
        records.put(file, new Record(content, failed, true));
        postFlush();
    }

    /**
     * As {@link #write}, but not forced to disk unless the same file is also asked for forced in this batch: for a
     * record whose loss to a power cut costs nothing but repeated work ({@link AtomicFiles#writeUnsynced}).
     */
    void writeUnforced(Path file, Supplier<byte[]> content, Consumer<IOException> failed) {
        Record earlier = records.get(file);
        records.put(file, new Record(content, failed, earlier != null && earlier.forced()));
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
    void cancel(Path file) {
        records.remove(file);
    }

    private void postFlush() {
        if (!flushPosted) {
            flushPosted = true;
            loop.accept(this::flush);
        }
    }

    /** Writes the batch (from several threads, waiting for all), then runs what waited for it. On the loop. */
    void flush() {
        flushPosted = false;
        List<Map.Entry<Path, Record>> batch = new ArrayList<>(records.entrySet());
        records.clear();
        List<Runnable> actions = new ArrayList<>(afterCommit);
        afterCommit.clear();
        List<Future<?>> writes = new ArrayList<>(batch.size());
        for (Map.Entry<Path, Record> entry : batch) {
            byte[] content = entry.getValue().content().get();
            if (batch.size() == 1 || !entry.getValue().forced()) {
                writes.add(null); // one record, or one not forced (microseconds): written here, no hand-over
                writeHere(entry.getKey(), content, entry.getValue());
            } else {
                writes.add(writers.submit(() -> {
                    AtomicFiles.write(entry.getKey(), content);
                    return null;
                }));
            }
        }
        for (int i = 0; i < writes.size(); i++) {
            if (writes.get(i) != null) {
                awaitWrite(writes.get(i), batch.get(i).getValue());
            }
        }
        actions.forEach(Runnable::run);
    }

    private static void writeHere(Path file, byte[] content, Record record) {
        try {
            if (record.forced()) {
                AtomicFiles.write(file, content);
            } else {
                AtomicFiles.writeUnsynced(file, content);
            }
        } catch (IOException e) {
            record.failed().accept(e);
        }
    }

    private static void awaitWrite(Future<?> write, Record record) {
        try {
            write.get();
        } catch (ExecutionException e) {
            record.failed().accept(e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            record.failed().accept(new IOException("interrupted while writing the checkpoint"));
        }
    }
}
