package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServerTest {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(HttpServer::close);
    }

    private HttpServer serve(HttpHandler handler) {
        HttpServer server = HttpServer.start("127.0.0.1", 0, handler);
        servers.add(server);
        return server;
    }

    private HttpResponse<String> get(HttpServer server, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(url(server, path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI url(HttpServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void answersWithTheContentTypeExactlyAsGiven() throws Exception {
        HttpServer server = serve(exchange -> {
            if (exchange.path().equals("/json")) {
                exchange.respond(200, "application/json", utf8("{\"a\":1}"));
            } else {
                exchange.respondText(404, "no such endpoint");
            }
        });

        HttpResponse<String> json = get(server, "/json");
        HttpResponse<String> missing = get(server, "/other");

        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.headers().allValues("Content-Type")).containsExactly("application/json");
        assertThat(json.body()).isEqualTo("{\"a\":1}");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().allValues("Content-Type")).containsExactly("text/plain; charset=utf-8");
        assertThat(missing.body()).isEqualTo("no such endpoint");
    }

    @Test
    void givesTheHandlerEveryPartOfTheRequest() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            seen.add(String.join(" | ", exchange.method(), exchange.uri(), exchange.path(),
                    exchange.queryParam("name"), String.valueOf(exchange.queryParam("absent")),
                    exchange.header("x-corral-test"), new String(exchange.body(), StandardCharsets.UTF_8),
                    exchange.remoteAddress().getAddress().getHostAddress()));
            exchange.respond(202, null, new byte[0]);
        });

        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(url(server, "/api/v1/scheduler?name=a%20b&x=1"))
                        .header("X-Corral-Test", "yes")
                        .POST(HttpRequest.BodyPublishers.ofString("payload"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("Content-Type")).isEmpty();
        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo(
                "POST | /api/v1/scheduler?name=a%20b&x=1 | /api/v1/scheduler | a b | null | yes | payload | 127.0.0.1");
    }

    @Test
    void keepsTheConnectionOpenBetweenRequests() throws Exception {
        HttpServer server = serve(exchange ->
                exchange.respondText(200, "port " + exchange.remoteAddress().getPort()));

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            for (int i = 0; i < 3; i++) {
                connection.write("GET /state HTTP/1.1\r\nHost: test\r\n\r\n");
                RawHttpConnection.Response response = connection.readResponse();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.head().header("Connection")).isNull();
                assertThat(response.bodyText()).isEqualTo("port " + connection.localPort());
            }
        }
    }

    @Test
    void closesAnHttp10ConnectionAfterTheAnswer() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(200, "bye"));

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET / HTTP/1.0\r\n\r\n");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.bodyText()).isEqualTo("bye");
            assertThat(response.head().header("Connection")).isEqualTo("close");
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    @Test
    void showsEveryLineOfARepeatedHeader() throws Exception {
        HttpServer server = serve(exchange ->
                exchange.respondText(200, String.join(" + ", exchange.headers("accept"))));

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("POST /api/v1/scheduler HTTP/1.1\r\nHost: test\r\nAccept: application/json\r\n"
                    + "Accept: application/x-protobuf\r\nContent-Length: 0\r\n\r\n");

            assertThat(connection.readResponse().bodyText())
                    .isEqualTo("application/json + application/x-protobuf");
        }
    }

    @Test
    void answersA500WhenTheHandlerThrowsAndKeepsServing() throws Exception {
        HttpServer server = serve(exchange -> {
            if (exchange.path().equals("/boom")) {
                throw new IllegalStateException("the handler broke");
            }
            exchange.respondText(200, "fine");
        });

        HttpResponse<String> failed = get(server, "/boom");
        HttpResponse<String> next = get(server, "/ok");

        assertThat(failed.statusCode()).isEqualTo(500);
        assertThat(failed.body()).isEqualTo("the handler broke");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(next.body()).isEqualTo("fine");
    }

    @Test
    void answersAnHttpErrorWithItsStatusAndMessage() throws Exception {
        HttpServer server = serve(exchange -> {
            throw new HttpError(403, "Framework is not subscribed");
        });

        HttpResponse<String> response = get(server, "/api/v1/scheduler");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).isEqualTo("Framework is not subscribed");
    }

    @Test
    void acceptsAnAnswerFromAnotherThreadLater() throws Exception {
        BlockingQueue<HttpExchange> unanswered = new LinkedBlockingQueue<>();
        HttpServer server = serve(unanswered::add);

        CompletableFuture<HttpResponse<String>> response = client.sendAsync(
                HttpRequest.newBuilder(url(server, "/later")).build(), HttpResponse.BodyHandlers.ofString());
        HttpExchange exchange = unanswered.poll(5, TimeUnit.SECONDS);
        assertThat(response).isNotDone();
        CompletableFuture.runAsync(() -> exchange.respond(200, "application/x-protobuf", new byte[] {8, 1}));

        HttpResponse<String> answered = response.get(10, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.headers().firstValue("Content-Type")).contains("application/x-protobuf");
        assertThat(answered.body()).isEqualTo("\b\u0001");
    }

    @Test
    void answersPipelinedRequestsInTheirOrderEvenWhenTheFirstIsAnsweredLast() throws Exception {
        BlockingQueue<HttpExchange> slow = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            if (exchange.path().equals("/slow")) {
                slow.add(exchange);
            } else {
                exchange.respondText(200, "fast");
            }
        });

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
            slow.poll(5, TimeUnit.SECONDS).respondText(200, "slow");

            assertThat(connection.readResponse().bodyText()).isEqualTo("slow");
            assertThat(connection.readResponse().bodyText()).isEqualTo("fast");
        }
    }

    @Test
    void beginsHandedOffRequestsAtOnceAndStillAnswersThemInOrder() throws Exception {
        BlockingQueue<HttpExchange> begun = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.handedOff();
            begun.add(exchange);
        });

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
                    + "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
                    + "POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
            List<HttpExchange> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // all three begin before any is answered
                all.add(begun.poll(5, TimeUnit.SECONDS));
            }
            assertThat(all).extracting(HttpExchange::path).containsExactly("/a", "/b", "/c");
            all.get(2).respondText(200, "c");
            all.get(1).respondText(200, "b");
            all.get(0).respondText(200, "a");

            assertThat(connection.readResponse().bodyText()).isEqualTo("a");
            assertThat(connection.readResponse().bodyText()).isEqualTo("b");
            assertThat(connection.readResponse().bodyText()).isEqualTo("c");
        }
    }

    @Test
    void beginsAtMost32UnansweredRequestsOfAConnectionAndTheRestAsAnswersGoOut() throws Exception {
        BlockingQueue<HttpExchange> begun = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.handedOff();
            begun.add(exchange);
        });

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET /r HTTP/1.1\r\nHost: t\r\n\r\n".repeat(40));
            List<HttpExchange> first = new ArrayList<>();
            for (int i = 0; i < ServerConnection.MAX_UNANSWERED; i++) {
                first.add(begun.poll(5, TimeUnit.SECONDS));
            }
            assertThat(begun.poll(200, TimeUnit.MILLISECONDS)).as("a 33rd begun before any answer").isNull();

            first.forEach(exchange -> exchange.respondText(200, "first"));
            for (int i = 0; i < 8; i++) {
                begun.poll(5, TimeUnit.SECONDS).respondText(200, "rest");
            }
            for (int i = 0; i < 40; i++) {
                assertThat(connection.readResponse().bodyText()).isEqualTo(i < 32 ? "first" : "rest");
            }
        }
    }

    @Test
    void pipelinedRequestsBeginBesideUnansweredOnesOnlyWhileTheirBodiesHoldUnderAMebibyte() throws Exception {
        BlockingQueue<HttpExchange> begun = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.handedOff();
            begun.add(exchange);
        });
        String body = "x".repeat(600 * 1024);
        String request = "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write(request.repeat(3));
            HttpExchange first = begun.poll(5, TimeUnit.SECONDS);
            HttpExchange second = begun.poll(5, TimeUnit.SECONDS); // 600 KiB unanswered: room for one more
            assertThat(second).isNotNull();
            assertThat(begun.poll(200, TimeUnit.MILLISECONDS)).as("a third beside 1.2 MB unanswered").isNull();

            first.respondText(200, "1");
            assertThat(connection.readResponse().bodyText()).isEqualTo("1");
            HttpExchange third = begun.poll(5, TimeUnit.SECONDS);
            second.respondText(200, "2");
            third.respondText(200, "3");
            assertThat(connection.readResponse().bodyText()).isEqualTo("2");
            assertThat(connection.readResponse().bodyText()).isEqualTo("3");
        }
    }

    @Test
    void aStreamPipelinedBehindAnUnansweredRequestStartsAfterItsAnswer() throws Exception {
        BlockingQueue<HttpExchange> calls = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            if (exchange.path().equals("/call")) {
                exchange.handedOff();
                calls.add(exchange);
            } else {
                HttpStream stream = exchange.startStream(200, "application/json", Map.of());
                stream.send(utf8("event"));
            }
        });

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("POST /call HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
                    + "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
            HttpExchange call = calls.poll(5, TimeUnit.SECONDS);
            call.respondText(202, "");

            assertThat(connection.readResponse().status()).isEqualTo(202);
            RawHttpConnection.Head head = connection.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(new String(connection.readChunk(), StandardCharsets.UTF_8)).isEqualTo("event");
        }
    }

    @Test
    void aRequestHandedOffCannotBecomeAStream() throws Exception {
        BlockingQueue<Throwable> refused = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.handedOff();
            try {
                exchange.startStream(200, "application/json", Map.of());
            } catch (IllegalStateException e) {
                refused.add(e);
                exchange.respondText(500, "no stream");
            }
        });

        assertThat(get(server, "/").body()).isEqualTo("no stream");
        assertThat(refused.poll(5, TimeUnit.SECONDS)).hasMessageContaining("handed off");
    }

    @Test
    void refusesASecondAnswer() throws Exception {
        BlockingQueue<Throwable> secondAnswer = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            exchange.respondText(200, "first");
            try {
                exchange.respondText(500, "second");
            } catch (IllegalStateException e) {
                secondAnswer.add(e);
            }
        });

        HttpResponse<String> response = get(server, "/");

        assertThat(response.body()).isEqualTo("first");
        assertThat(secondAnswer.poll(5, TimeUnit.SECONDS)).hasMessageContaining("already answered");
    }

    @Test
    void redirectsWithALocationAndNoBody() throws Exception {
        HttpServer server = serve(exchange -> exchange.redirect(307, "//leader:5050" + exchange.uri()));

        HttpResponse<String> response = get(server, "/api/v1/scheduler?a=b");

        assertThat(response.statusCode()).isEqualTo(307);
        assertThat(response.headers().allValues("Location")).containsExactly("//leader:5050/api/v1/scheduler?a=b");
        assertThat(response.headers().firstValue("Content-Length")).contains("0");
        assertThat(response.headers().firstValue("Content-Type")).isEmpty();
    }

    @Test
    void writesExtraHeadersAsGiven() throws Exception {
        HttpServer server = serve(exchange -> exchange.respond(200, "application/json", utf8("{}"),
                Map.of("Mesos-Stream-Id", "5b7d-11")));

        HttpResponse<String> response = get(server, "/");

        assertThat(response.headers().allValues("Mesos-Stream-Id")).containsExactly("5b7d-11");
    }

    @Test
    void rejectsAHeaderThatWouldSplitTheResponse() throws Exception {
        BlockingQueue<Throwable> rejected = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            try {
                exchange.respond(200, "text/plain", new byte[0], Map.of("X-Evil", "a\r\nSet-Cookie: x"));
            } catch (IllegalArgumentException e) {
                rejected.add(e);
                exchange.respondText(200, "safe");
            }
        });

        HttpResponse<String> response = get(server, "/");

        assertThat(response.body()).isEqualTo("safe");
        assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(rejected.poll(5, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void rejectsABodyOverSixteenMebibytesWith413AndKeepsServing() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(200, "size " + exchange.body().length));
        byte[] sixteen = new byte[16 * 1024 * 1024];
        byte[] seventeen = new byte[17 * 1024 * 1024];

        HttpResponse<String> tooLarge = client.send(HttpRequest.newBuilder(url(server, "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(seventeen)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> largest = client.send(HttpRequest.newBuilder(url(server, "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(sixteen)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(tooLarge.body()).isEqualTo("Request body is larger than the limit of 16777216 bytes");
        assertThat(largest.statusCode()).isEqualTo(200);
        assertThat(largest.body()).isEqualTo("size " + sixteen.length);
    }

    @Test
    void rejectsATooLargeBodyBeforeItIsSentWhenTheClientExpectsContinue() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(200, "ok"));

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("POST /upload HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: "
                    + 17 * 1024 * 1024 + "\r\n\r\n");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.bodyText()).isEqualTo("Request body is larger than the limit of 16777216 bytes");
        }
        assertThat(get(server, "/").body()).isEqualTo("ok");
    }

    @Test
    void answersAMalformedRequestWith400() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(200, "ok"));

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: twelve\r\n\r\n");
            RawHttpConnection.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.bodyText()).startsWith("Malformed HTTP request");
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    @Test
    void listensOnAllIpv4InterfacesAndPicksAFreePort() throws Exception {
        HttpServer server = HttpServer.start("0.0.0.0", 0, exchange -> exchange.respondText(200, "here"));
        servers.add(server);

        assertThat(server.port()).isPositive();
        assertThat(get(server, "/").body()).isEqualTo("here");
    }

    @Test
    void closeReleasesThePortAndTheThreads() throws Exception {
        HttpServer first = HttpServer.start("127.0.0.1", 0, exchange -> exchange.respondText(200, "first"));
        int port = first.port();
        assertThat(get(first, "/").body()).isEqualTo("first");

        first.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().startsWith("corral-http")));
        HttpServer second = HttpServer.start("127.0.0.1", port, exchange -> exchange.respondText(200, "second"));
        servers.add(second);

        assertThat(get(second, "/").body()).isEqualTo("second");
    }

    @Test
    void refusesABindAddressThatIsNotIpv4() {
        assertThatThrownBy(() -> HttpServer.start("::1", 0, exchange -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no IPv4 address");
    }

    @Test
    void reportsAPortInUse() {
        HttpServer server = serve(exchange -> { });

        assertThatThrownBy(() -> HttpServer.start("127.0.0.1", server.port(), exchange -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Cannot listen for HTTP on");
    }

    @Test
    void aClientThatLeavesBeforeTheAnswerDoesNotDisturbTheServer() throws Exception {
        BlockingQueue<HttpExchange> unanswered = new LinkedBlockingQueue<>();
        HttpServer server = serve(exchange -> {
            if (exchange.path().equals("/wait")) {
                unanswered.add(exchange);
            } else {
                exchange.respondText(200, "ok");
            }
        });
        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
        }

        unanswered.poll(5, TimeUnit.SECONDS).respondText(200, "too late");

        assertThat(get(server, "/").body()).isEqualTo("ok");
    }

    @Test
    void closesTheConnectionWhenTheClientAsksTo() throws IOException {
        HttpServer server = serve(exchange -> exchange.respondText(200, "ok"));
        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");

            assertThat(connection.readResponse().head().header("Connection")).isEqualTo("close");
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    /** Found by ProtocolFuzzTest: the path decoder threw in the handler, which answered 500. */
    @Test
    void aTargetWithABadPercentEscapeIs400BeforeAnyHandler() throws Exception {
        HttpServer server = serve(exchange -> exchange.respondText(200, exchange.path() + exchange.queryParam("q")));
        for (String target : List.of("/a%zz", "/a%", "/ok?q=%zz")) {
            try (RawHttpConnection raw = new RawHttpConnection(server.port())) {
                raw.write("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
                RawHttpConnection.Response response = raw.readResponse();
                assertThat(response.status()).as(target).isEqualTo(400);
                assertThat(response.bodyText()).startsWith("Malformed request target");
            }
        }
        assertThat(get(server, "/fine%20path?q=1").body()).isEqualTo("/fine path1");
    }

}
