package io.corral.protocol.http;

import io.corral.protocol.IdentityLists;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A piece of a large answer kept compressed on its own, so that an answer which holds it again unchanged is not
 * compressed again: the tasks of a cluster are most of its 51 MB {@code /master/state}, and most are unchanged from one
 * reading to the next. Its pieces (say, 64 tasks' JSON objects and the commas between them) are deflated one after
 * the other from an empty window, ending byte-aligned (a sync flush, not the last block), so the bytes can be copied
 * into any deflate stream that has just been fully flushed (its window forgotten), as pigz joins blocks compressed
 * apart ({@link SplicingGzipStream}). The pieces are kept too, by reference, for readers who do not take gzip; their
 * CRC-32 and its shift past them ({@link Crc32Shift}) are kept for the CRCs of the answers they join.
 *
 * <p>Compressing small parts apart costs some ratio (each starts with an empty window): a 51 MB state in parts of about
 * 64 tasks is a few hundred KB larger compressed than in one stream.
 *
 * <p>Immutable; don't modify the pieces given. {@link #of} may run on any thread.
 */
public final class CompressedPart {
    /**
     * One deflater per thread, reset for each part: a state of 100,000 tasks makes about 1,600 parts, and a deflater
     * made for each would allocate and free a few hundred KB of native memory every time.
     */
    private static final ThreadLocal<Deflater> DEFLATERS =
            ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED, true));

    private final List<byte[]> pieces;
    private final byte[] deflated;
    private final long length;
    private final long crc;
    private final int pastIt;

    private CompressedPart(List<byte[]> pieces, byte[] deflated, long length, long crc) {
        this.pieces = pieces;
        this.deflated = deflated;
        this.length = length;
        this.crc = crc;
        this.pastIt = Crc32Shift.past(length);
    }

    /** {@code pieces} one after the other, compressed now (on the caller's thread). */
    public static CompressedPart of(List<byte[]> pieces) {
        List<byte[]> kept = List.copyOf(pieces);
        Deflater deflater = DEFLATERS.get();
        deflater.reset();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            byte[] buffer = new byte[8192];
            long length = 0;
            CRC32 crc = new CRC32();
            for (byte[] piece : kept) {
                length += deflate(deflater, piece, buffer, out);
                crc.update(piece);
            }
            drain(deflater, Deflater.SYNC_FLUSH, buffer, out);
            return new CompressedPart(kept, out.toByteArray(), length, crc.getValue());
        } finally {
            deflater.reset(); // drops the input's reference
        }
    }

    /** How many bytes the part is before compression. */
    public long length() {
        return length;
    }

    /**
     * Writes the part into {@code target}: spliced compressed into an answer being compressed as it is written, else
     * as its plain bytes. Whatever was written into {@code target} before must have reached it (a JSON generator
     * flushed first).
     */
    public void writeTo(OutputStream target) throws IOException {
        if (target instanceof SplicingGzipStream gzip) {
            gzip.splice(this);
        } else {
            writePlain(target);
        }
    }

    /** The part's plain bytes, joined (a copy). */
    public byte[] plain() {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, length));
        try {
            writePlain(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array stream does not fail
        }
        return out.toByteArray();
    }

    void writePlain(OutputStream out) throws IOException {
        for (byte[] piece : pieces) {
            out.write(piece);
        }
    }

    /** The CRC-32 of whatever came before the part ({@code crcBefore}) and then the part. */
    long crcAfter(long crcBefore) {
        return Crc32Shift.join(crcBefore, crc, pastIt);
    }

    /** Whether this part was made of exactly these arrays, in order (compared by identity, not content). */
    public boolean isMadeOf(List<byte[]> asked) {
        return IdentityLists.sameElements(pieces, asked);
    }

    byte[] deflated() {
        return deflated;
    }

    private static int deflate(Deflater deflater, byte[] input, byte[] buffer, ByteArrayOutputStream out) {
        deflater.setInput(input);
        while (!deflater.needsInput()) {
            out.write(buffer, 0, deflater.deflate(buffer, 0, buffer.length, Deflater.NO_FLUSH));
        }
        return input.length;
    }

    /** Deflates until the flush is complete: the output is done when it does not fill the buffer. */
    static void drain(Deflater deflater, int flush, byte[] buffer, ByteArrayOutputStream out) {
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, flush);
            out.write(buffer, 0, n);
        } while (n == buffer.length);
    }
}
