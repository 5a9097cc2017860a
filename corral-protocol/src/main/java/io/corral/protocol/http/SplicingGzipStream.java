package io.corral.protocol.http;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip member written as an answer renders, into which {@link CompressedPart}s kept from earlier answers are copied
 * as they are instead of being compressed again. Before a part, the deflate stream is fully flushed (byte-aligned,
 * its window forgotten), so nothing after the part refers back across it; the part itself was deflated from an empty
 * window. The member's CRC-32 and length cover the plain bytes of everything, parts included, as gzip requires: the
 * bytes written here are summed as they come, and each part's CRC, kept with it, is joined to theirs
 * ({@link Crc32Shift}), so a part's bytes are not read again.
 *
 * <p>Answers are rendered at {@link Deflater#BEST_SPEED}: a large state is mostly repeated keys, so even that shrinks
 * it about tenfold. An answer sent many times is compressed again at a higher level
 * ({@link ResponseBody#compressedHarder}).
 *
 * <p>Threading: one writer thread. {@link #flush} does nothing (a JSON generator flushes its target often; a deflate
 * flush each time would only cost bytes), and {@link #close} does nothing either: {@link #finish} ends the member and
 * {@link #end} frees the deflater.
 */
final class SplicingGzipStream extends OutputStream {
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final ByteArrayOutputStream out;
    private final Deflater deflater;
    /** The CRC-32 of everything up to the last part spliced in, that part included. */
    private long crcToLastPart;
    /** The CRC-32 of what was written since (or from the start), and its length. */
    private final CRC32 crcSince = new CRC32();
    private long lengthSince;
    private final byte[] buffer = new byte[64 * 1024];
    private final byte[] one = new byte[1];
    private long length;

    /** A stream whose own bytes are deflated at {@code level} (parts spliced in stay as they were compressed). */
    SplicingGzipStream(ByteArrayOutputStream out, int level) {
        this.out = out;
        this.deflater = new Deflater(level, true);
        out.write(HEADER, 0, HEADER.length);
    }

    /** How many plain bytes went in: the answer's length before compression. */
    long length() {
        return length;
    }

    @Override
    public void write(int b) {
        one[0] = (byte) b;
        write(one, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int count) {
        if (count == 0) {
            return;
        }
        crcSince.update(bytes, offset, count);
        lengthSince += count;
        length += count;
        deflater.setInput(bytes, offset, count);
        while (!deflater.needsInput()) {
            out.write(buffer, 0, deflater.deflate(buffer, 0, buffer.length, Deflater.NO_FLUSH));
        }
    }

    /** Copies a part in compressed, after a full flush of what came before. */
    void splice(CompressedPart part) {
        CompressedPart.drain(deflater, Deflater.FULL_FLUSH, buffer, out);
        byte[] deflated = part.deflated();
        out.write(deflated, 0, deflated.length);
        crcToLastPart = part.crcAfter(crcWritten());
        crcSince.reset();
        lengthSince = 0;
        length += part.length();
    }

    /** Ends the member: the last block, then the CRC-32 and the length (modulo 2^32), little-endian. */
    void finish() {
        deflater.finish();
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer, 0, buffer.length));
        }
        writeLittleEndian((int) crcWritten());
        writeLittleEndian((int) length);
    }

    /** The CRC-32 of everything so far. */
    private long crcWritten() {
        return Crc32Shift.join(crcToLastPart, crcSince.getValue(), Crc32Shift.past(lengthSince));
    }

    /** Frees the deflater; nothing can be written after. */
    void end() {
        deflater.end();
    }

    private void writeLittleEndian(int value) {
        out.write(value);
        out.write(value >>> 8);
        out.write(value >>> 16);
        out.write(value >>> 24);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
