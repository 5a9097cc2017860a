package io.corral.agent;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpStream;
import io.corral.protocol.recordio.RecordIO;
import org.apache.mesos.v1.executor.Protos.Event;

/**
 * The event stream of a subscribed executor: each event is one RecordIO record in one HTTP chunk, in the encoding
 * the executor asked for, as on the scheduler API.
 *
 * <p>Threading: immutable; {@link HttpStream} may be written from any thread (the agent writes from its loop).
 */
final class ExecutorSubscription {
    private final HttpStream stream;
    private final Encoding encoding;

    ExecutorSubscription(HttpStream stream, Encoding encoding) {
        this.stream = stream;
        this.encoding = encoding;
    }

    /** Sends one event; a broken stream shows up through {@link HttpStream#onClose}, so failures are not reported. */
    void send(Event event) {
        stream.send(RecordIO.frame(encoding.encode(event)));
    }

    boolean isOpen() {
        return stream.isOpen();
    }

    void close() {
        stream.close();
    }

    HttpStream stream() {
        return stream;
    }
}
