package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.security.RateLimits;
import io.corral.zookeeper.ZkUrl;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * Issue 10's denial of service, measured: one principal floods a real master over loopback from many connections
 * while another principal reads {@code /master/state-summary} one request at a time, first on a master without
 * rate limits, then on one holding the flooder to 50 qps with a queue of 20 (fewer than its 32 connections, so some of its
 * requests find the queue full). Prints the figures (kept in
 * docs/security.md); asserts only what must hold on a busy machine: the flooder is held to its rate plus its queue,
 * and every request of the other principal is served.
 */
class RateLimitFloodTest {
    private static final Credential FLOODER = new Credential("batch", "batch-secret");
    private static final Credential VICTIM = new Credential("ops", "ops-secret");
    private static final int FLOOD_CONNECTIONS = 32;
    private static final long PHASE_MILLIS = 4_000;
    private static final double QPS = 50;
    private static final int CAPACITY = 20;

    @Test
    void aFloodingPrincipalIsHeldToItsRateWhileAnotherIsServedPromptly() throws Exception {
        try (TestingServer zookeeper = new TestingServer(true)) {
            Figures open = flood(zookeeper, "/open", RateLimits.none());
            Figures limited = flood(zookeeper, "/limited", RateLimits.parse("{\"limits\": [{\"principal\": \"batch\","
                    + " \"qps\": " + QPS + ", \"capacity\": " + CAPACITY + "}]}", "test"));
            System.out.println("flood, no rate limits:       " + open);
            System.out.println("flood, batch at 50 qps/20:   " + limited);

            assertThat(limited.victimServed).isEqualTo(limited.victimSent);
            assertThat(limited.flooderOk).as("the flooder is served at most at its rate, plus its queue")
                    .isLessThanOrEqualTo((long) (QPS * (limited.seconds + 1)) + CAPACITY);
            assertThat(limited.flooder429).isPositive();
            assertThat(limited.flooderOther).isZero();
        }
    }

    /** What one phase measured. */
    private record Figures(double seconds, long flooderOk, long flooder429, long flooderOther, long victimSent,
                           long victimServed, long[] victimMicros) {
        @Override
        public String toString() {
            long[] sorted = victimMicros.clone();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "flooder %d requests in %.1f s: %d served (%.0f/s), %d answered 429;"
                            + " other principal: %d of %d served, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    flooderOk + flooder429 + flooderOther, seconds, flooderOk, flooderOk / seconds, flooder429,
                    victimServed, victimSent, percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0,
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1000.0);
        }

        private static long percentile(long[] sorted, double p) {
            return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
        }
    }

    private Figures flood(TestingServer zookeeper, String root, RateLimits limits) throws Exception {
        ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + root);
        try (MasterServer master = MasterServer.start(new MasterServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(),
                Optional.of(Credentials.of(List.of(FLOODER, VICTIM))), Acls.permitAll(), Optional.empty(), limits,
                Optional.empty()),
                () -> { })) {
            int port = master.port();
            waitUntilLeading(port);
            LongAdder ok = new LongAdder();
            LongAdder tooMany = new LongAdder();
            LongAdder other = new LongAdder();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService flooders = Executors.newFixedThreadPool(FLOOD_CONNECTIONS);
            List<Future<?>> running = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < FLOOD_CONNECTIONS; i++) {
                running.add(flooders.submit(() -> {
                    while (!stop.get()) {
                        try (Client client = new Client(port)) {
                            while (!stop.get()) {
                                int status = client.get("/master/state-summary", FLOODER);
                                (status == 200 ? ok : status == 429 ? tooMany : other).increment();
                            }
                        } catch (IOException reconnect) {
                            // the master closed the connection; open another
                        }
                    }
                    return null;
                }));
            }
            List<Long> micros = new ArrayList<>();
            long victimSent = 0;
            long victimServed = 0;
            try (Client victim = new Client(port)) {
                while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(PHASE_MILLIS)) {
                    long sent = System.nanoTime();
                    victimSent++;
                    if (victim.get("/master/state-summary", VICTIM) == 200) {
                        victimServed++;
                    }
                    micros.add((System.nanoTime() - sent) / 1000);
                }
            }
            stop.set(true);
            double seconds = (System.nanoTime() - start) / 1e9;
            flooders.shutdown();
            assertThat(flooders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            return new Figures(seconds, ok.sum(), tooMany.sum(), other.sum(), victimSent, victimServed,
                    micros.stream().mapToLong(Long::longValue).toArray());
        }
    }

    private static void waitUntilLeading(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Client client = new Client(port)) {
            while (client.get("/master/state-summary", VICTIM) != 200) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the master did not lead within 30 s");
                }
                Thread.sleep(50); // waiting for leadership, not for the code under test
            }
        }
    }

    /** A keep-alive HTTP/1.1 client on one socket that reads whole responses (Content-Length). */
    private static final class Client implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        Client(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        int get(String path, Credential credential) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                    + Authentication.basicHeader(credential) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            int length = 0;
            boolean close = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring(15).trim());
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    close = true;
                }
            }
            if (in.readNBytes(length).length != length) {
                throw new IOException("connection closed in a body");
            }
            if (close) {
                throw new IOException("closed by the server after status " + status);
            }
            return status;
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b == -1) {
                    throw new IOException("connection closed");
                }
                line.write(b);
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
