package io.corral.protocol.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of a chunked response that stays open, such as a Mesos event stream. Each {@link #send} is exactly one
 * HTTP chunk, flushed at once (clients expect one RecordIO record per chunk). The stream owns its connection:
 * {@link #close()} ends the response and closes the connection.
 *
 * <p>Backpressure: bytes that the client has not taken yet are counted; when they exceed the server's
 * {@link HttpServerOptions#maxPendingStreamBytes()} the client is too slow to keep up, and the stream is closed
 * (with a log line) rather than buffering without bound. Its owner learns it through {@link #onClose}.
 *
 * <p>Threading: every method may be called from any thread. Sends from one thread reach the wire in order. The
 * futures returned by {@link #send} complete on the I/O thread, and {@link #onClose} callbacks run there too (or
 * on the caller's thread if the stream is already closed): keep them short and non-blocking.
 */
public final class HttpStream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpStream.class);
    /** How long a closed stream waits for a slow client to take its last bytes before the connection is cut. */
    private static final long CLOSE_GRACE_SECONDS = 10;
    /** A drain writes its chunks in buffers of about this size, so a long backlog reaches the socket as it goes. */
    private static final int BATCH_BYTES = 256 * 1024;
    /** At most this many events go out in one drain, so one busy stream does not hold its I/O thread. */
    private static final int EVENTS_PER_DRAIN = 4096;

    private final Channel channel;
    private final long maxPendingBytes;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Events handed over and not yet drained to the wire, in order; drained on the I/O thread only. */
    private final Queue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /**
     * The stream's head is on the wire; on the I/O thread only. Until then nothing is drained: a stream whose request
     * was pipelined behind others waits for their answers to be written before its head.
     */
    private boolean headWritten;
    /** The last chunk is written; on the I/O thread only. */
    private boolean ended;
    private final List<Runnable> closeCallbacks = new ArrayList<>(); // guarded by itself
    private boolean closeFired; // guarded by closeCallbacks

    HttpStream(Channel channel, long maxPendingBytes) {
        this.channel = channel;
        this.maxPendingBytes = maxPendingBytes;
        channel.closeFuture().addListener(future -> connectionClosed());
    }

    /**
     * Sends {@code data} as one chunk and flushes it. The array is not copied: don't modify it afterwards.
     *
     * @return completes when the chunk was handed to the operating system; fails with
     *     {@link ClosedChannelException} (or the write's error) when the stream is closed or breaks
     */
    public CompletableFuture<Void> send(byte[] data) {
        requireChunk(data);
        if (!isOpen()) {
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        // Counted now, not when drained: a sender faster than the client is stopped at the limit, not in memory.
        int framed = ChunkFraming.framedSize(data.length);
        if (!countPending(framed)) {
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        return enqueue(new Outgoing(data, null));
    }

    /**
     * Sends what {@code encode} returns as one chunk, encoding it on the connection's I/O thread rather than the
     * caller's: a master's event loop hands its events over and goes on deciding, and the streams' I/O threads encode
     * them in parallel. Chunks reach the wire in the order they were handed over from one thread, mixed with
     * {@link #send} alike. An encoding that fails (or gives no bytes) closes the stream (its owner hears it through
     * {@link #onClose}).
     */
    public CompletableFuture<Void> sendEncoded(java.util.function.Supplier<byte[]> encode) {
        Objects.requireNonNull(encode, "encode");
        return enqueue(new Outgoing(null, encode));
    }

    private static void requireChunk(byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length == 0) {
            throw new IllegalArgumentException("Cannot send an empty chunk: a zero-length chunk ends a response");
        }
    }

    private CompletableFuture<Void> enqueue(Outgoing outgoing) {
        if (!isOpen()) {
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        outbox.add(outgoing);
        scheduleDrain();
        return outgoing.written;
    }

    /** Counts {@code framed} bytes as pending; false, the stream aborted and nothing counted, past the limit. */
    private boolean countPending(int framed) {
        long pending = pendingBytes.addAndGet(framed);
        if (pending > maxPendingBytes) {
            pendingBytes.addAndGet(-framed);
            abortSlowClient(pending);
            return false;
        }
        return true;
    }

    /** At most one drain is queued on the I/O thread at a time; what comes while it runs gets the next. */
    private void scheduleDrain() {
        if (!drainScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.eventLoop().execute(this::drain);
        } catch (RejectedExecutionException serverStopping) {
            drainScheduled.set(false);
            for (Outgoing left; (left = outbox.poll()) != null; ) {
                left.written.completeExceptionally(new ClosedChannelException());
            }
        }
    }

    /**
     * On the I/O thread: everything handed over since the last drain goes out as chunks framed here, in buffers of up
     * to {@value #BATCH_BYTES} bytes, with one flush. One event at a time through the HTTP encoder (a task, a chunk
     * object, its promises and a flush each) took half the master's I/O threads while it launched a million tasks.
     */
    private void drain() {
        drainScheduled.set(false);
        if (!headWritten) {
            return; // headWritten() drains what came meanwhile
        }
        Batch batch = new Batch();
        Outgoing next;
        for (int taken = 0; taken < EVENTS_PER_DRAIN && (next = outbox.poll()) != null; taken++) {
            take(next, batch);
        }
        batch.write();
        if (!outbox.isEmpty()) { // the I/O thread serves other connections too: the rest in a drain of its own
            scheduleDrain();
        }
    }

    /** One event of a drain: into the batch; or failed (the body ended, the client too far behind); or the end. */
    private void take(Outgoing next, Batch batch) {
        if (ended) { // handed over as close() was called: the body has ended
            next.written.completeExceptionally(new ClosedChannelException());
        } else if (next == Outgoing.END) {
            ended = true;
            batch.write();
            endBody();
        } else {
            byte[] data = next.bytes();
            if (data == null) { // the encoding failed: what came before it goes out, then the stream closes
                batch.write();
                channel.close();
                return;
            }
            int framed = ChunkFraming.framedSize(data.length);
            boolean counted = next.data != null; // an encoded event is counted once it has a size
            if (!channel.isActive() || (!counted && !countPending(framed))) {
                if (counted) {
                    pendingBytes.addAndGet(-framed);
                }
                next.written.completeExceptionally(new ClosedChannelException());
                return;
            }
            batch.add(data, framed, next.written);
        }
    }

    /** On the I/O thread, once the stream's head is written: the chunks handed over may follow it now. */
    void headWritten() {
        headWritten = true;
        if (!outbox.isEmpty()) {
            scheduleDrain();
        }
    }

    /** The last chunk, through the HTTP codec (whose state it resets), then the connection's close. */
    private void endBody() {
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        try {
            channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException serverStopping) {
            channel.close();
        }
    }

    /** The chunks of one drain not yet written: framed into one pooled buffer, their senders' futures beside. */
    private final class Batch {
        private ByteBuf buffer;
        private int bytes;
        private final List<CompletableFuture<Void>> senders = new ArrayList<>();
        private boolean wrote;

        void add(byte[] data, int framed, CompletableFuture<Void> sender) {
            if (buffer == null) {
                buffer = channel.alloc().buffer(Math.max(framed, 4096));
            }
            ChunkFraming.append(buffer, data);
            bytes += framed;
            senders.add(sender);
            if (bytes >= BATCH_BYTES) {
                writeBuffer();
            }
        }

        /** Writes what is buffered, and flushes everything this drain wrote. */
        void write() {
            writeBuffer();
            if (wrote) {
                wrote = false;
                belowHttpCodec().flush();
            }
        }

        private void writeBuffer() {
            if (buffer == null) {
                return;
            }
            int written = bytes;
            List<CompletableFuture<Void>> waiting = List.copyOf(senders);
            // Below the HTTP codec: the chunks are framed already, and the codec's state (a chunked body under way)
            // stays as the stream's head left it, for the last chunk that close() sends through it.
            belowHttpCodec().write(buffer).addListener(future -> {
                pendingBytes.addAndGet(-written);
                for (CompletableFuture<Void> sender : waiting) {
                    if (future.isSuccess()) {
                        sender.complete(null);
                    } else {
                        sender.completeExceptionally(future.cause());
                    }
                }
            });
            wrote = true;
            buffer = null;
            bytes = 0;
            senders.clear();
        }
    }

    private ChannelHandlerContext belowHttpCodec() {
        ChannelHandlerContext context = channel.pipeline().context(HttpServer.BELOW_HTTP_CODEC);
        if (context == null) {
            throw new IllegalStateException("no '" + HttpServer.BELOW_HTTP_CODEC + "' handler on the stream's pipeline");
        }
        return context;
    }

    /**
     * An event handed to the stream: its bytes, or how to encode them on the I/O thread; or {@link #END}, the close
     * that follows every event handed over before it.
     */
    private record Outgoing(byte[] data, java.util.function.Supplier<byte[]> encode,
                            CompletableFuture<Void> written) {
        static final Outgoing END = new Outgoing(null, null);

        Outgoing(byte[] data, java.util.function.Supplier<byte[]> encode) {
            this(data, encode, new CompletableFuture<>());
        }

        /** The chunk's bytes; null, with its future failed, when the encoding fails or gives nothing. */
        byte[] bytes() {
            if (data != null) {
                return data;
            }
            try {
                byte[] encoded = encode.get();
                requireChunk(encoded);
                return encoded;
            } catch (RuntimeException e) {
                log.error("Closing a stream: an event could not be encoded", e);
                written.completeExceptionally(e);
                return null;
            }
        }
    }

    /** True until {@link #close()} is called or the connection ends (client gone, server stopped). */
    public boolean isOpen() {
        return !closing.get() && channel.isActive();
    }

    /** Bytes sent but not yet taken by the client. */
    public long pendingBytes() {
        return pendingBytes.get();
    }

    /**
     * Ends the response (the last, empty chunk) and then closes the connection. A client that does not take the rest
     * within {@value #CLOSE_GRACE_SECONDS} s is cut off. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true) || !channel.isActive()) {
            return;
        }
        outbox.add(Outgoing.END); // after every event handed over before it
        scheduleDrain();
        if (channel.eventLoop().isShuttingDown()) {
            channel.close();
        }
    }

    /**
     * Runs {@code callback} once when the connection ends: the client disconnected, the stream was closed or
     * aborted, or the server stopped. Runs at once (on the caller's thread) if that already happened.
     */
    public void onClose(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (closeCallbacks) {
            if (!closeFired) {
                closeCallbacks.add(callback);
                return;
            }
        }
        runSafely(callback);
    }

    private void abortSlowClient(long pending) {
        if (closing.compareAndSet(false, true)) {
            log.warn("Closing the stream to {}: the client is not reading and {} bytes would be waiting for it "
                    + "(limit {})", channel.remoteAddress(), pending, maxPendingBytes);
            channel.close();
        }
    }

    private void connectionClosed() {
        closing.set(true);
        List<Runnable> callbacks;
        synchronized (closeCallbacks) {
            closeFired = true;
            callbacks = List.copyOf(closeCallbacks);
            closeCallbacks.clear();
        }
        callbacks.forEach(HttpStream::runSafely);
    }

    private static void runSafely(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("A stream's close callback failed", e);
        }
    }
}
