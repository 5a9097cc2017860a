package io.corral.scheduler;

import io.corral.protocol.http.Encoding;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.recordio.RecordIO;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EventStreamReaderTest {

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void readsEventsEvenWhenTheyArriveOneByteAtATime(Encoding encoding) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(RecordIO.frame(encoding.encode(StubMaster.subscribed("fw-1", 15))));
        wire.write(RecordIO.frame(encoding.encode(Event.newBuilder().setType(Event.Type.HEARTBEAT).build())));

        List<Event> events = new ArrayList<>();
        EventStreamReader.read(new TrickleInputStream(wire.toByteArray()), encoding, events::add);

        assertThat(events).extracting(Event::getType).containsExactly(Event.Type.SUBSCRIBED, Event.Type.HEARTBEAT);
        assertThat(events.get(0).getSubscribed().getFrameworkId().getValue()).isEqualTo("fw-1");
        assertThat(events.get(0).getSubscribed().getHeartbeatIntervalSeconds()).isEqualTo(15.0);
    }

    @Test
    void readsTheJsonAMesosMasterSends() throws IOException {
        String json = "{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"framework_id\":{\"value\":\"88b2-0002\"},"
                + "\"heartbeat_interval_seconds\":15.0,\"master_info\":{\"id\":\"88b2\",\"ip\":159390892,"
                + "\"port\":5050,\"pid\":\"master@172.28.128.9:5050\",\"hostname\":\"172.28.128.9\","
                + "\"version\":\"1.3.0\",\"address\":{\"hostname\":\"172.28.128.9\",\"ip\":\"172.28.128.9\","
                + "\"port\":5050}}}}";
        List<Event> events = new ArrayList<>();
        EventStreamReader.read(new ByteArrayInputStream(RecordIO.frame(json.getBytes(StandardCharsets.UTF_8))),
                Encoding.JSON, events::add);
        assertThat(events).singleElement().satisfies(e ->
                assertThat(e.getSubscribed().getMasterInfo().getAddress().getPort()).isEqualTo(5050));
    }

    @Test
    void aStreamCutInsideARecordIsAnError() {
        byte[] framed = RecordIO.frame(Encoding.JSON.encode(StubMaster.subscribed("fw-1", 15)));
        byte[] cut = Arrays.copyOf(framed, framed.length - 3);
        assertThatThrownBy(() -> EventStreamReader.read(new ByteArrayInputStream(cut), Encoding.JSON, e -> {}))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("middle of a record");
    }

    @Test
    void aRecordThatIsNotAnEventIsAnError() {
        byte[] framed = RecordIO.frame("[1,2]".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> EventStreamReader.read(new ByteArrayInputStream(framed), Encoding.JSON, e -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid JSON Event");
    }

    /** Hands out at most one byte per read, like the slowest possible network. */
    private static final class TrickleInputStream extends InputStream {
        private final ByteArrayInputStream in;

        TrickleInputStream(byte[] bytes) {
            this.in = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.min(len, 1));
        }
    }
}
