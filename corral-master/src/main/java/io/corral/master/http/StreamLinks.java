package io.corral.master.http;

import io.corral.master.state.AgentLink;
import io.corral.master.state.FrameworkLink;
import io.corral.master.state.OperatorLink;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.HttpStream;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.MediaTypes;
import io.corral.protocol.recordio.RecordIO;
import java.util.List;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * The master's ends of subscription streams: events encoded as the subscriber asked, framed as RecordIO, one record
 * per HTTP chunk. Events are encoded on the stream's I/O thread ({@link HttpStream#sendEncoded}), not on the master's
 * loop that sends them: encoding LAUNCHes and updates to JSON took a third of the loop's time while tasks launched.
 * Threading: {@link HttpStream} is thread-safe; these add no state of their own; events are immutable.
 */
final class StreamLinks {
    private StreamLinks() {}

    /**
     * Loads the links' classes, at the master's start: a standby's recovery rehearsal sends through links of its
     * own, and were those the only links loaded, the JIT would compile calls to them as the only ones possible, then
     * throw that code away when the new leader opens its first stream (RecoveryRehearsal, on SystemTimers).
     */
    static void load() {
        List.of(Framework.class, Operator.class, Agent.class).forEach(Class::getName);
    }

    record Framework(String streamId, HttpStream stream, Encoding encoding) implements FrameworkLink {
        @Override
        public void send(Event event) {
            stream.sendEncoded(() -> RecordIO.frame(encoding.encode(event)));
        }

        @Override
        public boolean isOpen() {
            return stream.isOpen();
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    record Operator(HttpStream stream, Encoding encoding) implements OperatorLink {
        @Override
        public void send(org.apache.mesos.v1.master.Protos.Event event) {
            stream.sendEncoded(() -> RecordIO.frame(encoding.encode(event)));
        }

        @Override
        public boolean isOpen() {
            return stream.isOpen();
        }

        @Override
        public void close() {
            stream.close();
        }
    }

    record Agent(String streamId, HttpStream stream, Encoding encoding) implements AgentLink {
        @Override
        public void send(AgentEvent event) {
            stream.sendEncoded(() -> RecordIO.frame(AgentProtocol.encode(event, encoding)));
        }

        @Override
        public boolean isOpen() {
            return stream.isOpen();
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
