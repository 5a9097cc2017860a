package io.corral.bench;

import io.corral.protocol.http.HttpServer;
import io.corral.protocol.http.ResponseBody;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This machine's own limit for large answers over loopback, the yardstick for the state readers of
 * {@code bench/simulate}: Corral's HTTP server answers one shared body (random bytes, as a compressed state is) to
 * readers using the JDK's {@code HttpClient} in a loop, as the simulator's readers do, in one JVM on the same cores.
 * Prints megabytes per second and the CPU each side used per megabyte (from {@code /proc/self/task}, by thread
 * name: the server's {@code corral-http} threads, the client's {@code HttpClient} threads), so that a state reading's
 * latency can be set against what merely moving its bytes costs here. {@code -Djdk.httpclient.bufsize} sets the
 * client's read buffer (16 KiB by default).
 *
 * <p>Usage: {@code bench/wire [megabytes] [readers] [seconds]} (defaults: 9 20 15, the size of {@code GET_STATE} at
 * 100,000 tasks, gzip-compressed).
 *
 * <p>Threading: the main thread waits for the readers, one thread each.
 */
public final class WireBenchmark {
    private WireBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int readers = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        byte[] answer = new byte[megabytes << 20];
        new Random(1).nextBytes(answer);
        ResponseBody shared = ResponseBody.of(answer);
        HttpServer server = HttpServer.start("127.0.0.1", 0,
                exchange -> exchange.respond(200, "application/octet-stream", shared));
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                    .build();
            Map<String, Long> cpuBefore = cpuMillisByThread();
            long start = System.nanoTime();
            long reads = read(request, readers, start + seconds * 1_000_000_000L);
            double elapsed = (System.nanoTime() - start) / 1e9;
            Map<String, Long> cpuAfter = cpuMillisByThread();
            double moved = reads * (double) megabytes;
            System.out.printf("wire: %d readers of a %d MB answer for %.0f s: %d reads, %.0f MB/s over loopback"
                            + " (client buffer %s)%n", readers, megabytes, elapsed, reads, moved / elapsed,
                    System.getProperty("jdk.httpclient.bufsize", "16384 bytes, the default"));
            System.out.printf("CPU per MB moved: server %.2f ms, client %.2f ms%n",
                    used(cpuBefore, cpuAfter, "corral-http") / moved, used(cpuBefore, cpuAfter, "HttpClient") / moved);
        } finally {
            server.close();
        }
    }

    private static long read(HttpRequest request, int readers, long deadline) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicLong reads = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < readers; i++) {
            Thread reader = new Thread(() -> {
                try {
                    do {
                        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException("the server answered " + response.statusCode());
                        }
                        reads.incrementAndGet();
                    } while (System.nanoTime() < deadline);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("a reader failed", e);
                }
            }, "wire-reader-" + i);
            reader.start();
            threads.add(reader);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return reads.get();
    }

    /** The CPU time (user and system) of this process's threads, in milliseconds, by name. */
    private static Map<String, Long> cpuMillisByThread() throws IOException {
        long tick = 10; // USER_HZ is 100 on Linux
        Map<String, Long> byThread = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long millis = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * tick;
                byThread.merge(task.getFileName() + " " + name, millis, Long::sum);
            }
        }
        return byThread;
    }

    /** What the threads whose name starts with {@code prefix} used between the two readings, in milliseconds. */
    private static double used(Map<String, Long> before, Map<String, Long> after, String prefix) {
        long sum = 0;
        for (Map.Entry<String, Long> thread : after.entrySet()) {
            String name = thread.getKey().substring(thread.getKey().indexOf(' ') + 1);
            if (name.startsWith(prefix)) {
                sum += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
            }
        }
        return sum;
    }
}
