package io.corral.protocol.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.zip.GZIPInputStream;

/**
 * For the JDK's HTTP client, which neither asks for compression nor undoes it: {@link #ask} adds
 * {@code Accept-Encoding: gzip} to a request, and {@link #bytes} reads the answer's body whole, inflated when it came
 * gzip-compressed (a Corral or Mesos master compresses answers of 1 KiB or more for clients that ask). A large
 * {@code /master/state} crosses the network about thirty times smaller.
 *
 * <p>Stateless.
 */
public final class InflatingBodyHandler {

    private InflatingBodyHandler() {}

    public static HttpRequest.Builder ask(HttpRequest.Builder request) {
        return request.header("Accept-Encoding", "gzip");
    }

    /** The body as bytes, inflated if {@code Content-Encoding} says gzip; unreadable gzip fails the response. */
    public static HttpResponse.BodyHandler<byte[]> bytes() {
        return info -> {
            HttpResponse.BodySubscriber<byte[]> raw = HttpResponse.BodySubscribers.ofByteArray();
            boolean gzip = info.headers().firstValue("Content-Encoding").orElse("").trim().equalsIgnoreCase("gzip");
            return gzip ? HttpResponse.BodySubscribers.mapping(raw, InflatingBodyHandler::inflateOrFail) : raw;
        };
    }

    /** A gzip body inflated. */
    public static byte[] inflate(byte[] compressed) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        }
    }

    private static byte[] inflateOrFail(byte[] compressed) {
        try {
            return inflate(compressed);
        } catch (IOException e) {
            throw new UncheckedIOException("the answer said gzip but is not: " + e.getMessage(), e);
        }
    }
}
