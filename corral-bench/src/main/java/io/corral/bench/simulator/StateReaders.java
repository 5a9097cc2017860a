package io.corral.bench.simulator;

import io.corral.protocol.http.InflatingBodyHandler;
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
import java.util.concurrent.atomic.LongAdder;

/**
 * Concurrent readers of the master's whole state, as dashboards and tools read it: each reader sends its next
 * request as soon as the previous answer is read and decoded, for a fixed time. They take gzip
 * ({@code Accept-Encoding: gzip}), as browsers and most HTTP libraries do, and inflate what comes compressed. One
 * HTTP client, one connection per reader.
 *
 * <p>Threading: {@link #run} blocks its caller and uses one thread per reader.
 */
final class StateReaders {
    /** What a round of reading measured; {@code latenciesNanos} are every successful read's, sorted. */
    record Result(int reads, int failures, long bytesPerRead, long wireBytesPerRead, double p50Ms, double p99Ms,
                  double maxMs, List<Long> latenciesNanos) {}

    private StateReaders() {
    }

    /** GET {@code url} with {@code readers} readers for {@code duration}. */
    static Result get(String url, int readers, Duration duration) throws InterruptedException {
        return run(HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json")
                .header("Accept-Encoding", "gzip").GET().build(), readers, duration);
    }

    /** The operator API's GET_STATE ({@code POST /api/v1}, JSON) with {@code readers} readers for {@code duration}. */
    static Result getState(String masterUrl, int readers, Duration duration) throws InterruptedException {
        return run(HttpRequest.newBuilder(URI.create(masterUrl + "/api/v1"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"GET_STATE\"}"))
                .build(), readers, duration);
    }

    private static Result run(HttpRequest request, int readers, Duration duration) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        LongAdder failures = new LongAdder();
        AtomicLong bytes = new AtomicLong();
        AtomicLong wireBytes = new AtomicLong();
        long deadline = System.nanoTime() + duration.toNanos();
        CountDownLatch done = new CountDownLatch(readers);
        for (int r = 0; r < readers; r++) {
            Thread reader = new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline) {
                        long start = System.nanoTime();
                        try {
                            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (response.statusCode() != 200) {
                                failures.increment();
                                continue;
                            }
                            byte[] body = decoded(response);
                            latencies.add(System.nanoTime() - start);
                            bytes.set(body.length);
                            wireBytes.set(response.body().length);
                        } catch (java.io.IOException e) {
                            failures.increment();
                        }
                    }
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
        List<Long> sorted;
        synchronized (latencies) {
            sorted = new ArrayList<>(latencies);
        }
        Collections.sort(sorted);
        return new Result(sorted.size(), failures.intValue(), bytes.get(), wireBytes.get(), percentileMs(sorted, 0.50),
                percentileMs(sorted, 0.99), sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6, sorted);
    }

    private static byte[] decoded(HttpResponse<byte[]> response) throws java.io.IOException {
        boolean gzip = response.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip");
        return gzip ? InflatingBodyHandler.inflate(response.body()) : response.body();
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
