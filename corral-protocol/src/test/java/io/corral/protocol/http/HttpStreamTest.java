package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpStreamTest {
    private static final String SUBSCRIBE =
            "POST /api/v1/scheduler HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

    private final BlockingQueue<HttpStream> streams = new LinkedBlockingQueue<>();
    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(HttpServer::close);
    }

    /** A server whose handler starts a Mesos-style event stream and hands it to the test, sending nothing. */
    private HttpServer streamingServer(HttpServerOptions options) {
        HttpServer server = HttpServer.start("127.0.0.1", 0, exchange -> streams.add(
                exchange.startStream(200, "application/json", Map.of("Mesos-Stream-Id", "stream-1"))), options);
        servers.add(server);
        return server;
    }

    private HttpServer streamingServer() {
        return streamingServer(HttpServerOptions.defaults());
    }

    private HttpStream nextStream() throws InterruptedException {
        HttpStream stream = streams.poll(5, TimeUnit.SECONDS);
        assertThat(stream).as("the handler started a stream").isNotNull();
        return stream;
    }

    private static byte[] record(String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] length = (body.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = Arrays.copyOf(length, length.length + body.length);
        System.arraycopy(body, 0, framed, length.length, body.length);
        return framed;
    }

    @Test
    void sendsTheStatusAndHeadersBeforeAnyData() throws Exception {
        HttpServer server = streamingServer();

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            RawHttpConnection.Head head = connection.readHead(); // nothing was sent on the stream yet

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.headers("Content-Type")).containsExactly("application/json");
            assertThat(head.headers("Transfer-Encoding")).containsExactly("chunked");
            assertThat(head.headers("Mesos-Stream-Id")).containsExactly("stream-1");
            assertThat(head.header("Content-Length")).isNull();
            assertThat(stream.isOpen()).isTrue();
        }
    }

    @Test
    void letsAnHttpClientSeeTheResponseBeforeTheFirstEvent() throws Exception {
        HttpServer server = streamingServer();
        HttpClient client = HttpClient.newHttpClient();

        CompletableFuture<HttpResponse<InputStream>> response = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/scheduler"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        HttpStream stream = nextStream();
        HttpResponse<InputStream> headers = response.get(10, TimeUnit.SECONDS);

        assertThat(headers.statusCode()).isEqualTo(200);
        assertThat(headers.headers().firstValue("Mesos-Stream-Id")).contains("stream-1");
        byte[] event = record("{\"type\":\"HEARTBEAT\"}");
        stream.send(event);
        assertThat(headers.body().readNBytes(event.length)).isEqualTo(event);
        stream.close();
        assertThat(headers.body().read()).isEqualTo(-1);
    }

    @Test
    void writesEachSendAsExactlyOneChunk() throws Exception {
        HttpServer server = streamingServer();
        List<byte[]> records = List.of(
                record("{\"type\":\"SUBSCRIBED\"}"),
                record("{\"type\":\"OFFERS\",\"pad\":\"" + "x".repeat(200_000) + "\"}"),
                record("{\"type\":\"HEARTBEAT\"}"),
                new byte[] {'1', '\n', '{'});

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            connection.readHead();
            List<CompletableFuture<Void>> sent = records.stream().map(stream::send).toList();

            for (byte[] expected : records) {
                assertThat(connection.readChunk()).isEqualTo(expected);
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void encodesOnTheIoThreadInTheOrderHandedOverMixedWithSendsAndBeforeTheClose() throws Exception {
        HttpServer server = streamingServer();
        List<String> encodedOn = new java.util.concurrent.CopyOnWriteArrayList<>();

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            connection.readHead();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String json = "{\"n\":" + i + "}";
                sent.add(i % 5 == 0 ? stream.send(record(json)) : stream.sendEncoded(() -> {
                    encodedOn.add(Thread.currentThread().getName());
                    return record(json);
                }));
            }
            stream.sendEncoded(() -> record("{\"type\":\"ERROR\"}"));
            stream.close(); // an event handed over before the close still goes out, before the last chunk

            for (int i = 0; i < 50; i++) {
                assertThat(connection.readChunk()).isEqualTo(record("{\"n\":" + i + "}"));
            }
            assertThat(connection.readChunk()).isEqualTo(record("{\"type\":\"ERROR\"}"));
            assertThat(connection.readChunk()).as("the last chunk").isEmpty();
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
            assertThat(encodedOn).hasSize(40).noneMatch(name -> name.equals(Thread.currentThread().getName()));
            assertThat(stream.sendEncoded(() -> record("{}"))).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ClosedChannelException.class);
        }
    }

    @Test
    void closeEndsTheResponseAndTheConnection() throws Exception {
        HttpServer server = streamingServer();
        CountDownLatch closed = new CountDownLatch(1);

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            stream.onClose(closed::countDown);
            connection.readHead();
            stream.send(record("{\"type\":\"ERROR\"}"));
            stream.close();

            assertThat(connection.readChunk()).isEqualTo(record("{\"type\":\"ERROR\"}"));
            assertThat(connection.readChunk()).as("the last chunk").isEmpty();
            assertThat(connection.isClosedByServer()).isTrue();
            assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(stream.isOpen()).isFalse();
            assertThat(stream.send(record("{}"))).failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(ClosedChannelException.class);
        }
    }

    @Test
    void firesOnCloseOnceWhenTheClientDisconnects() throws Exception {
        HttpServer server = streamingServer();
        AtomicInteger closings = new AtomicInteger();
        HttpStream stream;

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            stream = nextStream();
            stream.onClose(closings::incrementAndGet);
            connection.readHead();
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> closings.get() == 1);
        assertThat(stream.isOpen()).isFalse();
        stream.close();
        assertThat(closings).hasValue(1);
    }

    @Test
    void runsACallbackRegisteredAfterTheEndAtOnce() throws Exception {
        HttpServer server = streamingServer();

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            CountDownLatch ended = new CountDownLatch(1);
            stream.onClose(ended::countDown);
            stream.close();
            assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();

            AtomicInteger late = new AtomicInteger();
            stream.onClose(late::incrementAndGet);
            assertThat(late).hasValue(1);
        }
    }

    @Test
    void closesTheStreamOfAClientThatDoesNotReadOncePendingBytesPassTheLimit() throws Exception {
        HttpServer server = streamingServer(HttpServerOptions.defaults().withMaxPendingStreamBytes(1024 * 1024));
        byte[] bigRecord = new byte[256 * 1024];
        Arrays.fill(bigRecord, (byte) 'x');

        try (RawHttpConnection slowClient = new RawHttpConnection(server.port(), 4096)) {
            slowClient.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            CountDownLatch closed = new CountDownLatch(1);
            stream.onClose(closed::countDown);
            int sends = 0;
            while (stream.isOpen() && sends < 1000) { // 250 MiB at most: the limit must trip long before
                stream.send(bigRecord);
                sends++;
            }

            assertThat(stream.isOpen()).isFalse();
            assertThat(sends).isLessThan(1000);
            assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closesAStreamWhoseHandlerThrowsAfterStartingIt() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        HttpServer server = HttpServer.start("127.0.0.1", 0, exchange -> {
            exchange.startStream(200, "application/x-protobuf", Map.of()).onClose(closed::countDown);
            throw new IllegalStateException("failed after subscribing");
        });
        servers.add(server);

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);

            assertThat(connection.readHead().headers("Content-Type")).containsExactly("application/x-protobuf");
            assertThat(connection.readChunk()).isEmpty();
            assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closingTheServerClosesItsStreams() throws Exception {
        HttpServer server = streamingServer();

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(SUBSCRIBE);
            HttpStream stream = nextStream();
            CountDownLatch closed = new CountDownLatch(1);
            stream.onClose(closed::countDown);

            server.close();

            assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(stream.isOpen()).isFalse();
        }
    }
}
