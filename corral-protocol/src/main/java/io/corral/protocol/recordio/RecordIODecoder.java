package io.corral.protocol.recordio;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental RecordIO parser: feed it bytes as they arrive from the network, in pieces of any size, and it returns
 * the records completed so far.
 *
 * <p>Threading: not thread-safe; one reader feeds one decoder.
 */
public final class RecordIODecoder {
    /** Upper bound on one record; a length beyond it means a corrupt or hostile stream. */
    public static final long MAX_RECORD_BYTES = 64L * 1024 * 1024;

    private final StringBuilder header = new StringBuilder();
    private ByteArrayOutputStream body;
    private int remaining = -1;

    /** Consumes {@code length} bytes of {@code data} from {@code offset}; returns every record that became complete. */
    public List<byte[]> feed(byte[] data, int offset, int length) {
        List<byte[]> records = new ArrayList<>();
        int end = offset + length;
        int i = offset;
        while (i < end) {
            if (remaining < 0) {
                i = readHeader(data, i, end);
            } else {
                int take = Math.min(remaining, end - i);
                body.write(data, i, take);
                i += take;
                remaining -= take;
                if (remaining == 0) {
                    records.add(body.toByteArray());
                    body = null;
                    remaining = -1;
                }
            }
        }
        return records;
    }

    public List<byte[]> feed(byte[] data) {
        return feed(data, 0, data.length);
    }

    /** True when no partial record is buffered, i.e. the stream may end here cleanly. */
    public boolean isAtRecordBoundary() {
        return remaining < 0 && header.length() == 0;
    }

    private int readHeader(byte[] data, int i, int end) {
        while (i < end) {
            byte b = data[i++];
            if (b == '\n') {
                startBody();
                return i;
            }
            if (b < '0' || b > '9' || header.length() >= 20) {
                throw new RecordIOException("malformed RecordIO header: expected a decimal length, got byte " + b);
            }
            header.append((char) b);
        }
        return i;
    }

    private void startBody() {
        if (header.length() == 0) {
            throw new RecordIOException("malformed RecordIO header: empty length");
        }
        // Saturating parse: a uint64 length may have 20 digits, more than a long holds.
        long length = 0;
        for (int d = 0; d < header.length(); d++) {
            length = Math.min(length * 10 + (header.charAt(d) - '0'), MAX_RECORD_BYTES + 1);
        }
        if (length == 0 || length > MAX_RECORD_BYTES) {
            throw new RecordIOException("RecordIO record length " + header + " is out of range 1.." + MAX_RECORD_BYTES);
        }
        header.setLength(0);
        remaining = (int) length;
        // Grows as bytes arrive: a header alone must not make us allocate up to 64 MiB.
        body = new ByteArrayOutputStream(Math.min(remaining, 64 * 1024));
    }

    /** A stream that does not follow RecordIO framing. */
    public static final class RecordIOException extends RuntimeException {
        public RecordIOException(String message) {
            super(message);
        }
    }
}
