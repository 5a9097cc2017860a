package io.corral.protocol.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
 * <p>A large body sent more than once (twenty readers sharing one rendering) is sent from one copy in direct memory,
 * made at its second sending ({@link #content}): from a Java array, the socket layer would copy every answer into
 * native memory of its own first, a 9 MB compressed {@code GET_STATE} twenty times a round.
 *
 * <p>Threading: thread-safe; the other form and the direct copy are made under this object's monitor, on the thread
 * of the first answer that needs them. Don't modify the bytes given.
 */
public final class ResponseBody {
    /** The smallest body worth a direct copy when shared: below it, the socket layer's pooled copy costs less. */
    static final int SHARED_DIRECT_MIN_BYTES = 256 * 1024;
    /** {@link #compressedHarder}'s deflate level: zlib's default, most of level 9's gain in a quarter of the time. */
    static final int HARDER_LEVEL = 6;

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
    /** Guarded by this: whether each form was sent yet, and its direct copy once it was sent twice (else null). */
    private boolean bytesSent;
    private boolean gzippedSent;
    private ByteBuffer directBytes;
    private ByteBuffer directGzipped;

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

    /**
     * The same answer, its gzip form compressed again as one stream at {@link #HARDER_LEVEL}, for an answer sent many
     * times (a quiet state read by dashboards): 14-21% fewer bytes than the runs compressed apart at the fastest level
     * for a state of 100,000 tasks, for about half a second of one thread once. {@code this} when it has no gzip form
     * or is small.
     */
    public ResponseBody compressedHarder() {
        byte[] plain;
        byte[] wire;
        synchronized (this) {
            plain = bytes;
            wire = gzipped;
        }
        if (wire == null || wire.length < SHARED_DIRECT_MIN_BYTES) {
            return this;
        }
        GzipEncoding.Compressed harder = GzipEncoding.recompress(wire, HARDER_LEVEL);
        return harder.bytes().length < wire.length ? new ResponseBody(length, plain, harder.bytes()) : this;
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

    /**
     * What an answer sends: the body's bytes, or their gzip form when {@code gzip}. A large form sent before is sent
     * from its direct copy, made now if this is its second sending and freed with the body (by the collector): a
     * read-only view of it, so answers on different connections don't share a position.
     */
    synchronized ByteBuf content(boolean gzip) {
        byte[] wire = gzip ? gzipped() : bytes();
        boolean sentBefore = gzip ? gzippedSent : bytesSent;
        if (wire.length < SHARED_DIRECT_MIN_BYTES || !sentBefore) { // the socket layer copies it, as any array
            if (gzip) {
                gzippedSent = true;
            } else {
                bytesSent = true;
            }
            return Unpooled.wrappedBuffer(wire);
        }
        ByteBuffer direct = gzip ? directGzipped : directBytes;
        if (direct == null) {
            direct = ByteBuffer.allocateDirect(wire.length).put(wire).flip();
            if (gzip) {
                directGzipped = direct;
            } else {
                directBytes = direct;
            }
        }
        return Unpooled.wrappedBuffer(direct.asReadOnlyBuffer());
    }

    synchronized byte[] gzipped() {
        if (gzipped == null) {
            gzipped = GzipEncoding.compress(bytes);
        }
        return gzipped;
    }
}
