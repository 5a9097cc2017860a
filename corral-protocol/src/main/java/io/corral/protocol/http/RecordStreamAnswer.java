package io.corral.protocol.http;

import io.corral.protocol.recordio.RecordIODecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The answer to a subscription (a scheduler's SUBSCRIBE, an agent's REGISTER) as it arrives through a
 * {@link StreamingPost}: its head, for the subscribing thread to judge (a redirect, a refusal with its message, or the
 * stream), then each RecordIO record of the stream, decoded on the I/O thread that read it and handed on with the
 * stream's id, then why the stream ended.
 *
 * <p>Threading: the {@link StreamingPost.Receiver} methods run on the stream's I/O thread, one at a time, and so do
 * the callbacks given here; the subscribing thread awaits {@link #head()} and {@link #ended()}.
 *
 * @param <E> what a record decodes to (an event)
 */
public final class RecordStreamAnswer<E> implements StreamingPost.Receiver {
    /** Most of a refusal's body kept for its message. */
    private static final int MAX_REFUSAL_BYTES = 64 * 1024;

    /** The answer's head: a 200 carries the stream's id (null when the server sent none); others their body. */
    public record Head(int status, String location, String streamId, byte[] body) {}

    private final String streamIdHeader;
    private final Function<byte[], E> decode;
    private final Consumer<String> streamStarts;
    private final BiConsumer<String, E> records;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    private final CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();
    private final RecordIODecoder decoder = new RecordIODecoder();
    private final ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    private int status;
    private String location;
    private String streamId;

    /**
     * @param streamIdHeader the header naming the stream ({@code Mesos-Stream-Id}, ...)
     * @param decode         a record to its event; throwing ends the stream with that failure
     * @param streamStarts   told the stream's id when a 200 with one arrives, before any of its records
     * @param records        each decoded record with the stream's id; must not block
     */
    public RecordStreamAnswer(String streamIdHeader, Function<byte[], E> decode, Consumer<String> streamStarts,
                              BiConsumer<String, E> records) {
        this.streamIdHeader = streamIdHeader;
        this.decode = decode;
        this.streamStarts = streamStarts;
        this.records = records;
    }

    /** The head; fails with why no head came (the server unreachable, no answer in time, the stream closed). */
    public CompletableFuture<Head> head() {
        return head;
    }

    /** The end of a 200's stream: empty when the server ended it, else what broke it. */
    public CompletableFuture<Optional<Throwable>> ended() {
        return ended;
    }

    @Override
    public void onHead(int status, HttpHeaders headers) {
        this.status = status;
        this.location = headers.get("Location");
        if (status == 200) {
            streamId = headers.get(streamIdHeader);
            if (streamId != null) {
                streamStarts.accept(streamId);
            }
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
            return; // the subscriber closes a stream without an id
        }
        for (byte[] record : decoder.feed(ByteBufUtil.getBytes(content))) {
            records.accept(streamId, decode.apply(record));
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
