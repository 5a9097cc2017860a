package io.corral.bench.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;

/**
 * Concurrent readers of the master's whole state, as dashboards and tools read it: each reader sends its next
 * request as soon as the previous answer is read off the wire, for a fixed time. They take gzip
 * ({@code Accept-Encoding: gzip}), as browsers and most HTTP libraries do. One HTTP client, one connection per
 * reader.
 *
 * <p>The readers stand in for dashboards on other machines, so what they do with an answer is not put on the
 * master's cores: a compressed answer's size is read from its gzip trailer, and only the first answer is inflated and
 * parsed, after the reading ends, to check that it is a JSON object. (Inflating every answer on the clock, as this
 * class first did, took 20 readers more than half of this two-core machine at 10,000 agents, and inflating 20 answers
 * of 129 MB at once ran the simulator's heap out.)
 *
 * <p>Threading: {@link #read} blocks its caller and uses one thread per reader.
 */
final class StateReaders {
    private static final JsonFactory JSON = new JsonFactory();
    /** What a round of reading measured; {@code latenciesNanos} are every successful read's, sorted. */
    record Result(int reads, int failures, long bytesPerRead, long wireBytesPerRead, double p50Ms, double p99Ms,
                  double maxMs, List<Long> latenciesNanos) {}

    private StateReaders() {
    }

    /** GET {@code url} (JSON, gzip taken). */
    static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json")
                .header("Accept-Encoding", "gzip").GET().build();
    }

    /** The operator API's GET_STATE ({@code POST /api/v1}, JSON, gzip taken). */
    static HttpRequest getState(String masterUrl) {
        return HttpRequest.newBuilder(URI.create(masterUrl + "/api/v1"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"GET_STATE\"}"))
                .build();
    }

    /**
     * One read alone, in milliseconds: the first after a launch renders every task afresh (later readings reuse what
     * did not change), so it is reported apart from the readers' steady state.
     */
    static double once(HttpRequest request) throws InterruptedException {
        Result result = read(request, 1, Duration.ZERO);
        if (result.reads() != 1) {
            throw new IllegalStateException("the read failed: " + request.method() + " " + request.uri());
        }
        return result.maxMs();
    }

    /** {@code request} sent by {@code readers} readers in a loop for {@code duration} (at least once each). */
    static Result read(HttpRequest request, int readers, Duration duration) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        LongAdder failures = new LongAdder();
        AtomicLong bytes = new AtomicLong();
        AtomicLong wireBytes = new AtomicLong();
        AtomicReference<HttpResponse<byte[]>> first = new AtomicReference<>();
        long deadline = System.nanoTime() + duration.toNanos();
        CountDownLatch done = new CountDownLatch(readers);
        for (int r = 0; r < readers; r++) {
            Thread reader = new Thread(() -> {
                try {
                    do {
                        long start = System.nanoTime();
                        try {
                            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (response.statusCode() != 200) {
                                failures.increment();
                                continue;
                            }
                            latencies.add(System.nanoTime() - start);
                            first.compareAndSet(null, response);
                            bytes.set(decodedSize(response));
                            wireBytes.set(response.body().length);
                        } catch (IOException e) {
                            failures.increment();
                        }
                    } while (System.nanoTime() < deadline);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "state-reader-" + r);
            reader.setDaemon(true);
            reader.start();
        }
        done.await();
        if (first.get() != null) {
            checkIsJsonObject(first.get());
        }
        List<Long> sorted;
        synchronized (latencies) {
            sorted = new ArrayList<>(latencies);
        }
        Collections.sort(sorted);
        return new Result(sorted.size(), failures.intValue(), bytes.get(), wireBytes.get(), percentileMs(sorted, 0.50),
                percentileMs(sorted, 0.99), sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6, sorted);
    }

    private static boolean gzipped(HttpResponse<byte[]> response) {
        return response.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip");
    }

    /** The answer's size before compression: a gzip member ends with it (ISIZE, little-endian, modulo 4 GiB). */
    private static long decodedSize(HttpResponse<byte[]> response) {
        byte[] body = response.body();
        if (!gzipped(response)) {
            return body.length;
        }
        if (body.length < 18 || (body[0] & 0xff) != 0x1f || (body[1] & 0xff) != 0x8b) {
            throw new IllegalStateException("the answer said gzip but is not: " + body.length + " bytes");
        }
        int n = body.length;
        return (body[n - 4] & 0xffL) | (body[n - 3] & 0xffL) << 8 | (body[n - 2] & 0xffL) << 16
                | (body[n - 1] & 0xffL) << 24;
    }

    /** Inflates (streaming) and parses an answer whole; it must be one JSON object, of the size its trailer says. */
    private static void checkIsJsonObject(HttpResponse<byte[]> response) {
        try (CountingInputStream in = new CountingInputStream(gzipped(response)
                     ? new GZIPInputStream(new ByteArrayInputStream(response.body()), 64 * 1024)
                     : new ByteArrayInputStream(response.body()));
             JsonParser parser = JSON.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("the answer is not a JSON object");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new IllegalStateException("the answer has more after its JSON object");
            }
            if ((in.count & 0xffffffffL) != (decodedSize(response) & 0xffffffffL)) {
                throw new IllegalStateException("the answer inflated to " + in.count + " bytes, not the "
                        + decodedSize(response) + " its trailer says");
            }
        } catch (IOException e) {
            throw new IllegalStateException("the answer is not readable JSON: " + e.getMessage(), e);
        }
    }

    /** Counts what is read through it. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            count += Math.max(n, 0);
            return n;
        }
    }

    /** Nearest-rank percentile of sorted nanosecond values, in milliseconds. */
    static double percentileMs(List<Long> sortedNanos, double p) {
        if (sortedNanos.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sortedNanos.size());
        return sortedNanos.get(Math.max(0, Math.min(sortedNanos.size() - 1, rank - 1))) / 1e6;
    }
}
