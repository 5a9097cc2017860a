package io.corral.protocol.json;

import java.util.Arrays;

/**
 * A growable buffer of protobuf wire format, written front to back by {@link MesosJsonReader}: tags, varints, fixed
 * values, and length-delimited messages whose length is filled in once their content is written (five bytes are
 * kept for it, and the content moves back over those it did not need). Protobuf's own {@code CodedOutputStream}
 * writes into an array only when the size is known first, which a JSON reader does not know.
 *
 * <p>Threading: not thread-safe; one reading at a time uses one buffer.
 */
final class WireBuffer {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;
    /** Bytes kept for a length before its content: the longest varint of a 32-bit length. */
    private static final int LENGTH_ROOM = 5;

    private byte[] bytes;
    private int size;

    WireBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    byte[] array() {
        return bytes;
    }

    int size() {
        return size;
    }

    int capacity() {
        return bytes.length;
    }

    void clear() {
        size = 0;
    }

    void tag(int fieldNumber, int wireType) {
        varint32((fieldNumber << 3) | wireType);
    }

    /** An unsigned 32-bit varint (a tag, a length, a uint32). */
    void varint32(int value) {
        ensure(LENGTH_ROOM);
        while ((value & ~0x7F) != 0) {
            bytes[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        bytes[size++] = (byte) value;
    }

    /** A 64-bit varint: int64, uint64, an enum or int32 (negative ones take ten bytes, as protobuf writes them). */
    void varint64(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            bytes[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        bytes[size++] = (byte) value;
    }

    void fixed32(int value) {
        ensure(4);
        for (int i = 0; i < 4; i++) {
            bytes[size++] = (byte) (value >>> (8 * i));
        }
    }

    void fixed64(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            bytes[size++] = (byte) (value >>> (8 * i));
        }
    }

    /** A length-delimited value: its length, then its bytes. */
    void lengthDelimited(byte[] value) {
        varint32(value.length);
        ensure(value.length);
        System.arraycopy(value, 0, bytes, size, value.length);
        size += value.length;
    }

    /** Keeps room for a length; returns the mark to hand {@link #endLength} once the content is written. */
    int beginLength() {
        ensure(LENGTH_ROOM);
        size += LENGTH_ROOM;
        return size;
    }

    /** Writes the length of the content since {@code mark} before it, moving the content back over unused room. */
    void endLength(int mark) {
        int length = size - mark;
        int start = mark - LENGTH_ROOM;
        size = start;
        varint32(length);
        if (size != mark) {
            System.arraycopy(bytes, mark, bytes, size, length);
        }
        size += length;
    }

    /** Drops the bytes {@code from..to} (a field given again: its earlier value no longer counts). */
    void remove(int from, int to) {
        System.arraycopy(bytes, to, bytes, from, size - to);
        size -= to - from;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
