package io.corral.master.http;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * JSON already rendered to UTF-8, written into a larger document as it is: the parts of {@code /master/state} kept
 * from one read to the next ({@link StateJson}). Two parts written one after the other, so that a kept part and a
 * fresh one make one value without being copied together. A byte-array copy into Jackson's output buffer is what
 * writing it costs, against encoding a {@code String}'s characters again.
 *
 * <p>Never quoted: the quoted forms of {@link SerializableString} are not for raw JSON and throw.
 *
 * <p>Threading: immutable (its arrays are never changed after construction).
 */
final class JsonFragment implements SerializableString {
    private final byte[] first;
    private final byte[] second;

    private JsonFragment(byte[] first, byte[] second) {
        this.first = first;
        this.second = second;
    }

    /** A value made of {@code first} then {@code second}, e.g. an object's kept fields then its fresh ones. */
    static RawValue value(byte[] first, byte[] second) {
        return new RawValue(new JsonFragment(first, second));
    }

    static RawValue value(byte[] json) {
        return value(json, new byte[0]);
    }

    /** {@code json} for a generator's {@code writeRawValue}. */
    static SerializableString of(byte[] json) {
        return new JsonFragment(json, new byte[0]);
    }

    @Override
    public String getValue() {
        return new String(asUnquotedUTF8(), StandardCharsets.UTF_8);
    }

    @Override
    public int charLength() {
        return getValue().length();
    }

    /**
     * The fragment's bytes; its own array when it has one part (Jackson's {@code SerializedString} shares its array
     * likewise, and generators only read it): a kept task's JSON is written without a copy.
     */
    @Override
    public byte[] asUnquotedUTF8() {
        if (second.length == 0) {
            return first;
        }
        byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    @Override
    public int appendUnquotedUTF8(byte[] buffer, int offset) {
        int length = first.length + second.length;
        if (offset + length > buffer.length) {
            return -1; // the generator flushes and writes asUnquotedUTF8() instead
        }
        System.arraycopy(first, 0, buffer, offset, first.length);
        System.arraycopy(second, 0, buffer, offset + first.length, second.length);
        return length;
    }

    @Override
    public int appendUnquoted(char[] buffer, int offset) {
        String value = getValue();
        if (offset + value.length() > buffer.length) {
            return -1;
        }
        value.getChars(0, value.length(), buffer, offset);
        return value.length();
    }

    @Override
    public int writeUnquotedUTF8(OutputStream out) throws IOException {
        out.write(first);
        out.write(second);
        return first.length + second.length;
    }

    @Override
    public int putUnquotedUTF8(ByteBuffer buffer) {
        int length = first.length + second.length;
        if (buffer.remaining() < length) {
            return -1;
        }
        buffer.put(first).put(second);
        return length;
    }

    @Override
    public char[] asQuotedChars() {
        throw new UnsupportedOperationException("a JSON fragment is written raw, never quoted");
    }

    @Override
    public byte[] asQuotedUTF8() {
        throw new UnsupportedOperationException("a JSON fragment is written raw, never quoted");
    }

    @Override
    public int appendQuotedUTF8(byte[] buffer, int offset) {
        throw new UnsupportedOperationException("a JSON fragment is written raw, never quoted");
    }

    @Override
    public int appendQuoted(char[] buffer, int offset) {
        throw new UnsupportedOperationException("a JSON fragment is written raw, never quoted");
    }

    @Override
    public int writeQuotedUTF8(OutputStream out) {
        throw new UnsupportedOperationException("a JSON fragment is written raw, never quoted");
    }

    @Override
    public int putQuotedUTF8(ByteBuffer buffer) {
        throw new UnsupportedOperationException("a JSON fragment is written raw, never quoted");
    }

    @Override
    public String toString() {
        return getValue();
    }
}
