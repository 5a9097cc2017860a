package io.corral.protocol.http;

import io.corral.protocol.concurrent.BackgroundPriority;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * What a large answer's renderer writes into when its readers take gzip: the bytes are compressed on another thread, a
 * chunk at a time, while the renderer writes the next, so that rendering and compressing a 51 MB {@code /master/state}
 * overlap instead of adding up (they cost about the same). An answer smaller than one chunk is compressed on the
 * writer's thread, at the end, with no hand-off.
 *
 * <p>The compressing thread is one per process, shared by every answer, at a lower CPU priority
 * ({@link BackgroundPriority}): it does work that readers wait for, not work that the master's loop waits for.
 *
 * <p>Threading: written by one thread, the renderer's. Its chunks are compressed in order, each by a task chained
 * after the one before, so the gzip stream is used by one thread at a time and {@link #drain} hands it back. At most
 * {@link #MAX_WAITING} chunks wait to be compressed: a renderer faster than the compressor then waits for it, and
 * the compressor never waits for a renderer, so they cannot deadlock.
 */
final class OverlappedCompression extends OutputStream {
    static final int CHUNK = 256 * 1024;
    private static final int MAX_WAITING = 8;
    private static final int COMPRESSOR_NICE = 10;
    private static final ExecutorService COMPRESSOR = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(() -> {
            BackgroundPriority.lowerCurrentThread(COMPRESSOR_NICE);
            task.run();
        }, "gzip-compressor");
        thread.setDaemon(true);
        return thread;
    });

    private final OutputStream gzip;
    private final Semaphore waiting = new Semaphore(MAX_WAITING);
    /** Chunks compressed and given back, for the writer to fill again instead of allocating. */
    private final ConcurrentLinkedQueue<byte[]> spare = new ConcurrentLinkedQueue<>();
    /** The last chunk's compression; the next is chained after it. Writer's thread only. */
    private CompletableFuture<Void> compressed = CompletableFuture.completedFuture(null);
    private byte[] chunk = new byte[CHUNK];
    private int used;
    /** How many bytes were written in: the answer's length before compression. */
    private long count;

    OverlappedCompression(OutputStream gzip) {
        this.gzip = gzip;
    }

    long count() {
        return count;
    }

    @Override
    public void write(int b) throws IOException {
        if (used == CHUNK) {
            handOff();
        }
        chunk[used++] = (byte) b;
        count++;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            if (used == CHUNK) {
                handOff();
            }
            int n = Math.min(length, CHUNK - used);
            System.arraycopy(bytes, offset, chunk, used, n);
            used += n;
            offset += n;
            length -= n;
            count += n;
        }
    }

    /** Nothing: the renderer's JSON generator closes its target, and the gzip stream is finished after {@link #drain}. */
    @Override
    public void close() {
    }

    /** Compresses what is left after every chunk handed off, then returns: the gzip stream is the caller's again. */
    void drain() throws IOException {
        awaitCompressed();
        gzip.write(chunk, 0, used);
        used = 0;
    }

    /** The writer failed: waits for the chunks handed off, whatever becomes of them. */
    void abandon() {
        compressed.exceptionally(failure -> null).join();
    }

    private void handOff() throws IOException {
        try {
            waiting.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the compression");
        }
        byte[] full = chunk;
        int length = used;
        compressed = compressed.thenRunAsync(() -> {
            try {
                gzip.write(full, 0, length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                spare.offer(full);
                waiting.release();
            }
        }, COMPRESSOR);
        byte[] reused = spare.poll();
        chunk = reused != null ? reused : new byte[CHUNK];
        used = 0;
    }

    private void awaitCompressed() throws IOException {
        try {
            compressed.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof UncheckedIOException io ? io.getCause()
                    : new IOException("the compression failed", e.getCause());
        }
    }
}
