package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Mesos's response compression over real HTTP: gzip for a client that takes it, for complete answers of 1 KiB+. */
class GzipResponsesTest {
    private static final byte[] LARGE = "{\"tasks\":[{\"state\":\"TASK_RUNNING\"}]}".repeat(200)
            .getBytes(StandardCharsets.UTF_8);
    /** A size well past the compressor's own buffers. */
    private static final int CHUNK = 256 * 1024;
    private static final byte[] SMALL = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    /** One body answered again and again, as readers sharing one rendering of a large state are. */
    private static final ResponseBody SHARED = ResponseBody.of(randomJson(3 * ResponseBody.SHARED_DIRECT_MIN_BYTES));

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpServer server = HttpServer.start("127.0.0.1", 0, exchange -> {
        switch (exchange.path()) {
            case "/large" -> exchange.respond(200, "application/json", LARGE);
            case "/small" -> exchange.respond(200, "application/json", SMALL);
            case "/shared" -> exchange.respond(200, "application/json", SHARED);
            case "/written" -> exchange.respond(200, "application/json",
                    ResponseBody.written(exchange.takesGzip(), 16, out -> out.write(LARGE)));
            case "/written-small" -> exchange.respond(200, "application/json",
                    ResponseBody.written(exchange.takesGzip(), 16, out -> out.write(SMALL)));
            default -> exchange.startStream(200, "application/json", Map.of()).close();
        }
    });

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<byte[]> get(String path, String... acceptEncoding) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10));
        for (String value : acceptEncoding) {
            request.header("Accept-Encoding", value);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] gunzip(byte[] body) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        }
    }

    /** JSON that compresses only about twofold (random digits), so its gzip form is large too. */
    private static byte[] randomJson(int size) {
        java.util.Random random = new java.util.Random(7);
        StringBuilder json = new StringBuilder(size + 16).append("[");
        while (json.length() < size) {
            json.append(random.nextLong()).append(',');
        }
        return json.append("0]").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLargeBodyAnsweredToManyReadersAtOnceReachesEachWhole() throws Exception {
        byte[] plain = SHARED.bytes();
        List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/shared")).timeout(Duration.ofSeconds(20));
            if (i % 2 == 0) {
                request.header("Accept-Encoding", "gzip");
            }
            answers.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
        }

        for (int i = 0; i < answers.size(); i++) {
            HttpResponse<byte[]> response = answers.get(i).get(20, java.util.concurrent.TimeUnit.SECONDS);
            byte[] body = i % 2 == 0 ? gunzip(response.body()) : response.body();
            assertThat(body).as("answer %d", i).isEqualTo(plain);
        }
        // Sent more than once in each form, it goes out from one copy in direct memory, not from the array.
        assertThat(SHARED.content(true).isDirect()).isTrue();
        assertThat(SHARED.content(true).readableBytes()).isEqualTo(SHARED.gzipped().length);
    }

    @Test
    void aLargeAnswerGoesOutCompressedToAClientThatTakesGzip() throws Exception {
        HttpResponse<byte[]> response = get("/large", "gzip, deflate");

        assertThat(response.headers().firstValue("Content-Encoding")).contains("gzip");
        assertThat(response.headers().firstValue("Vary")).contains("Accept-Encoding");
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body().length).isLessThan(LARGE.length / 10);
        assertThat(gunzip(response.body())).isEqualTo(LARGE);
    }

    @Test
    void everyOtherClientGetsTheBytesAsTheyAre() throws Exception {
        for (List<String> refusing : List.of(List.<String>of(), List.of("identity"), List.of("gzip;q=0"),
                List.of("br, deflate"), List.of("*;q=0.5, gzip;q=0"), List.of("gzip;q=zero"))) {
            HttpResponse<byte[]> response = get("/large", refusing.toArray(String[]::new));

            assertThat(response.headers().firstValue("Content-Encoding")).as("%s", refusing).isEmpty();
            assertThat(response.body()).as("%s", refusing).isEqualTo(LARGE);
        }
    }

    @Test
    void wildcardsQualitiesAndSecondHeaderLinesAreRead() throws Exception {
        for (List<String> taking : List.of(List.of("*"), List.of("identity;q=1, GZIP;q=0.3"), List.of("br", "x-gzip"),
                List.of("deflate , gzip ; q=0.8"))) {
            HttpResponse<byte[]> response = get("/large", taking.toArray(String[]::new));

            assertThat(response.headers().firstValue("Content-Encoding")).as("%s", taking).contains("gzip");
            assertThat(gunzip(response.body())).isEqualTo(LARGE);
        }
    }

    @Test
    void smallAnswersAndStreamsAreNeverCompressed() throws Exception {
        HttpResponse<byte[]> small = get("/small", "gzip");
        HttpResponse<byte[]> stream = get("/stream", "gzip");

        assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(small.body()).isEqualTo(SMALL);
        assertThat(stream.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(stream.headers().firstValue("Transfer-Encoding")).contains("chunked");
    }

    @Test
    void theJdkClientAsksForGzipAndGetsTheBytesBackInflated() throws Exception {
        for (String path : List.of("/large", "/small")) {
            HttpResponse<byte[]> response = client.send(InflatingBodyHandler.ask(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + path))).build(), InflatingBodyHandler.bytes());

            assertThat(response.body()).isEqualTo(path.equals("/large") ? LARGE : SMALL);
        }
        assertThat(client.send(InflatingBodyHandler.ask(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/large"))).build(), HttpResponse.BodyHandlers.ofByteArray()).headers()
                .firstValue("Content-Encoding")).as("it did ask").contains("gzip");
    }

    @Test
    void readersSharingABodyShareOneCompression() {
        ResponseBody body = ResponseBody.of(LARGE);

        assertThat(body.gzipped()).isSameAs(body.gzipped());
    }

    @Test
    void anAnswerWrittenForItsReaderReachesEveryKindOfClientWhole() throws Exception {
        HttpResponse<byte[]> compressed = get("/written", "gzip");
        HttpResponse<byte[]> plain = get("/written");
        HttpResponse<byte[]> small = get("/written-small", "gzip");

        assertThat(compressed.headers().firstValue("Content-Encoding")).contains("gzip");
        assertThat(gunzip(compressed.body())).isEqualTo(LARGE);
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.body()).isEqualTo(LARGE);
        assertThat(small.headers().firstValue("Content-Encoding")).as("under 1 KiB: sent as it is").isEmpty();
        assertThat(small.body()).isEqualTo(SMALL);
    }

    @Test
    void aBodyWrittenCompressedKnowsItsLengthAndGivesItsBytesToAClientWithoutGzip() {
        ResponseBody body = ResponseBody.written(true, 1024, out -> {
            out.write(LARGE);
            out.close(); // as a JSON generator closes its target
        });

        assertThat(body.length()).isEqualTo(LARGE.length);
        assertThat(body.gzipped().length).isLessThan(LARGE.length / 10);
        assertThat(body.bytes()).isEqualTo(LARGE);
    }

    @Test
    void aLargeAnswerCompressedAsItIsWrittenInflatesToEveryByteInOrder() {
        byte[] large = new byte[CHUNK * 20 + 12_345]; // many chunks and a part of one
        java.util.Random random = new java.util.Random(7);
        String alphabet = "{}[],:\"abcdefgh0123";
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
        }
        ResponseBody body = ResponseBody.written(true, 1024, out -> {
            for (int offset = 0; offset < large.length; offset += 1000) { // in uneven pieces, and single bytes
                out.write(large, offset, Math.min(999, large.length - offset));
                if (offset + 999 < large.length) {
                    out.write(large[offset + 999]);
                }
            }
        });

        assertThat(body.length()).isEqualTo(large.length);
        assertThat(GzipEncoding.decompress(body.gzipped())).isEqualTo(large);
    }

    @Test
    void aRendererThatFailsHalfwayFailsItsAnswerAndTheNextStillWorks() {
        assertThatThrownBy(() -> ResponseBody.written(true, 1024, out -> {
            out.write(new byte[CHUNK * 3]);
            throw new IllegalStateException("the view went away");
        })).hasMessageContaining("the view went away");

        assertThat(ResponseBody.written(true, 1024, out -> out.write(LARGE)).bytes()).isEqualTo(LARGE);
    }
}
