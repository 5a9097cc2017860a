package io.corral.scheduler;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.recordio.RecordIODecoder;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * Reads a RecordIO stream of scheduler events as it arrives, handing each event on as soon as its record is complete.
 *
 * <p>Threading: one call reads one stream on the calling thread; the class holds no state between calls.
 */
public final class EventStreamReader {
    private EventStreamReader() {}

    /**
     * Reads events until the stream ends.
     *
     * @throws IOException when the connection fails, or the stream ends in the middle of a record
     * @throws IllegalArgumentException when a record is not a valid event in {@code encoding}
     * @throws RecordIODecoder.RecordIOException when the stream is not RecordIO
     */
    public static void read(InputStream in, Encoding encoding, Consumer<Event> sink) throws IOException {
        RecordIODecoder decoder = new RecordIODecoder();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            for (byte[] record : decoder.feed(buffer, 0, n)) {
                sink.accept(encoding.decode(record, Event.getDefaultInstance()));
            }
        }
        if (!decoder.isAtRecordBoundary()) {
            throw new IOException("event stream ended in the middle of a record");
        }
    }
}
