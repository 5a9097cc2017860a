package io.corral.protocol.http;

import io.corral.protocol.tls.ServerTls;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Limits of an {@link HttpServer}. Immutable.
 *
 * @param maxRequestBytes       largest request body accepted; a larger one gets 413
 * @param maxPendingStreamBytes how many bytes of a stream may wait for a slow client before the stream is closed
 * @param ioThreads             Netty I/O threads (they accept connections too)
 * @param tls                   when present, the server speaks HTTPS only (plain HTTP gets a one-line 400)
 * @param largeAnswersWait      while true, large answers wait between their slices ({@link LargeAnswer}): the
 *                              server's owner says so while its loop runs an event
 */
public record HttpServerOptions(int maxRequestBytes, long maxPendingStreamBytes, int ioThreads,
                                Optional<ServerTls> tls, BooleanSupplier largeAnswersWait) {
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    public static final long DEFAULT_MAX_PENDING_STREAM_BYTES = 64L * 1024 * 1024;
    /** The machines Corral targets have 2 cores. */
    public static final int DEFAULT_IO_THREADS = 2;

    public HttpServerOptions {
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("maxRequestBytes must be positive, not " + maxRequestBytes);
        }
        if (maxPendingStreamBytes <= 0) {
            throw new IllegalArgumentException("maxPendingStreamBytes must be positive, not " + maxPendingStreamBytes);
        }
        if (ioThreads <= 0) {
            throw new IllegalArgumentException("ioThreads must be positive, not " + ioThreads);
        }
        java.util.Objects.requireNonNull(tls, "tls");
        java.util.Objects.requireNonNull(largeAnswersWait, "largeAnswersWait");
    }

    public HttpServerOptions(int maxRequestBytes, long maxPendingStreamBytes, int ioThreads) {
        this(maxRequestBytes, maxPendingStreamBytes, ioThreads, Optional.empty(), () -> false);
    }

    public static HttpServerOptions defaults() {
        return new HttpServerOptions(DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_PENDING_STREAM_BYTES, DEFAULT_IO_THREADS);
    }

    public HttpServerOptions withMaxRequestBytes(int bytes) {
        return new HttpServerOptions(bytes, maxPendingStreamBytes, ioThreads, tls, largeAnswersWait);
    }

    public HttpServerOptions withMaxPendingStreamBytes(long bytes) {
        return new HttpServerOptions(maxRequestBytes, bytes, ioThreads, tls, largeAnswersWait);
    }

    public HttpServerOptions withIoThreads(int threads) {
        return new HttpServerOptions(maxRequestBytes, maxPendingStreamBytes, threads, tls, largeAnswersWait);
    }

    /** The same limits, serving HTTPS with {@code tls} when present. */
    public HttpServerOptions withTls(Optional<ServerTls> tls) {
        return new HttpServerOptions(maxRequestBytes, maxPendingStreamBytes, ioThreads, tls, largeAnswersWait);
    }

    /** The same limits, large answers waiting between their slices while {@code wait} says so. */
    public HttpServerOptions withLargeAnswersWaitingWhile(BooleanSupplier wait) {
        return new HttpServerOptions(maxRequestBytes, maxPendingStreamBytes, ioThreads, tls, wait);
    }
}
