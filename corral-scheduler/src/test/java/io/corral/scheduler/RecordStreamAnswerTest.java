package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.RecordStreamAnswer;
import io.corral.protocol.recordio.RecordIO;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The answer to SUBSCRIBE as its pieces arrive ({@link RecordStreamAnswer}, as the SDK uses it): the head the reader
 * judges, the events, and how the stream ended.
 */
class RecordStreamAnswerTest {
    private final List<String> seen = new ArrayList<>();

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void decodesEventsEvenWhenTheyArriveOneByteAtATime(Encoding encoding) throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(RecordIO.frame(encoding.encode(StubMaster.subscribed("fw-1", 15))));
        wire.write(RecordIO.frame(encoding.encode(Event.newBuilder().setType(Event.Type.HEARTBEAT).build())));
        RecordStreamAnswer<Event> answer = answer(encoding);

        answer.onHead(200, streamHeaders("stream-7"));
        for (byte b : wire.toByteArray()) {
            answer.onContent(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        answer.onEnd(null);

        assertThat(answer.head().get().streamId()).isEqualTo("stream-7");
        assertThat(seen).containsExactly("start stream-7", "stream-7 SUBSCRIBED fw-1", "stream-7 HEARTBEAT");
        assertThat(answer.ended().get()).isEmpty();
    }

    @Test
    void decodesTheJsonAMesosMasterSends() {
        String json = "{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"framework_id\":{\"value\":\"88b2-0002\"},"
                + "\"heartbeat_interval_seconds\":15.0,\"master_info\":{\"id\":\"88b2\",\"ip\":159390892,"
                + "\"port\":5050,\"pid\":\"master@172.28.128.9:5050\",\"hostname\":\"172.28.128.9\","
                + "\"version\":\"1.3.0\",\"address\":{\"hostname\":\"172.28.128.9\",\"ip\":\"172.28.128.9\","
                + "\"port\":5050}}}}";
        RecordStreamAnswer<Event> answer = answer(Encoding.JSON);
        answer.onHead(200, streamHeaders("s"));
        answer.onContent(Unpooled.wrappedBuffer(RecordIO.frame(json.getBytes(StandardCharsets.UTF_8))));
        assertThat(seen).containsExactly("start s", "s SUBSCRIBED 88b2-0002");
    }

    @Test
    void aStreamCutInsideARecordEndsInFailure() throws Exception {
        byte[] framed = RecordIO.frame(Encoding.JSON.encode(StubMaster.subscribed("fw-1", 15)));
        RecordStreamAnswer<Event> answer = answer(Encoding.JSON);
        answer.onHead(200, streamHeaders("s"));
        answer.onContent(Unpooled.wrappedBuffer(Arrays.copyOf(framed, framed.length - 3)));
        answer.onEnd(null);

        Optional<Throwable> failure = answer.ended().get();
        assertThat(failure).get().isInstanceOf(IOException.class);
        assertThat(failure.get()).hasMessageContaining("middle of a record");
    }

    @Test
    void aRecordThatIsNotAnEventIsThrownSoTheStreamEnds() {
        RecordStreamAnswer<Event> answer = answer(Encoding.JSON);
        answer.onHead(200, streamHeaders("s"));
        assertThatThrownBy(() -> answer.onContent(Unpooled.wrappedBuffer(
                RecordIO.frame("[1,2]".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid JSON Event");
    }

    @Test
    void aRefusalKeepsItsStatusLocationAndAtMost64KiBOfItsMessage() throws Exception {
        RecordStreamAnswer<Event> answer = answer(Encoding.JSON);
        HttpHeaders headers = new DefaultHttpHeaders().set("Location", "//leader:5050/api/v1/scheduler");
        answer.onHead(307, headers);
        answer.onContent(Unpooled.wrappedBuffer(new byte[40_000]));
        answer.onContent(Unpooled.wrappedBuffer(new byte[40_000]));
        assertThat(answer.head()).isNotDone(); // judged once the body is in
        answer.onEnd(null);

        RecordStreamAnswer.Head head = answer.head().get();
        assertThat(head.status()).isEqualTo(307);
        assertThat(head.location()).isEqualTo("//leader:5050/api/v1/scheduler");
        assertThat(head.body()).hasSize(64 * 1024);
        assertThat(seen).isEmpty();
    }

    @Test
    void noHeadAtAllFailsTheHeadWithTheCause() {
        RecordStreamAnswer<Event> answer = answer(Encoding.JSON);
        answer.onEnd(new IOException("cannot connect to m:5050: Connection refused"));
        assertThatThrownBy(() -> answer.head().get()).hasRootCauseMessage(
                "cannot connect to m:5050: Connection refused");
    }

    @Test
    void aStreamWithoutAnIdCarriesNoEvents() throws Exception {
        RecordStreamAnswer<Event> answer = answer(Encoding.JSON);
        answer.onHead(200, new DefaultHttpHeaders());
        answer.onContent(Unpooled.wrappedBuffer(RecordIO.frame(Encoding.JSON.encode(
                StubMaster.subscribed("fw-1", 15)))));
        assertThat(answer.head().get().streamId()).isNull();
        assertThat(seen).isEmpty();
    }

    private RecordStreamAnswer<Event> answer(Encoding encoding) {
        return new RecordStreamAnswer<>(SchedulerClient.STREAM_ID_HEADER,
                record -> encoding.decode(record, Event.getDefaultInstance()), streamId -> seen.add("start " + streamId),
                (streamId, event) -> seen.add(streamId + " " + event.getType()
                        + (event.hasSubscribed() ? " " + event.getSubscribed().getFrameworkId().getValue() : "")));
    }

    private static HttpHeaders streamHeaders(String streamId) {
        return new DefaultHttpHeaders().set(SchedulerClient.STREAM_ID_HEADER, streamId);
    }
}
