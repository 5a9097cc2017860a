package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A streaming POST (the SDK's SUBSCRIBE) against Corral's own HTTP server on loopback. */
class StreamingPostTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final EventLoop io = group.next();
    private final LoopbackServers servers = new LoopbackServers();

    @AfterEach
    void stop() {
        servers.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void theHeadThenEachPieceAsItIsSentThenTheEnd() throws Exception {
        CountDownLatch firstPieceSeen = new CountDownLatch(1);
        HttpServer server = serveOneThenTwo("s-1", firstPieceSeen);
        Recorder recorder = new Recorder(firstPieceSeen);

        StreamingPost.open(io, Optional.empty(), TIMEOUT, uri(server, "/api/v1/scheduler?x=1"),
                Map.of("Content-Type", "text/plain"), bytes("subscribe"), TIMEOUT, recorder);

        assertThat(recorder.end.get(10, TimeUnit.SECONDS)).isEqualTo("ended");
        assertThat(recorder.log).containsExactly("head 200 s-1", "one;", "two;");
    }

    @Test
    void theEndOfEachReadIsToldAfterItsPieces() throws Exception {
        CountDownLatch firstPieceSeen = new CountDownLatch(1);
        HttpServer server = serveOneThenTwo("s-2", firstPieceSeen);
        Recorder recorder = new Recorder(firstPieceSeen);
        recorder.logsReads = true;

        StreamingPost.open(io, Optional.empty(), TIMEOUT, uri(server, "/api/v1/scheduler"), Map.of(),
                bytes("subscribe"), TIMEOUT, recorder);

        assertThat(recorder.end.get(10, TimeUnit.SECONDS)).isEqualTo("ended");
        // The head may come in a read of its own; each piece is followed by the end of its read before the next.
        String afterHead = String.join(" ", recorder.log.subList(1, recorder.log.size()));
        assertThat(afterHead).matches("(read )?one; read two;( read)?");
    }

    @Test
    void aRefusalArrivesWithItsBody() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(403, exchange.method() + " " + exchange.uri()
                + " " + new String(exchange.body(), StandardCharsets.UTF_8)));
        Recorder recorder = new Recorder(new CountDownLatch(0));

        StreamingPost.open(io, Optional.empty(), TIMEOUT, uri(server, "/api/v1/scheduler?x=1"), Map.of(),
                bytes("subscribe"), TIMEOUT, recorder);

        assertThat(recorder.end.get(10, TimeUnit.SECONDS)).isEqualTo("ended");
        assertThat(recorder.log).hasSize(2).first().isEqualTo("head 403 null");
        assertThat(recorder.log.get(1)).contains("POST /api/v1/scheduler?x=1 subscribe");
    }

    @Test
    void anUnreachableServerEndsItWithoutAHead() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Recorder recorder = new Recorder(new CountDownLatch(0));

        StreamingPost.open(io, Optional.empty(), TIMEOUT, URI.create("http://127.0.0.1:" + port + "/"), Map.of(),
                new byte[0], TIMEOUT, recorder);

        assertThat(recorder.end.get(10, TimeUnit.SECONDS)).startsWith("IOException: cannot connect to 127.0.0.1:");
        assertThat(recorder.log).isEmpty();
    }

    @Test
    void noHeadInTimeEndsItWithATimeout() throws Exception {
        HttpServer server = serve(exchange -> { }); // never answers
        Recorder recorder = new Recorder(new CountDownLatch(0));

        StreamingPost.open(io, Optional.empty(), TIMEOUT, uri(server, "/"), Map.of(), new byte[0],
                Duration.ofMillis(200), recorder);

        assertThat(recorder.end.get(10, TimeUnit.SECONDS)).isEqualTo(HttpTimeoutException.class.getSimpleName()
                + ": no answer within 200 ms");
    }

    @Test
    void closingItEndsTheStreamAndTheServerSeesTheConnectionGo() throws Exception {
        CompletableFuture<Void> serverSawClose = new CompletableFuture<>();
        HttpServer server = serve(exchange -> {
            HttpStream stream = exchange.startStream(200, "text/plain", Map.of());
            stream.onClose(() -> serverSawClose.complete(null));
            stream.send(bytes("hello"));
        });
        CountDownLatch firstPiece = new CountDownLatch(1);
        Recorder recorder = new Recorder(firstPiece);
        StreamingPost post = StreamingPost.open(io, Optional.empty(), TIMEOUT, uri(server, "/"), Map.of(),
                new byte[0], TIMEOUT, recorder);
        assertThat(firstPiece.await(10, TimeUnit.SECONDS)).isTrue();

        post.close();

        assertThat(recorder.end.get(10, TimeUnit.SECONDS)).isEqualTo("IOException: the stream was closed");
        serverSawClose.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aServerThatDropsTheConnectionMidStreamEndsItInFailure() throws Exception {
        HttpServer server = serve(exchange -> {
            exchange.startStream(200, "text/plain", Map.of()).send(bytes("partial"));
        });
        CountDownLatch firstPiece = new CountDownLatch(1);
        Recorder recorder = new Recorder(firstPiece);
        StreamingPost.open(io, Optional.empty(), TIMEOUT, uri(server, "/"), Map.of(), new byte[0], TIMEOUT,
                recorder);
        assertThat(firstPiece.await(10, TimeUnit.SECONDS)).isTrue();

        server.close();

        assertThat(recorder.end.get(10, TimeUnit.SECONDS))
                .isEqualTo("IOException: the connection closed before the answer ended");
    }

    /** Writes down what the receiver hears, on the I/O thread. */
    private static final class Recorder implements StreamingPost.Receiver {
        final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CompletableFuture<String> end = new CompletableFuture<>();
        private final CountDownLatch firstPiece;
        /** Whether the end of each read is logged too, as "read". */
        volatile boolean logsReads;

        Recorder(CountDownLatch firstPiece) {
            this.firstPiece = firstPiece;
        }

        @Override
        public void onHead(int status, HttpHeaders headers) {
            log.add("head " + status + " " + headers.get("Mesos-Stream-Id"));
        }

        @Override
        public void onContent(ByteBuf content) {
            log.add(content.toString(StandardCharsets.UTF_8));
            firstPiece.countDown();
        }

        @Override
        public void onReadComplete() {
            if (logsReads) {
                log.add("read");
            }
        }

        @Override
        public void onEnd(Throwable failure) {
            end.complete(failure == null ? "ended" : failure.getClass().getSimpleName() + ": "
                    + failure.getMessage());
        }
    }

    /**
     * Answers with stream {@code streamId}: "one;", then "two;" and the end only once the client has the first (it is
     * not buffered, and the two never arrive in one read).
     */
    private HttpServer serveOneThenTwo(String streamId, CountDownLatch firstPieceSeen) {
        return serve(exchange -> {
            HttpStream stream = exchange.startStream(200, "text/plain", Map.of("Mesos-Stream-Id", streamId));
            stream.send(bytes("one;"));
            Thread rest = new Thread(() -> {
                awaitQuietly(firstPieceSeen);
                stream.send(bytes("two;"));
                stream.close();
            });
            rest.setDaemon(true);
            rest.start();
        });
    }

    private HttpServer serve(HttpHandler handler) {
        return servers.serve(handler);
    }

    private static URI uri(HttpServer server, String target) {
        return LoopbackServers.uri(server, target);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
