package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class MediaTypesTest {

    private static void assertHttpError(ThrowingCallable call, int status, String message) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status()).isEqualTo(status))
                .hasMessage(message);
    }

    @Test
    void readsTheRequestEncodingFromContentType() {
        assertThat(MediaTypes.requestEncoding("application/json")).isEqualTo(Encoding.JSON);
        assertThat(MediaTypes.requestEncoding("application/x-protobuf")).isEqualTo(Encoding.PROTOBUF);
        assertThat(MediaTypes.requestEncoding("application/json; charset=utf-8")).isEqualTo(Encoding.JSON);
        assertThat(MediaTypes.requestEncoding(" Application/JSON ")).isEqualTo(Encoding.JSON);
    }

    @Test
    void answers400WithoutContentType() {
        assertHttpError(() -> MediaTypes.requestEncoding((String) null), 400, "Expecting 'Content-Type' to be present");
        assertHttpError(() -> MediaTypes.requestEncoding("  "), 400, "Expecting 'Content-Type' to be present");
    }

    @Test
    void answers415ForAnyOtherContentType() {
        String message = "Expecting 'Content-Type' of application/json or application/x-protobuf";
        assertHttpError(() -> MediaTypes.requestEncoding("text/plain"), 415, message);
        assertHttpError(() -> MediaTypes.requestEncoding("application/jsonx"), 415, message);
        assertHttpError(() -> MediaTypes.requestEncoding("application/*"), 415, message);
    }

    @Test
    void answersJsonWhenThereIsNoAccept() {
        assertThat(MediaTypes.responseEncoding(List.of())).isEqualTo(Encoding.JSON);
        assertThat(MediaTypes.responseEncoding(List.of(""))).isEqualTo(Encoding.JSON);
    }

    @Test
    void answersTheAcceptedEncoding() {
        assertThat(accept("application/json")).isEqualTo(Encoding.JSON);
        assertThat(accept("application/x-protobuf")).isEqualTo(Encoding.PROTOBUF);
        assertThat(accept("application/x-protobuf", "application/x-protobuf")).isEqualTo(Encoding.PROTOBUF);
        assertThat(accept("text/html, application/x-protobuf;q=0.2")).isEqualTo(Encoding.PROTOBUF);
    }

    @Test
    void prefersJsonWhenBothAreEquallyAcceptable() {
        assertThat(accept("*/*")).isEqualTo(Encoding.JSON);
        assertThat(accept("application/*")).isEqualTo(Encoding.JSON);
        assertThat(accept("application/x-protobuf, application/json")).isEqualTo(Encoding.JSON);
        assertThat(accept("application/x-protobuf", "application/json")).isEqualTo(Encoding.JSON);
        assertThat(accept("application/x-protobuf, */*")).isEqualTo(Encoding.JSON);
        // java.net.HttpURLConnection's default, with its bare "*"
        assertThat(accept("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2")).isEqualTo(Encoding.JSON);
    }

    @Test
    void followsQualitiesAndTheMostSpecificRange() {
        assertThat(accept("application/json;q=0.5, application/x-protobuf;q=0.9")).isEqualTo(Encoding.PROTOBUF);
        assertThat(accept("application/json;q=0, */*")).isEqualTo(Encoding.PROTOBUF);
        assertThat(accept("*/*;q=0.1, application/json;q=0")).isEqualTo(Encoding.PROTOBUF);
        assertThat(accept("application/*;q=0, application/x-protobuf")).isEqualTo(Encoding.PROTOBUF);
    }

    @Test
    void answers406WhenNeitherEncodingIsAcceptable() {
        String message = "Expecting 'Accept' to allow application/json or application/x-protobuf";
        assertHttpError(() -> accept("text/html"), 406, message);
        assertHttpError(() -> accept("text/*, image/png"), 406, message);
        assertHttpError(() -> accept("application/*;q=0"), 406, message);
        assertHttpError(() -> accept("application/json;q=0, application/x-protobuf;q=0.0"), 406, message);
        assertHttpError(() -> accept("application/json;q=abc"), 406, message);
        assertHttpError(() -> accept("application/json;q=2"), 406, message);
    }

    @Test
    void answers406ToAnAcceptOfSeparatorsOnly() { // "Accept: ;" was an ArrayIndexOutOfBoundsException: a 500
        String message = "Expecting 'Accept' to allow application/json or application/x-protobuf";
        assertHttpError(() -> accept(";"), 406, message);
        assertHttpError(() -> accept(";;;"), 406, message);
        assertHttpError(() -> accept(",;,"), 406, message);
        assertHttpError(() -> accept(";", ";"), 406, message);
        assertThat(accept(";, application/x-protobuf")).isEqualTo(Encoding.PROTOBUF);
    }

    @Property(tries = 300)
    void anUnqualifiedJsonRangeAlwaysGivesJsonAndNothingElseFailsBut406(@ForAll("acceptHeaders") String accept) {
        Encoding chosen;
        try {
            chosen = MediaTypes.responseEncoding(List.of(accept));
        } catch (HttpError e) {
            assertThat(e.status()).isEqualTo(406);
            return;
        }
        boolean jsonWithFullQuality = List.of(accept.split(",")).contains("application/json");
        if (jsonWithFullQuality) {
            assertThat(chosen).isEqualTo(Encoding.JSON);
        }
    }

    @Provide
    Arbitrary<String> acceptHeaders() {
        Arbitrary<String> range = Arbitraries.of("application/json", "application/x-protobuf", "*/*", "application/*",
                "text/html", "*", "bogus", "", "APPLICATION/JSON", ";", ";;");
        Arbitrary<String> parameter = Arbitraries.of("", ";q=0", ";q=0.5", ";q=1", ";q=x", ";level=1", "; q=0.2");
        Arbitrary<String> element = Combinators.combine(range, parameter).as(String::concat);
        return element.list().ofMinSize(1).ofMaxSize(5).map(elements -> String.join(",", elements));
    }

    @Test
    void appliesTheRulesToARealExchange() throws Exception {
        try (HttpServer server = HttpServer.start("127.0.0.1", 0, exchange -> exchange.respondText(200,
                MediaTypes.requestEncoding(exchange) + " -> " + MediaTypes.responseEncoding(exchange)))) {
            HttpClient client = HttpClient.newHttpClient();
            URI url = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/scheduler");
            HttpRequest.Builder post = HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.ofString("{}"));

            HttpResponse<String> ok = client.send(post.copy().header("Content-Type", "application/json")
                    .header("Accept", "application/x-protobuf").build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> missing = client.send(post.copy().build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> unsupported = client.send(post.copy().header("Content-Type", "text/plain").build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> unacceptable = client.send(post.copy().header("Content-Type", "application/json")
                    .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());

            assertThat(ok.body()).isEqualTo("JSON -> PROTOBUF");
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(missing.body()).isEqualTo("Expecting 'Content-Type' to be present");
            assertThat(unsupported.statusCode()).isEqualTo(415);
            assertThat(unacceptable.statusCode()).isEqualTo(406);
        }
    }

    @Test
    void readsEveryAcceptLineOfARealExchange() throws Exception {
        try (HttpServer server = HttpServer.start("127.0.0.1", 0,
                exchange -> exchange.respondText(200, MediaTypes.responseEncoding(exchange).mediaType()));
             RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET / HTTP/1.1\r\nHost: t\r\nAccept: text/html\r\n"
                    + "Accept: application/x-protobuf\r\n\r\n");

            assertThat(connection.readResponse().bodyText()).isEqualTo("application/x-protobuf");
        }
    }

    private static Encoding accept(String... lines) {
        return MediaTypes.responseEncoding(List.of(lines));
    }
}
