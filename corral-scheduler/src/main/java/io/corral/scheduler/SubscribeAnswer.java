package io.corral.scheduler;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.StreamingPost;
import io.corral.protocol.recordio.RecordIODecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * The answer to one SUBSCRIBE as it arrives: its head, for the reader thread to judge (a redirect, a refusal with its
 * message, or the event stream), then each event of the stream, decoded on the I/O thread that read it and handed on
 * with the stream's id, then why the stream ended.
 *
 * <p>Threading: the {@link StreamingPost.Receiver} methods run on the stream's I/O thread, one at a time; the reader
 * thread awaits {@link #head()} and {@link #ended()}.
 */
final class SubscribeAnswer implements StreamingPost.Receiver {
    /** Most of a refusal's body kept for its message. */
    private static final int MAX_REFUSAL_BYTES = 64 * 1024;

    /** The answer's head: a 200 carries the stream's id (null when the master sent none); others their body. */
    record Head(int status, String location, String streamId, byte[] body) {}

    private final Encoding encoding;
    private final BiConsumer<String, Event> events;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    private final CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();
    private final RecordIODecoder decoder = new RecordIODecoder();
    private int status;
    private String location;
    private String streamId;
    private volatile boolean subscribed;
    private final ByteArrayOutputStream refusal = new ByteArrayOutputStream();

    /** @param events each event of the stream, with the stream's id, on the I/O thread (must not block) */
    SubscribeAnswer(Encoding encoding, BiConsumer<String, Event> events) {
        this.encoding = encoding;
        this.events = events;
    }

    /** The head; fails with why no head came (the master unreachable, no answer in time). */
    CompletableFuture<Head> head() {
        return head;
    }

    /** The end of a 200's stream: empty when the master ended it, else what broke it. */
    CompletableFuture<Optional<Throwable>> ended() {
        return ended;
    }

    /** Whether the stream brought SUBSCRIBED (read once {@link #ended()} completed). */
    boolean wasSubscribed() {
        return subscribed;
    }

    @Override
    public void onHead(int status, HttpHeaders headers) {
        this.status = status;
        this.location = headers.get("Location");
        if (status == 200) {
            streamId = headers.get(SchedulerClient.STREAM_ID_HEADER);
            head.complete(new Head(200, location, streamId, new byte[0]));
        }
    }

    @Override
    public void onContent(ByteBuf content) {
        if (status != 200) {
            int kept = Math.min(MAX_REFUSAL_BYTES - refusal.size(), content.readableBytes());
            refusal.write(ByteBufUtil.getBytes(content, content.readerIndex(), kept), 0, kept);
            return;
        }
        if (streamId == null) {
            return; // the reader closes a stream without an id
        }
        for (byte[] record : decoder.feed(ByteBufUtil.getBytes(content))) {
            Event event = encoding.decode(record, Event.getDefaultInstance());
            subscribed |= event.getType() == Event.Type.SUBSCRIBED;
            events.accept(streamId, event);
        }
    }

    @Override
    public void onEnd(Throwable failure) {
        if (!head.isDone()) {
            if (status == 0) {
                head.completeExceptionally(failure);
            } else {
                head.complete(new Head(status, location, null, refusal.toByteArray()));
            }
        }
        if (failure == null && !decoder.isAtRecordBoundary()) {
            failure = new IOException("event stream ended in the middle of a record");
        }
        ended.complete(Optional.ofNullable(failure));
    }
}
