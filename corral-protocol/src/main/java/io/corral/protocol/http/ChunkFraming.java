package io.corral.protocol.http;

import io.netty.buffer.ByteBuf;

/**
 * HTTP/1.1 chunked transfer coding (RFC 9112, section 7.1) of one chunk: its size in hexadecimal, CRLF, the data,
 * CRLF. What {@link HttpStream} writes below the HTTP codec, many chunks to a buffer.
 *
 * <p>Stateless.
 */
final class ChunkFraming {
    private ChunkFraming() {}

    /** The bytes {@link #append} writes for {@code length} bytes of data (at least 1). */
    static int framedSize(int length) {
        return hexDigits(length) + 2 + length + 2;
    }

    /** Appends {@code data} (not empty: an empty chunk ends a body) as one chunk. */
    static void append(ByteBuf buffer, byte[] data) {
        for (int shift = (hexDigits(data.length) - 1) * 4; shift >= 0; shift -= 4) {
            buffer.writeByte(Character.forDigit((data.length >>> shift) & 0xF, 16));
        }
        buffer.writeByte('\r').writeByte('\n');
        buffer.writeBytes(data);
        buffer.writeByte('\r').writeByte('\n');
    }

    private static int hexDigits(int length) {
        return Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 3) / 4);
    }
}
