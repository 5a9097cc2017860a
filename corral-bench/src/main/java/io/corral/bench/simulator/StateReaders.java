package io.corral.bench.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;

/**
 * Concurrent readers of the master's whole state, as dashboards and tools read it: each reader sends its next
 * request as soon as the previous answer is read off the wire, for a fixed time. They take gzip
 * ({@code Accept-Encoding: gzip}), as browsers and most HTTP libraries do. One kept-alive HTTP/1.1 connection per
 * reader, all on two Netty I/O threads.
 *
 * <p>The readers stand in for dashboards on other machines, so what they do with an answer is kept off the master's
 * cores: an answer is counted as it arrives, in the I/O layer's pooled buffers, never gathered into an array; its
 * size before compression is read from its gzip trailer, and only the first answer is kept, inflated and parsed, after
 * the reading ends, to check that it is a JSON object. (Inflating every answer on the clock, as this class first did,
 * took 20 readers more than half of this two-core machine at 10,000 agents. The JDK's {@code HttpClient}, which it
 * then used, gathered every answer into a new array through new 1 MiB buffers: at 10,000 agents its 20 readers of a
 * 7.7 MB {@code GET_STATE} allocated about 5 GB a second, and every reader's slowest answers were the simulator's
 * own collection pauses, not the master.)
 *
 * <p>Threading: {@link #read} blocks its caller; each reader's state is confined to its connection's I/O thread.
 */
final class StateReaders {
    private static final JsonFactory JSON = new JsonFactory();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** What a round of reading measured; {@code latenciesNanos} are every successful read's, sorted. */
    record Result(int reads, int failures, long bytesPerRead, long wireBytesPerRead, double p50Ms, double p99Ms,
                  double maxMs, List<Long> latenciesNanos) {}

    /** What the readers send again and again: a GET, or a POST of {@code body} (JSON). */
    record Request(URI uri, HttpMethod method, byte[] body) {
        FullHttpRequest toNetty() {
            String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target,
                    Unpooled.wrappedBuffer(body));
            request.headers().set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort())
                    .set(HttpHeaderNames.ACCEPT, "application/json")
                    .set(HttpHeaderNames.ACCEPT_ENCODING, "gzip");
            if (body.length > 0) {
                request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            }
            HttpUtil.setContentLength(request, body.length);
            return request;
        }

        @Override
        public String toString() {
            return method + " " + uri;
        }
    }

    private StateReaders() {
    }

    /** GET {@code url} (JSON, gzip taken). */
    static Request get(String url) {
        return new Request(URI.create(url), HttpMethod.GET, new byte[0]);
    }

    /** The operator API's GET_STATE ({@code POST /api/v1}, JSON, gzip taken). */
    static Request getState(String masterUrl) {
        return new Request(URI.create(masterUrl + "/api/v1"), HttpMethod.POST,
                "{\"type\":\"GET_STATE\"}".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One read alone, in milliseconds: the first after a launch renders every task afresh (later readings reuse what
     * did not change), so it is reported apart from the readers' steady state.
     */
    static double once(Request request) throws InterruptedException {
        Result result = read(request, 1, Duration.ZERO);
        if (result.reads() != 1) {
            throw new IllegalStateException("the read failed: " + request);
        }
        return result.maxMs();
    }

    /** {@code request} sent by {@code readers} readers in a loop for {@code duration} (at least once each). */
    static Result read(Request request, int readers, Duration duration) throws InterruptedException {
        Tally tally = new Tally(System.nanoTime() + duration.toNanos(), readers);
        NioEventLoopGroup io = new NioEventLoopGroup(2, new DefaultThreadFactory("state-reader", true));
        try {
            for (int r = 0; r < readers; r++) {
                connect(io, request, tally, r == 0);
            }
            tally.done.await();
        } finally {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (tally.firstAnswer.get() != null) {
            checkIsJsonObject(tally.firstAnswer.get());
        }
        List<Long> sorted;
        synchronized (tally.latencies) {
            sorted = new ArrayList<>(tally.latencies);
        }
        Collections.sort(sorted);
        return new Result(sorted.size(), tally.failures.intValue(), tally.bytes.get(), tally.wireBytes.get(),
                percentileMs(sorted, 0.50), percentileMs(sorted, 0.99),
                sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6, sorted);
    }

    /** What every reader adds to; the latencies list is guarded by itself. */
    private static final class Tally {
        final long deadlineNanos;
        final CountDownLatch done;
        final List<Long> latencies = new ArrayList<>();
        final LongAdder failures = new LongAdder();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong wireBytes = new AtomicLong();
        final AtomicReference<Answer> firstAnswer = new AtomicReference<>();

        Tally(long deadlineNanos, int readers) {
            this.deadlineNanos = deadlineNanos;
            this.done = new CountDownLatch(readers);
        }

        boolean over() {
            return System.nanoTime() - deadlineNanos >= 0;
        }
    }

    /** A whole answer as received, kept only to be checked after the reading. */
    private record Answer(boolean gzipped, byte[] body) {}

    /** Opens one reader's connection; a connection that fails or closes is opened again until the time is up. */
    private static void connect(NioEventLoopGroup io, Request request, Tally tally, boolean keepsFirstAnswer) {
        new Bootstrap().group(io).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpClientCodec())
                                .addLast(new Reader(io, request, tally, keepsFirstAnswer));
                    }
                })
                .connect(request.uri().getHost(), request.uri().getPort()).addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        tally.failures.increment();
                        again(io, request, tally, keepsFirstAnswer);
                    }
                });
    }

    /** After a failed connection: another, unless the time is up (then this reader is done). */
    private static void again(NioEventLoopGroup io, Request request, Tally tally, boolean keepsFirstAnswer) {
        if (tally.over()) {
            tally.done.countDown();
        } else {
            io.schedule(() -> connect(io, request, tally, keepsFirstAnswer), 100, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * One reader on its connection: sends the request, counts the answer's bytes as they arrive (keeping its first
     * two and last four), and sends again when the answer is complete. Confined to the connection's I/O thread.
     */
    private static final class Reader extends SimpleChannelInboundHandler<HttpObject> {
        private final NioEventLoopGroup io;
        private final Request request;
        private final Tally tally;
        private final boolean keepsFirstAnswer;
        private ByteArrayOutputStream kept; // the whole answer, for the first answer of the first reader only
        private boolean finished;
        private long sentNanos;
        private int status;
        private boolean gzipped;
        private long received;
        private final byte[] head = new byte[2];
        private final byte[] tail = new byte[4];

        Reader(NioEventLoopGroup io, Request request, Tally tally, boolean keepsFirstAnswer) {
            this.io = io;
            this.request = request;
            this.tally = tally;
            this.keepsFirstAnswer = keepsFirstAnswer;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            received = 0;
            kept = keepsFirstAnswer && tally.firstAnswer.get() == null ? new ByteArrayOutputStream() : null;
            sentNanos = System.nanoTime();
            ctx.writeAndFlush(request.toNetty());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
            if (message instanceof HttpResponse response) {
                status = response.status().code();
                gzipped = "gzip".equalsIgnoreCase(response.headers().get(HttpHeaderNames.CONTENT_ENCODING));
            }
            if (message instanceof HttpContent content) {
                count(content.content());
            }
            if (message instanceof LastHttpContent) {
                answered(ctx);
            }
        }

        private void count(ByteBuf bytes) {
            int n = bytes.readableBytes();
            for (int i = 0; i < n && received + i < head.length; i++) {
                head[(int) received + i] = bytes.getByte(bytes.readerIndex() + i);
            }
            for (int i = Math.max(0, n - tail.length); i < n; i++) { // roll the last four bytes along
                System.arraycopy(tail, 1, tail, 0, tail.length - 1);
                tail[tail.length - 1] = bytes.getByte(bytes.readerIndex() + i);
            }
            received += n;
            if (kept != null) {
                kept.writeBytes(ByteBufUtil.getBytes(bytes));
            }
        }

        private void answered(ChannelHandlerContext ctx) {
            if (status == 200) {
                synchronized (tally.latencies) {
                    tally.latencies.add(System.nanoTime() - sentNanos);
                }
                tally.bytes.set(decodedSize());
                tally.wireBytes.set(received);
                if (kept != null) {
                    tally.firstAnswer.compareAndSet(null, new Answer(gzipped, kept.toByteArray()));
                }
            } else {
                tally.failures.increment();
            }
            if (tally.over()) {
                finish(ctx);
            } else {
                send(ctx);
            }
        }

        /** The answer's size before compression: a gzip member ends with it. */
        private long decodedSize() {
            if (!gzipped) {
                return received;
            }
            if (received < 18 || (head[0] & 0xff) != 0x1f || (head[1] & 0xff) != 0x8b) {
                throw new IllegalStateException("the answer said gzip but is not: " + received + " bytes");
            }
            return isize(tail, 0);
        }

        private void finish(ChannelHandlerContext ctx) {
            finished = true;
            tally.done.countDown();
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!finished) { // the master closed the connection, or it broke mid-answer
                finished = true;
                tally.failures.increment();
                again(io, request, tally, keepsFirstAnswer);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // counted as a failure when the connection goes inactive
        }
    }

    /** A gzip trailer's ISIZE (the size before compression, little-endian, modulo 4 GiB) at {@code at}. */
    private static long isize(byte[] bytes, int at) {
        return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16
                | (bytes[at + 3] & 0xffL) << 24;
    }

    /** Inflates (streaming) and parses an answer whole; it must be one JSON object, of the size its trailer says. */
    private static void checkIsJsonObject(Answer answer) {
        try (CountingInputStream in = new CountingInputStream(answer.gzipped()
                     ? new GZIPInputStream(new ByteArrayInputStream(answer.body()), 64 * 1024)
                     : new ByteArrayInputStream(answer.body()));
             JsonParser parser = JSON.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("the answer is not a JSON object");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new IllegalStateException("the answer has more after its JSON object");
            }
            long expected = answer.gzipped() ? isize(answer.body(), answer.body().length - 4) : answer.body().length;
            if ((in.count & 0xffffffffL) != expected) {
                throw new IllegalStateException("the answer inflated to " + in.count + " bytes, not the " + expected
                        + " its trailer says");
            }
        } catch (IOException e) {
            throw new IllegalStateException("the answer is not readable JSON: " + e.getMessage(), e);
        }
    }

    /** Counts what is read through it. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count += Math.max(n, 0);
            return n;
        }
    }

    /** Nearest-rank percentile of sorted nanosecond values, in milliseconds. */
    static double percentileMs(List<Long> sortedNanos, double p) {
        if (sortedNanos.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sortedNanos.size());
        return sortedNanos.get(Math.max(0, Math.min(sortedNanos.size() - 1, rank - 1))) / 1e6;
    }
}
