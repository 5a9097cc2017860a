package io.corral.protocol.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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

    private final Channel channel;
    private final long maxPendingBytes;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
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
        return write(data);
    }

    /** Writes one chunk, counted against the pending limit, on a connection that has not ended. */
    private CompletableFuture<Void> write(byte[] data) {
        requireChunk(data);
        if (!channel.isActive()) {
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        long pending = pendingBytes.addAndGet(data.length);
        if (pending > maxPendingBytes) {
            pendingBytes.addAndGet(-data.length);
            abortSlowClient(pending);
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(data))).addListener(future -> {
            pendingBytes.addAndGet(-data.length);
            if (future.isSuccess()) {
                written.complete(null);
            } else {
                written.completeExceptionally(future.cause());
            }
        });
        return written;
    }

    private static void requireChunk(byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length == 0) {
            throw new IllegalArgumentException("Cannot send an empty chunk: a zero-length chunk ends a response");
        }
    }

    /**
     * Sends what {@code encode} returns as one chunk, encoding it on the connection's I/O thread rather than the
     * caller's: a master's event loop hands its events over and goes on deciding, and the streams' I/O threads encode
     * them in parallel. Chunks reach the wire in the order they were handed over from one thread, mixed with
     * {@link #send} alike. An encoding that fails closes the stream (its owner hears it through {@link #onClose}).
     */
    public CompletableFuture<Void> sendEncoded(java.util.function.Supplier<byte[]> encode) {
        Objects.requireNonNull(encode, "encode");
        if (!isOpen()) {
            return CompletableFuture.failedFuture(new ClosedChannelException());
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> {
                byte[] data;
                try {
                    data = encode.get();
                } catch (RuntimeException e) {
                    log.error("Closing the stream to {}: an event could not be encoded", channel.remoteAddress(), e);
                    channel.close();
                    written.completeExceptionally(e);
                    return;
                }
                // Written even if close() was called after this was handed over: its last chunk follows this one.
                write(data).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        written.completeExceptionally(failure);
                    } else {
                        written.complete(null);
                    }
                });
            });
        } catch (RejectedExecutionException serverStopping) {
            written.completeExceptionally(new ClosedChannelException());
        }
        return written;
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
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        try {
            channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException serverStopping) {
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
