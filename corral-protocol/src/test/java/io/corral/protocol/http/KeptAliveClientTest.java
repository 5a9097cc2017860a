package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SDK's call client against Corral's own HTTP server on loopback. */
class KeptAliveClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final KeptAliveClient client = new KeptAliveClient("test-calls", Optional.empty(), Duration.ofSeconds(2),
            4);
    private final LoopbackServers servers = new LoopbackServers();

    @AfterEach
    void stop() {
        client.close();
        servers.close();
    }

    @Test
    void manyCallsShareAFewKeptAliveConnectionsAndEachGetsItsOwnAnswer() throws Exception {
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        HttpServer server = serve(exchange -> {
            clientPorts.add(exchange.remoteAddress().getPort());
            exchange.respond(202, "text/plain", exchange.body()); // echo: each answer names its request
        });

        List<CompletableFuture<KeptAliveClient.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            answers.add(client.post(uri(server, "/api/v1/scheduler?x=1"), Map.of("Content-Type", "text/plain"),
                    ("call " + i).getBytes(StandardCharsets.UTF_8), TIMEOUT));
        }

        for (int i = 0; i < 500; i++) {
            KeptAliveClient.Answer answer = answers.get(i).get(10, TimeUnit.SECONDS);
            assertThat(answer.status()).isEqualTo(202);
            assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("call " + i);
        }
        assertThat(clientPorts).hasSizeBetween(1, 4); // at most 4 connections, kept alive
    }

    @Test
    void theTimeoutCountsFromTheSendingNotTheWaitForAConnection() throws Exception {
        HttpServer server = serve(exchange -> exchange.runLater(TimeUnit.MILLISECONDS.toNanos(50),
                () -> exchange.respondText(202, "ok")));

        // 100 calls over 4 connections, 50 ms each: the last waits about 1.2 s for a connection, longer than its
        // 500 ms timeout; it must not fail for the calls queued before it (a burst of acknowledgements once did).
        List<CompletableFuture<KeptAliveClient.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            answers.add(client.post(uri(server, "/"), Map.of(), new byte[0], Duration.ofMillis(500)));
        }

        for (CompletableFuture<KeptAliveClient.Answer> answer : answers) {
            assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
        }
    }

    @Test
    void callsPostedAheadGoBeforeTheCallsWaitingForAConnectionInTheirOwnOrder() throws Exception {
        List<String> arrived = new CopyOnWriteArrayList<>();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = serve(exchange -> {
            String body = new String(exchange.body(), StandardCharsets.UTF_8);
            arrived.add(body);
            if (body.equals("first")) { // holds the only connection until the others wait for it
                holding.countDown();
                new Thread(() -> {
                    awaitQuietly(release);
                    exchange.respondText(202, body);
                }).start();
            } else {
                exchange.respondText(202, body);
            }
        });
        HttpServer other = serve(exchange -> exchange.respondText(202, "other"));
        try (KeptAliveClient oneConnection = new KeptAliveClient("test-one", Optional.empty(), Duration.ofSeconds(2),
                1)) {
            CompletableFuture<KeptAliveClient.Answer> first = post(oneConnection, server, "first", false);
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<KeptAliveClient.Answer>> waiting = List.of(
                    post(oneConnection, server, "call 1", false), post(oneConnection, server, "ack 1", true),
                    post(oneConnection, server, "call 2", false), post(oneConnection, server, "ack 2", true));
            // Handed to the client's I/O thread after the four: once it is answered, they all wait in its queues.
            assertThat(post(oneConnection, other, "elsewhere", false).get(10, TimeUnit.SECONDS).status())
                    .isEqualTo(202);
            release.countDown();

            first.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<KeptAliveClient.Answer> answer : waiting) {
                assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
            }
        }
        assertThat(arrived).containsExactly("first", "ack 1", "ack 2", "call 1", "call 2");
    }

    @Test
    void pipelinesCallsOnOneConnectionUntilItIsFullAndTakesEachAnswerInOrder() throws Exception {
        BlockingQueue<HttpExchange> begun = new LinkedBlockingQueue<>();
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        HttpServer server = serve(exchange -> {
            clientPorts.add(exchange.remoteAddress().getPort());
            exchange.handedOff();
            begun.add(exchange);
        });
        try (KeptAliveClient pipelining = new KeptAliveClient("test-pipelined", Optional.empty(),
                Duration.ofSeconds(2), 2, 8)) {
            List<CompletableFuture<KeptAliveClient.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) { // posted ahead: they may take every place
                answers.add(post(pipelining, server, "call " + i, true));
            }
            List<HttpExchange> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) { // all eight reach the server before any is answered
                all.add(begun.poll(10, TimeUnit.SECONDS));
            }
            assertThat(clientPorts).hasSize(1); // on one connection: it had room for them all
            for (int i = 7; i >= 0; i--) { // answered last to first; written, and taken, in order
                all.get(i).respond(202, "text/plain", all.get(i).body());
            }

            for (int i = 0; i < 8; i++) {
                assertThat(new String(answers.get(i).get(10, TimeUnit.SECONDS).body(), StandardCharsets.UTF_8))
                        .isEqualTo("call " + i);
            }
            // A ninth while the first connection is full opens the second.
            List<CompletableFuture<KeptAliveClient.Answer>> more = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                more.add(post(pipelining, server, "more " + i, true));
            }
            List<HttpExchange> nine = new ArrayList<>();
            for (int i = 0; i < 9; i++) { // all nine reach the server before any is answered
                nine.add(begun.poll(10, TimeUnit.SECONDS));
            }
            nine.forEach(exchange -> exchange.respondText(202, "ok"));
            for (CompletableFuture<KeptAliveClient.Answer> answer : more) {
                assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
            }
            assertThat(clientPorts).hasSize(2);
        }
    }

    @Test
    void callsPostedAheadFindRoomWhileOtherCallsFillTheirQuarter() throws Exception {
        BlockingQueue<HttpExchange> begun = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.handedOff();
            begun.add(exchange);
        });
        try (KeptAliveClient pipelining = new KeptAliveClient("test-pipelined", Optional.empty(),
                Duration.ofSeconds(2), 2, 4)) {
            List<CompletableFuture<KeptAliveClient.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) { // a flood of ordinary calls: two of the eight places
                answers.add(post(pipelining, server, "call " + i, false));
            }
            for (int i = 0; i < 3; i++) {
                answers.add(post(pipelining, server, "ack " + i, true));
            }
            List<String> arrived = new ArrayList<>();
            List<HttpExchange> held = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // all sent before any answer
                held.add(begun.poll(10, TimeUnit.SECONDS));
                arrived.add(new String(held.get(i).body(), StandardCharsets.UTF_8));
            }
            assertThat(arrived).containsExactlyInAnyOrder("call 0", "call 1", "ack 0", "ack 1", "ack 2");

            held.forEach(exchange -> exchange.respondText(202, "ok"));
            for (int i = 0; i < 8; i++) {
                begun.poll(10, TimeUnit.SECONDS).respondText(202, "ok");
            }
            for (CompletableFuture<KeptAliveClient.Answer> answer : answers) {
                assertThat(answer.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
            }
        }
    }

    @Test
    void aPipelinedCallUnansweredInTimeFailsThoseBehindItAndTheNextGoesOnAFreshConnection() throws Exception {
        BlockingQueue<HttpExchange> held = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.handedOff();
            if (new String(exchange.body(), StandardCharsets.UTF_8).equals("slow")) {
                held.add(exchange); // never answered in time
            } else {
                exchange.respondText(202, "ok");
            }
        });
        try (KeptAliveClient pipelining = new KeptAliveClient("test-pipelined", Optional.empty(),
                Duration.ofSeconds(2), 1, 4)) {
            CompletableFuture<KeptAliveClient.Answer> slow = pipelining.post(uri(server, "/"), Map.of(),
                    "slow".getBytes(StandardCharsets.UTF_8), Duration.ofMillis(300));
            HttpExchange slowAtTheServer = held.poll(10, TimeUnit.SECONDS);
            CompletableFuture<KeptAliveClient.Answer> behind = post(pipelining, server, "behind", true);

            assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(HttpTimeoutException.class);
            assertThatThrownBy(() -> behind.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IOException.class).hasMessageContaining("closed before the answer");
            slowAtTheServer.respondText(202, "late"); // to a closed connection: dropped

            assertThat(new String(post(pipelining, server, "next", false).get(10, TimeUnit.SECONDS).body(),
                    StandardCharsets.UTF_8)).isEqualTo("ok");
        }
    }

    private static CompletableFuture<KeptAliveClient.Answer> post(KeptAliveClient client, HttpServer server,
                                                                  String body, boolean ahead) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ahead ? client.postAhead(uri(server, "/"), Map.of(), bytes, TIMEOUT)
                : client.post(uri(server, "/"), Map.of(), bytes, TIMEOUT);
    }

    @Test
    void sendsTheHeadersAndPathGivenAndReturnsAnErrorAnswerAsIs() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(400, exchange.method() + " " + exchange.uri()
                + " " + exchange.header("Mesos-Stream-Id") + " " + exchange.header("Host")));

        KeptAliveClient.Answer answer = client.post(uri(server, "/p?q=a%20b"), Map.of("Mesos-Stream-Id", "s1"),
                new byte[0], TIMEOUT).get(10, TimeUnit.SECONDS);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8))
                .isEqualTo("POST /p?q=a%20b s1 127.0.0.1:" + server.port());
    }

    @Test
    void aCallUnansweredInTimeFailsAndTheNextGoesOnAFreshConnection() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = serve(exchange -> {
            if (new String(exchange.body(), StandardCharsets.UTF_8).equals("slow")) {
                new Thread(() -> { // answered from another thread, once the client has given up
                    awaitQuietly(release);
                    exchange.respondText(202, "late");
                }).start();
            } else {
                exchange.respondText(202, "ok");
            }
        });

        CompletableFuture<KeptAliveClient.Answer> slow = client.post(uri(server, "/"), Map.of(),
                "slow".getBytes(StandardCharsets.UTF_8), Duration.ofMillis(200));
        assertThatThrownBy(() -> slow.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(HttpTimeoutException.class);
        release.countDown();

        // A late answer must never be taken for the next call's.
        for (int i = 0; i < 8; i++) {
            KeptAliveClient.Answer next = client.post(uri(server, "/"), Map.of(),
                    "fast".getBytes(StandardCharsets.UTF_8), TIMEOUT).get(10, TimeUnit.SECONDS);
            assertThat(new String(next.body(), StandardCharsets.UTF_8)).isEqualTo("ok");
        }
    }

    @Test
    void aServerThatIsNotThereFailsTheCallWithWhereItDialled() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        CompletableFuture<KeptAliveClient.Answer> answer = client.post(URI.create("http://127.0.0.1:" + port + "/"),
                Map.of(), new byte[0], TIMEOUT);

        assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void aServerThatRestartsIsReachedAgainOnNewConnections() throws Exception {
        HttpServer first = serve(exchange -> exchange.respondText(202, "first"));
        int port = first.port();
        assertThat(client.post(uri(first, "/"), Map.of(), new byte[0], TIMEOUT).get(10, TimeUnit.SECONDS).status())
                .isEqualTo(202);
        first.close(); // the kept-alive connection breaks

        HttpServer second = HttpServer.start("127.0.0.1", port, exchange -> exchange.respondText(202, "second"));
        servers.add(second);
        KeptAliveClient.Answer answer = retryOnce(() -> client.post(uri(second, "/"), Map.of(), new byte[0],
                TIMEOUT));

        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    @Test
    void aClosedClientFailsCallsAtOnce() {
        client.close();
        assertThatThrownBy(() -> client.post(URI.create("http://127.0.0.1:1/"), Map.of(), new byte[0], TIMEOUT)
                .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
    }

    /**
     * The first call after the server went away may meet the old connection closing (as with any kept-alive client,
     * that one fails); the next must reach the new server.
     */
    private static KeptAliveClient.Answer retryOnce(
            java.util.function.Supplier<CompletableFuture<KeptAliveClient.Answer>> call) throws Exception {
        try {
            return call.get().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return call.get().get(10, TimeUnit.SECONDS);
        }
    }

    private HttpServer serve(HttpHandler handler) {
        return servers.serve(handler);
    }

    private static URI uri(HttpServer server, String target) {
        return LoopbackServers.uri(server, target);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
