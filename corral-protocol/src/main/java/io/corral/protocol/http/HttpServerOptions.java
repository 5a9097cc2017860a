package io.corral.protocol.http;

/**
 * Limits of an {@link HttpServer}. Immutable.
 *
 * @param maxRequestBytes       largest request body accepted; a larger one gets 413
 * @param maxPendingStreamBytes how many bytes of a stream may wait for a slow client before the stream is closed
 * @param ioThreads             Netty I/O threads (they accept connections too)
 */
public record HttpServerOptions(int maxRequestBytes, long maxPendingStreamBytes, int ioThreads) {
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
    }

    public static HttpServerOptions defaults() {
        return new HttpServerOptions(DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_PENDING_STREAM_BYTES, DEFAULT_IO_THREADS);
    }

    public HttpServerOptions withMaxRequestBytes(int bytes) {
        return new HttpServerOptions(bytes, maxPendingStreamBytes, ioThreads);
    }

    public HttpServerOptions withMaxPendingStreamBytes(long bytes) {
        return new HttpServerOptions(maxRequestBytes, bytes, ioThreads);
    }

    public HttpServerOptions withIoThreads(int threads) {
        return new HttpServerOptions(maxRequestBytes, maxPendingStreamBytes, threads);
    }
}
