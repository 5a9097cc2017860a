package io.corral.protocol.recordio;

import java.nio.charset.StandardCharsets;

/**
 * RecordIO framing as Mesos defines it ({@code docs/recordio.md}): {@code <decimal length>\n<bytes>}.
 *
 * <p>Corral writes exactly one record per HTTP chunk, because some clients split each network chunk on
 * {@code \n} and fail when a chunk holds more than one record.
 */
public final class RecordIO {
    private RecordIO() {}

    /** Frames one record. Mesos never writes an empty record, so neither do we. */
    public static byte[] frame(byte[] record) {
        if (record.length == 0) {
            throw new IllegalArgumentException("RecordIO records are never empty");
        }
        byte[] header = (record.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[header.length + record.length];
        System.arraycopy(header, 0, framed, 0, header.length);
        System.arraycopy(record, 0, framed, header.length, record.length);
        return framed;
    }
}
