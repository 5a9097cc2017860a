package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.security.RateLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Connection, stream and rate limits on a real server over loopback. */
class ThrottleTest {
    private final List<AutoCloseable> open = new ArrayList<>();
    private ClientQuotas quotas;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /**
     * A server whose "authentication" takes the principal from an {@code X-Principal} header, then throttles; its
     * handler answers 200, or starts a stream on {@code /stream}.
     */
    private HttpServer serve(String limitsJson) {
        RateLimits limits = RateLimits.parse(limitsJson, "test");
        quotas = new ClientQuotas(limits);
        HttpHandler routes = exchange -> {
            if (exchange.path().equals("/stream")) {
                if (exchange.reserveStream()) {
                    exchange.startStream(200, "application/json", Map.of()).send("hello".getBytes());
                }
            } else {
                exchange.respondText(200, "served");
            }
        };
        Throttle throttle = new Throttle(new RateLimiter(limits, System::nanoTime), "/health"::equals, routes);
        HttpHandler authenticating = exchange -> {
            String principal = exchange.header("X-Principal");
            if (principal != null) {
                exchange.authenticatedAs(principal, false);
            }
            throttle.handle(exchange);
        };
        HttpServer server = HttpServer.start("127.0.0.1", 0, authenticating, HttpServerOptions.defaults(), quotas);
        open.add(server);
        return server;
    }

    private RawHttpConnection connect(HttpServer server) throws Exception {
        RawHttpConnection connection = new RawHttpConnection(server.port());
        open.add(connection);
        return connection;
    }

    private static String get(String path, String principal) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (principal == null ? "" : "X-Principal: " + principal
                + "\r\n") + "\r\n";
    }

    @Test
    void anAddressOverItsConnectionLimitIsCutOffAtOnce() throws Exception {
        HttpServer server = serve("{\"default_max_connections\": 3}");
        for (int i = 0; i < 3; i++) {
            RawHttpConnection c = connect(server);
            c.write(get("/x", null));
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        RawHttpConnection fourth = connect(server);
        assertThat(fourth.isClosedByServer()).isTrue();

        // Closing one gives its place back.
        open.get(1).close();
        ClientQuotas.Client loopback = new ClientQuotas.Client(Optional.empty(), "127.0.0.1");
        await().atMost(Duration.ofSeconds(5)).until(() -> quotas.connections(loopback) == 2);
        RawHttpConnection again = connect(server);
        again.write(get("/x", null));
        assertThat(again.readResponse().status()).isEqualTo(200);
    }

    @Test
    void aPrincipalOverItsConnectionLimitGets429AndTheConnectionCloses() throws Exception {
        HttpServer server = serve("{\"limits\": [{\"principal\": \"p\", \"max_connections\": 2}]}");
        for (int i = 0; i < 2; i++) {
            RawHttpConnection c = connect(server);
            c.write(get("/x", "p"));
            assertThat(c.readResponse().status()).isEqualTo(200);
        }
        RawHttpConnection third = connect(server);
        third.write(get("/x", "p"));
        RawHttpConnection.Response refused = third.readResponse();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.head().header("Retry-After")).isEqualTo("5");
        assertThat(refused.bodyText()).contains("Too many connections: principal 'p' already has 2 open",
                "the limit is 2");
        assertThat(third.isClosedByServer()).isTrue();
        // Another principal on the same address is not affected.
        RawHttpConnection other = connect(server);
        other.write(get("/x", "q"));
        assertThat(other.readResponse().status()).isEqualTo(200);
    }

    @Test
    void aClientOverItsStreamLimitGets429UntilOneOfItsStreamsEnds() throws Exception {
        HttpServer server = serve("{\"limits\": [{\"principal\": \"p\", \"max_streams\": 2}]}");
        List<RawHttpConnection> streams = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RawHttpConnection c = connect(server);
            c.write(get("/stream", "p"));
            assertThat(c.readHead().status()).isEqualTo(200);
            streams.add(c);
        }
        RawHttpConnection third = connect(server);
        third.write(get("/stream", "p"));
        RawHttpConnection.Response refused = third.readResponse();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.bodyText()).contains("Too many event streams: principal 'p' already has 2 open");
        // A plain request on the same connection still works: the refused stream gave back nothing it held.
        third.write(get("/x", "p"));
        assertThat(third.readResponse().status()).isEqualTo(200);

        ClientQuotas.Client p = new ClientQuotas.Client(Optional.of("p"), "");
        assertThat(quotas.streams(p)).isEqualTo(2);
        streams.get(0).close();
        await().atMost(Duration.ofSeconds(5)).until(() -> quotas.streams(p) == 1);
        RawHttpConnection again = connect(server);
        again.write(get("/stream", "p"));
        assertThat(again.readHead().status()).isEqualTo(200);
    }

    @Test
    void requestsOverTheRateWaitTheirTurnAndOverTheQueueGet429WithRetryAfter() throws Exception {
        // 1 qps: the next token comes a whole second after the first request, long enough that the two later
        // requests both arrive before it even on a loaded machine; which of them queues depends on the order the
        // server reads them, so the test asks only that one waits and the other is refused.
        HttpServer server = serve("{\"limits\": [{\"principal\": \"p\", \"qps\": 1, \"capacity\": 1}]}");
        RawHttpConnection first = connect(server);
        RawHttpConnection second = connect(server);
        RawHttpConnection third = connect(server);
        long start = System.nanoTime();
        first.write(get("/x", "p"));
        assertThat(first.readResponse().status()).isEqualTo(200);
        second.write(get("/x", "p"));
        third.write(get("/x", "p"));
        RawHttpConnection.Response a = second.readResponse();
        RawHttpConnection.Response b = third.readResponse();
        assertThat(List.of(a.status(), b.status())).containsExactlyInAnyOrder(200, 429);
        RawHttpConnection.Response refused = a.status() == 429 ? a : b;
        assertThat(refused.head().header("Retry-After")).isEqualTo("1");
        // The one that waited got its token a second after the first request.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        // Health probes are never throttled.
        for (int i = 0; i < 20; i++) {
            third.write(get("/health", "p"));
            assertThat(third.readResponse().status()).isEqualTo(200);
        }
    }
}
