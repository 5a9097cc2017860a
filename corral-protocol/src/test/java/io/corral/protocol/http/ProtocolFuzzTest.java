package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.json.MesosJson;
import io.corral.protocol.json.MesosJsonException;
import io.corral.protocol.recordio.RecordIO;
import io.corral.protocol.recordio.RecordIODecoder;
import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.RateLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * Fuzzes what a client controls before any Corral logic runs: the HTTP request line, headers and body through the
 * server's own Netty pipeline ({@link HttpServer#addConnectionHandlers}, no socket) with authentication, the
 * throttle, media-type negotiation and JSON/protobuf decoding of a {@code Call} behind it; and, directly,
 * {@link MediaTypes}, the {@code Authorization} parser, bearer tokens, {@link MesosJson}, protobuf parsing and
 * {@link RecordIODecoder}. Nothing may answer 5xx other than 503, and nothing may fail with other than the
 * documented exception ({@link HttpError}, {@link MesosJsonException}, {@code IllegalArgumentException},
 * {@link RecordIODecoder.RecordIOException}).
 *
 * <p>Outside {@code ./mvnw verify}: tagged {@code fuzz}, which corral-protocol's pom excludes unless
 * {@code -Pfuzz}. {@code -Dcorral.fuzz.tries=N} sets the tries of every property (default 2,000 each); the run in
 * docs/security.md used {@code ./mvnw -B -o test -pl corral-protocol -am -Pfuzz -Dtest=ProtocolFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcorral.fuzz.tries=2000000}. Inputs are counted and printed at the end.
 */
@Tag("fuzz")
@AddLifecycleHook(value = ProtocolFuzzTest.TriesFromSystemProperty.class,
        propagateTo = net.jqwik.api.lifecycle.PropagationMode.ALL_DESCENDANTS)
class ProtocolFuzzTest {
    private static final Credentials.Credential USER = new Credentials.Credential("fuzzer", "fuzz-secret");
    private static final Credentials CREDENTIALS = Credentials.of(List.of(USER));
    private static final AtomicLong INPUTS = new AtomicLong();
    private static final java.time.Instant NOW = java.time.Instant.parse("2026-12-02T10:00:00Z");
    private static final BearerTokens TOKENS = BearerTokens.of(
            "fuzz-token-key-of-at-least-thirty-two-bytes".getBytes(StandardCharsets.UTF_8), CREDENTIALS);
    /** A token that is valid at {@link #NOW}: the seed of the mutated ones. */
    private static final String TOKEN = TOKENS.issue("fuzzer", java.time.Duration.ofHours(1), NOW).token();
    private static final Map<String, AtomicLong> PER_PROPERTY = new java.util.concurrent.ConcurrentSkipListMap<>();
    private static final long STARTED = System.nanoTime();
    /** Parser inputs per try: jqwik's cost per try is larger than a parse, so each try parses a batch. */
    private static final int BATCH = 40;

    @AfterContainer
    static void report() {
        System.out.printf("ProtocolFuzzTest: %,d inputs in %.1f s, %d unexpected errors; per property: %s%n",
                INPUTS.get(), (System.nanoTime() - STARTED) / 1e9, ServerConnection.UNEXPECTED_ERRORS.sum(),
                PER_PROPERTY);
    }

    // ---- HTTP: request line, headers, body through the server's pipeline ----------------------------------------

    /** The application behind authentication and the throttle: decodes a scheduler Call as the master does. */
    private static void application(HttpExchange exchange) {
        switch (exchange.path()) {
            case "/api/v1/scheduler" -> {
                Encoding request = MediaTypes.requestEncoding(exchange);
                Encoding response = MediaTypes.responseEncoding(exchange);
                Call call;
                try {
                    call = request.decode(exchange.body(), Call.getDefaultInstance());
                } catch (IllegalArgumentException e) {
                    throw new HttpError(400, "Failed to parse body into Call protobuf: " + e.getMessage());
                }
                if (call.getType() == Call.Type.SUBSCRIBE) {
                    if (exchange.reserveStream()) {
                        HttpStream stream = exchange.startStream(200, response.mediaType(), Map.of());
                        stream.send(RecordIO.frame(response.encode(call)));
                        stream.close();
                    }
                } else {
                    exchange.respond(202, null, new byte[0]);
                }
            }
            case "/health" -> exchange.respondText(200, "ok");
            default -> exchange.respondText(404, "no such route");
        }
    }

    /** Records the status of every response the server writes (before the codec turns it into bytes). */
    private static final class StatusSpy extends ChannelOutboundHandlerAdapter {
        final List<Integer> statuses = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response) {
                statuses.add(response.status().code());
            }
            super.write(ctx, msg, promise);
        }
    }

    private static List<Integer> serve(byte[] wire) {
        RateLimits limits = RateLimits.parse("{\"default_max_streams\": 2}", "fuzz");
        HttpHandler routes = new Authentication(CREDENTIALS, Optional.of(TOKENS), () -> NOW, "/health"::equals,
                new Throttle(new RateLimiter(limits, System::nanoTime), "/health"::equals,
                        ProtocolFuzzTest::application), () -> { });
        EmbeddedChannel channel = new EmbeddedChannel();
        HttpServer.addConnectionHandlers(channel.pipeline(), routes, HttpServerOptions.defaults()
                .withMaxRequestBytes(4096), new ClientQuotas(limits));
        StatusSpy spy = new StatusSpy();
        channel.pipeline().addAfter("codec", "spy", spy);
        try {
            // In two pieces, so that requests split across reads are decoded too.
            int split = wire.length / 2;
            channel.writeInbound(Unpooled.wrappedBuffer(wire, 0, split));
            channel.runPendingTasks();
            if (channel.isActive()) {
                channel.writeInbound(Unpooled.wrappedBuffer(wire, split, wire.length - split));
                channel.runPendingTasks();
            }
            channel.checkException();
        } finally {
            for (Object out; (out = channel.readOutbound()) != null; ) {
                ReferenceCountUtil.release(out);
            }
            channel.finishAndReleaseAll();
        }
        return spy.statuses;
    }

    private static void assertServedWithout5xx(byte[] wire) {
        long before = ServerConnection.UNEXPECTED_ERRORS.sum();
        List<Integer> statuses = serve(wire);
        INPUTS.incrementAndGet();
        String shown = escaped(wire);
        assertThat(statuses).as("statuses for %s", shown).allMatch(s -> s < 500 || s == 503);
        assertThat(ServerConnection.UNEXPECTED_ERRORS.sum()).as("unexpected errors for %s", shown).isEqualTo(before);
    }

    /** The bytes as Java would write them, so that a failure can be replayed exactly. */
    private static String escaped(byte[] wire) {
        StringBuilder text = new StringBuilder();
        for (byte b : wire) {
            int c = b & 0xff;
            text.append(c >= 0x20 && c < 0x7f && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return text.toString();
    }

    @Property(tries = 2_000, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.MIXIN,
            afterFailure = AfterFailureMode.RANDOM_SEED)
    void requestsFromTheGrammarNeverAnswer5xx(@ForAll("requests") byte[] wire) {
        assertServedWithout5xx(wire);
    }

    @Property(tries = 2_000, shrinking = ShrinkingMode.BOUNDED, afterFailure = AfterFailureMode.RANDOM_SEED)
    void mutatedRequestsNeverAnswer5xx(@ForAll("requests") byte[] wire, @ForAll("mutations") List<int[]> mutations) {
        byte[] mutated = wire.clone();
        for (int[] m : mutations) {
            if (mutated.length > 0) {
                mutated[Math.floorMod(m[0], mutated.length)] = (byte) m[1];
            }
        }
        assertServedWithout5xx(mutated);
    }

    @Provide
    Arbitrary<List<int[]>> mutations() {
        return Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 255))
                .as((at, value) -> new int[] {at, value}).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<byte[]> requests() {
        Arbitrary<String> method = Arbitraries.oneOf(Arbitraries.of("GET", "POST", "PUT", "HEAD", "OPTIONS",
                "DELETE", "CONNECT", "post", ""), junk(8));
        Arbitrary<String> target = Arbitraries.oneOf(Arbitraries.of("/api/v1/scheduler", "/health", "/",
                "http://h:1/api/v1/scheduler", "/api/v1/scheduler?x=%zz", "*", "/%00", "//", "/api/v1/scheduler#f"),
                junk(40).map(j -> "/" + j));
        Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 x", "http/1.1",
                "HTTP/9.9", "");
        Arbitrary<String> header = Arbitraries.oneOf(
                mediaTypes().map(v -> "Content-Type: " + v),
                mediaTypes().list().ofMaxSize(3).map(v -> "Accept: " + String.join(", ", v)),
                authorizations().map(v -> "Authorization: " + v),
                Arbitraries.of("Content-Length: 0", "Content-Length: -1", "Content-Length: 99999999999",
                        "Content-Length: 5, 6", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
                        "Expect: 100-continue", "Expect: 200-ok", "Connection: close", "Connection: keep-alive",
                        "Host:", "Mesos-Stream-Id: x", " folded", "\tcontinued", ":", "X", "X: \u0000"),
                Combinators.combine(junk(12), junk(40)).as((n, v) -> n + ": " + v));
        Arbitrary<String> body = Arbitraries.oneOf(jsonCalls(), junk(60));
        return Combinators.combine(method, target, version, header.list().ofMaxSize(8), body,
                Arbitraries.of(true, false)).as((m, t, v, headers, b, withLength) -> {
            StringBuilder wire = new StringBuilder(m).append(' ').append(t).append(' ').append(v).append("\r\n");
            headers.forEach(h -> wire.append(h).append("\r\n"));
            byte[] bodyBytes = b.getBytes(StandardCharsets.UTF_8);
            if (withLength) {
                wire.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
            }
            wire.append("\r\n");
            byte[] head = wire.toString().getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[head.length + bodyBytes.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(bodyBytes, 0, all, head.length, bodyBytes.length);
            return all;
        });
    }

    private static Arbitrary<String> junk(int maxLength) {
        return Arbitraries.strings().all().ofMaxLength(maxLength);
    }

    private static Arbitrary<String> mediaTypes() {
        Arbitrary<String> known = Arbitraries.of("application/json", "application/x-protobuf", "*/*",
                "application/*", "text/plain", "application/json; charset=utf-8", "application/json;q=0",
                "application/x-protobuf;q=0.5", ";", ",", "application/json;q=abc", "application/json;q=1e999",
                "a/b;c=\"d,e\"", "application/json; ;", "application", "/", "*/json", "application/json;q=-1", "");
        return Arbitraries.oneOf(known, Combinators.combine(known, junk(10), known).as((a, j, b) -> a + j + b),
                junk(30));
    }

    private static Arbitrary<String> authorizations() {
        String good = "Basic " + Base64.getEncoder().encodeToString("fuzzer:fuzz-secret".getBytes(
                StandardCharsets.UTF_8));
        return Arbitraries.oneOf(Arbitraries.of(good, good, "Basic", "Basic ", "basic " + good.substring(6),
                        "Basic ====", "Basic Zm9v", "Basic OmZ1enotc2VjcmV0", "Bearer x", "Digest a=b",
                        "Bearer " + TOKEN, "bearer " + TOKEN, "Bearer", "Bearer "),
                bearerTokens().map(token -> "Bearer " + token),
                junk(30).map(j -> "Basic " + Base64.getEncoder().encodeToString(j.getBytes(StandardCharsets.UTF_8))),
                junk(30).map(j -> "Basic " + j), junk(30));
    }

    private static Arbitrary<String> jsonCalls() {
        return Arbitraries.oneOf(Arbitraries.of(
                "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"user\":\"u\",\"name\":\"n\"}}}",
                "{\"type\":\"DECLINE\",\"framework_id\":{\"value\":\"f\"},\"decline\":{\"offer_ids\":[]}}",
                "{\"type\":\"SUBSCRIBE\"}", "{\"type\":7}", "{\"type\":\"NOPE\"}", "{\"type\":null}", "[]", "null",
                "{\"subscribe\":{\"framework_info\":{\"capabilities\":[{\"type\":\"X\"}]}}}", "{", "\"\\ud800\"",
                "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"user\":\"u\",\"name\":\"n\","
                        + "\"failover_timeout\":1e999}}}",
                "{\"type\":\"KILL\",\"kill\":{\"task_id\":{\"value\":123}}}"), junk(40).map(j -> "{\"type\":\"" + j + "\"}"));
    }

    // ---- Parsers directly -------------------------------------------------------------------------------------

    @Property(tries = 2_000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void mediaTypeParsersThrowOnlyHttpError(@ForAll("batchOfHeaderValues") List<String> contentTypes,
                                             @ForAll("headerValueLists") List<String> accept) {
        for (String contentType : contentTypes) {
            INPUTS.incrementAndGet();
            try {
                MediaTypes.requestEncoding(contentType);
            } catch (HttpError expected) {
                assertThat(expected.status()).isBetween(400, 499);
            }
        }
        INPUTS.incrementAndGet();
        try {
            MediaTypes.responseEncoding(accept);
        } catch (HttpError expected) {
            assertThat(expected.status()).isBetween(400, 499);
        }
    }

    @Provide
    Arbitrary<List<String>> batchOfHeaderValues() {
        return headerValues().list().ofMinSize(1).ofMaxSize(BATCH);
    }

    @Provide
    Arbitrary<String> headerValues() {
        return Arbitraries.oneOf(mediaTypes(), Arbitraries.just(null));
    }

    @Provide
    Arbitrary<List<String>> headerValueLists() {
        return mediaTypes().list().ofMaxSize(4);
    }

    @Property(tries = 2_000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void authorizationParserNeverThrows(@ForAll("authorizationHeaders") List<String> headers) {
        Authentication authentication = new Authentication(CREDENTIALS, path -> false, exchange -> { }, () -> { });
        for (String header : headers) {
            INPUTS.incrementAndGet();
            Optional<String> principal = authentication.principalOf(header);
            assertThat(principal).isIn(Optional.empty(), Optional.of("fuzzer"));
        }
    }

    @Property(tries = 2_000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void bearerTokenVerifierNeverThrows(@ForAll("bearerTokenLists") List<String> tokens) {
        for (String token : tokens) {
            INPUTS.incrementAndGet();
            assertThat(TOKENS.verify(token, NOW)).isIn(Optional.empty(), Optional.of("fuzzer"));
            assertThat(BearerTokens.claimedPrincipal(token)).isNotNull();
        }
    }

    @Provide
    Arbitrary<List<String>> bearerTokenLists() {
        return bearerTokens().list().ofMinSize(1).ofMaxSize(BATCH);
    }

    /**
     * Tokens an attacker would try: the valid one with a character changed, cut or extended; its parts reordered;
     * and made-up ones with hostile headers (alg none, other algorithms, junk) and claims (wrong types, huge numbers).
     */
    private static Arbitrary<String> bearerTokens() {
        Arbitrary<String> mutated = Combinators.combine(Arbitraries.integers().between(0, TOKEN.length() - 1),
                Arbitraries.chars().all()).as((at, c) -> TOKEN.substring(0, at) + c + TOKEN.substring(at + 1));
        Arbitrary<String> cut = Arbitraries.integers().between(0, TOKEN.length()).map(at -> TOKEN.substring(0, at));
        Arbitrary<String> extended = junk(20).map(j -> TOKEN + j);
        String[] parts = TOKEN.split("\\.");
        Arbitrary<String> reordered = Arbitraries.of(parts[1] + "." + parts[0] + "." + parts[2],
                parts[0] + "." + parts[1] + ".", parts[0] + ".." + parts[2], "..", ".", parts[0]);
        Arbitrary<String> headers = Arbitraries.of("{\"alg\":\"none\"}", "{\"alg\":\"HS512\"}",
                "{\"alg\":\"RS256\"}", "{\"alg\":\"HS256\",\"crit\":[\"x\"]}", "{\"alg\":1}", "{}", "[]", "null",
                "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        Arbitrary<String> claims = Arbitraries.oneOf(Arbitraries.of("{\"iss\":\"corral\",\"sub\":\"fuzzer\","
                        + "\"iat\":1796205600,\"exp\":1e400}", "{\"sub\":[\"fuzzer\"]}", "{\"exp\":\"tomorrow\"}",
                        "{\"sub\":\"fuzzer\",\"exp\":-1}", "{\"iss\":\"corral\",\"sub\":\"operator\",\"iat\":"
                        + "1796205600,\"exp\":99999999999}", "[1,2]", "{"),
                junk(40));
        Arbitrary<String> madeUp = Combinators.combine(headers, claims, Arbitraries.oneOf(junk(10),
                Arbitraries.just(parts[2]))).as((h, c, sig) -> base64Url(h) + "." + base64Url(c) + "." + sig);
        return Arbitraries.oneOf(mutated, cut, extended, reordered, madeUp, junk(60));
    }

    private static String base64Url(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<List<String>> authorizationHeaders() {
        return Arbitraries.oneOf(authorizations(), Arbitraries.just(null), junk(5000)).list().ofMinSize(1)
                .ofMaxSize(BATCH);
    }

    @Property(tries = 2_000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void jsonDecoderThrowsOnlyMesosJsonException(@ForAll("jsonTexts") List<String> texts) {
        for (String json : texts) {
            INPUTS.incrementAndGet();
            try {
                MesosJson.parse(json.getBytes(StandardCharsets.UTF_8), Call.getDefaultInstance());
            } catch (MesosJsonException expected) {
                // documented refusal
            }
        }
    }

    @Provide
    Arbitrary<List<String>> jsonTexts() {
        return Arbitraries.oneOf(jsonCalls(), junk(80),
                Combinators.combine(jsonCalls(), Arbitraries.integers().between(0, 200), junk(3))
                        .as((j, at, s) -> j.substring(0, Math.min(at, j.length())) + s
                                + j.substring(Math.min(at, j.length())))).list().ofMinSize(1).ofMaxSize(BATCH);
    }

    @Property(tries = 2_000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void protobufDecoderThrowsOnlyIllegalArgument(@ForAll("protobufs") List<byte[]> inputs) {
        for (byte[] bytes : inputs) {
            INPUTS.incrementAndGet();
            try {
                Encoding.PROTOBUF.decode(bytes, Call.getDefaultInstance());
            } catch (IllegalArgumentException expected) {
                // documented refusal
            }
        }
    }

    @Provide
    Arbitrary<List<byte[]>> protobufs() {
        byte[] valid = MesosJson.parse("{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":"
                + "{\"user\":\"u\",\"name\":\"n\",\"roles\":[\"a\"]}}}", Call.getDefaultInstance()).toByteArray();
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(100),
                mutations().map(ms -> {
                    byte[] copy = valid.clone();
                    ms.forEach(m -> copy[Math.floorMod(m[0], copy.length)] = (byte) m[1]);
                    return copy;
                })).list().ofMinSize(1).ofMaxSize(BATCH);
    }

    @Property(tries = 2_000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void recordIoDecoderThrowsOnlyRecordIoException(@ForAll("recordStreams") List<byte[]> chunks) {
        INPUTS.incrementAndGet();
        RecordIODecoder decoder = new RecordIODecoder();
        try {
            for (byte[] chunk : chunks) {
                for (byte[] record : decoder.feed(chunk)) {
                    assertThat(record).isNotEmpty();
                }
            }
        } catch (RecordIODecoder.RecordIOException expected) {
            // documented refusal
        }
    }

    @Provide
    Arbitrary<List<byte[]>> recordStreams() {
        Arbitrary<byte[]> framed = Arbitraries.strings().ofMinLength(1).ofMaxLength(20)
                .map(s -> RecordIO.frame(s.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<byte[]> headers = Arbitraries.of("0\n", "\n", "67108864\n", "67108865\n",
                "99999999999999999999999\n", "-1\n", "5\nab", "3\r\nabc").map(s -> s.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(framed, headers, Arbitraries.bytes().array(byte[].class).ofMaxSize(30))
                .list().ofMaxSize(5);
    }

    /** Lets {@code -Dcorral.fuzz.tries=N} override the tries of every property in this class. */
    public static final class TriesFromSystemProperty implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            String name = context.targetMethod().getName();
            // The HTTP properties are slower (a whole pipeline per input): corral.fuzz.http.tries sets theirs apart.
            String tries = name.toLowerCase(java.util.Locale.ROOT).contains("requests") ? System.getProperty("corral.fuzz.http.tries",
                    System.getProperty("corral.fuzz.tries")) : System.getProperty("corral.fuzz.tries");
            if (tries != null && !tries.isBlank()) {
                context.attributes().setTries(Integer.parseInt(tries.trim()));
            }
            long before = INPUTS.get();
            long start = System.nanoTime();
            PropertyExecutionResult result = property.execute();
            PER_PROPERTY.put(name, new AtomicLong(INPUTS.get() - before));
            System.out.printf("%s: %,d inputs in %.1f s%n", name, INPUTS.get() - before,
                    (System.nanoTime() - start) / 1e9);
            return result;
        }
    }
}
