package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Large answers written in slices that wait for the server's loop ({@link LargeAnswer}), over real loopback HTTP. */
class LargeAnswerTest {
    private final LoopbackServers servers = new LoopbackServers();

    @AfterEach
    void close() {
        servers.close();
    }

    /** Bytes that differ from slice to slice, so a slice lost, repeated or out of order shows. */
    private static byte[] numbered(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 12));
        }
        return bytes;
    }

    private HttpServer serve(byte[] large, BooleanSupplier loopBusy) {
        return servers.add(HttpServer.start("127.0.0.1", 0, exchange -> {
            if (exchange.path().equals("/large")) {
                exchange.respond(200, "application/octet-stream", large);
            } else {
                exchange.respondText(200, "small");
            }
        }, HttpServerOptions.defaults().withLargeAnswersWaitingWhile(loopBusy)));
    }

    @Test
    void aLargeAnswerArrivesWholeAndThePipelinedAnswerAfterIt() throws Exception {
        byte[] large = numbered(3 * LargeAnswer.MIN_BYTES + 12_345);
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = serve(large, () -> {
            asked.incrementAndGet();
            return false;
        });

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET /large HTTP/1.1\r\nHost: t\r\n\r\nGET /small HTTP/1.1\r\nHost: t\r\n\r\n");

            RawHttpConnection.Response first = connection.readResponse();
            assertThat(first.head().header("Content-Length")).isEqualTo(Integer.toString(large.length));
            assertThat(first.body()).isEqualTo(large);
            assertThat(connection.readResponse().bodyText()).isEqualTo("small");
        }
        assertThat(asked.get()).as("the loop is asked before every slice")
                .isGreaterThanOrEqualTo(large.length / LargeAnswer.SLICE_BYTES);
    }

    @Test
    void whileTheLoopWorksEachSliceWaitsForItButTheAnswerStillComes() throws Exception {
        byte[] large = numbered(2 * LargeAnswer.MIN_BYTES);
        int slices = large.length / LargeAnswer.SLICE_BYTES;
        HttpServer server = serve(large, () -> true); // a loop that never rests

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            long start = System.nanoTime();
            connection.write("GET /large HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttpConnection.Response answer = connection.readResponse();
            long tookNanos = System.nanoTime() - start;

            assertThat(answer.body()).isEqualTo(large);
            assertThat(tookNanos).as("each slice waited its most for the loop")
                    .isGreaterThanOrEqualTo(slices * LargeAnswer.MOST_WAIT_NANOS);
        }
    }

    @Test
    void smallAnswersNeverWaitForTheLoop() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = serve(new byte[0], () -> {
            asked.incrementAndGet();
            return true;
        });

        try (RawHttpConnection connection = new RawHttpConnection(server.port())) {
            connection.write("GET /small HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(connection.readResponse().bodyText()).isEqualTo("small");
        }
        assertThat(asked.get()).isZero();
    }

    @Test
    void aReaderHangingUpInTheMiddleLeavesTheServerServing() throws Exception {
        byte[] large = numbered(4 * LargeAnswer.MIN_BYTES);
        HttpServer server = serve(large, () -> true);

        try (RawHttpConnection leaving = new RawHttpConnection(server.port())) {
            leaving.write("GET /large HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(leaving.readHead().status()).isEqualTo(200);
        } // hangs up with most slices unsent

        try (RawHttpConnection next = new RawHttpConnection(server.port())) {
            next.write("GET /small HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(next.readResponse().bodyText()).isEqualTo("small");
        }
    }
}
