package io.corral.protocol.http;

import java.util.Objects;

/**
 * The bytes of a complete answer, and their gzip form ({@link GzipEncoding}) made the first time a client that takes
 * gzip is answered with them, then kept: readers who share one rendering of a large state share one compression.
 *
 * <p>Threading: thread-safe; the compression runs under this object's monitor, on the thread of the first answer
 * that needs it. Don't modify the bytes given.
 */
public final class ResponseBody {
    private final byte[] bytes;
    /** Guarded by this; null until first needed. */
    private byte[] gzipped;

    private ResponseBody(byte[] bytes) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
    }

    public static ResponseBody of(byte[] bytes) {
        return new ResponseBody(bytes);
    }

    public byte[] bytes() {
        return bytes;
    }

    synchronized byte[] gzipped() {
        if (gzipped == null) {
            gzipped = GzipEncoding.compress(bytes);
        }
        return gzipped;
    }
}
