package io.corral.protocol.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The bytes of a complete answer, and their gzip form ({@link GzipEncoding}), which answers with them share: readers
 * who share one rendering of a large state share one compression.
 *
 * <p>A body is made from its bytes ({@link #of}), compressed the first time a client that takes gzip is answered with
 * it; or written by its renderer straight into the form its readers take ({@link #written}), so that a large state
 * read by gzip clients is never held whole: a 51 MB {@code /master/state} of 100,000 tasks is 1.4 MB compressed,
 * and rendering it into an array first cost the master two 51 MB arrays per reading and the garbage collections
 * that came with them.
 *
 * <p>Threading: thread-safe; the other form is made under this object's monitor, on the thread of the first answer
 * that needs it. Don't modify the bytes given.
 */
public final class ResponseBody {
    /** Writes an answer's bytes into {@code out}. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The answer's length before any compression. */
    private final long length;
    /** Guarded by this; null until first needed when the body was written gzip-compressed. */
    private byte[] bytes;
    /** Guarded by this; null until first needed. */
    private byte[] gzipped;

    private ResponseBody(long length, byte[] bytes, byte[] gzipped) {
        this.length = length;
        this.bytes = bytes;
        this.gzipped = gzipped;
    }

    public static ResponseBody of(byte[] bytes) {
        return new ResponseBody(bytes.length, Objects.requireNonNull(bytes, "bytes"), null);
    }

    /**
     * A body written by {@code writer}: gzip-compressed as it is written when {@code gzip} (its readers take gzip),
     * else into an array of about {@code sizeHint} bytes (the last such answer's size, say, so it is not grown by
     * doubling).
     */
    public static ResponseBody written(boolean gzip, int sizeHint, Writer writer) {
        try {
            if (gzip) {
                GzipEncoding.Compressed compressed = GzipEncoding.compress(writer, sizeHint / 16);
                return new ResponseBody(compressed.length(), null, compressed.bytes());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, sizeHint));
            writer.writeTo(out);
            return of(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail; a renderer's failure is its own
        }
    }

    /** The answer's length before compression. */
    public long length() {
        return length;
    }

    /** The answer's bytes (inflated once if it was written compressed: a client that does not take gzip). */
    public synchronized byte[] bytes() {
        if (bytes == null) {
            bytes = GzipEncoding.decompress(gzipped);
        }
        return bytes;
    }

    synchronized byte[] gzipped() {
        if (gzipped == null) {
            gzipped = GzipEncoding.compress(bytes);
        }
        return gzipped;
    }
}
