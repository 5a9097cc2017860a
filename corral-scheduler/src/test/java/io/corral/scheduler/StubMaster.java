package io.corral.scheduler;

import io.corral.protocol.http.Encoding;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.corral.protocol.recordio.RecordIO;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * A scripted stand-in for a master's scheduler endpoint on loopback, for testing the client without a real master.
 * Each SUBSCRIBE takes the next scripted answer (redirect, plain status, or an event stream the test then writes to);
 * every other call is recorded and answered with {@link #callStatus}.
 *
 * <p>Threading: handlers run on the server's pool; the script and recordings are thread-safe.
 */
final class StubMaster implements AutoCloseable {
    /** What the stub does with the next SUBSCRIBE. */
    sealed interface Answer permits Redirect, Status, Stream {}

    record Redirect(String location) implements Answer {}

    record Status(int code, String body) implements Answer {}

    record Stream(String streamId) implements Answer {}

    /** A request as the stub received it. */
    record Received(Call call, String contentType, String accept, String streamId) {}

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Deque<Answer> script = new ArrayDeque<>();
    private final BlockingQueue<Received> subscribes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Received> calls = new LinkedBlockingQueue<>();
    private final BlockingQueue<OutputStream> openStreams = new LinkedBlockingQueue<>();
    private final List<HttpExchange> exchanges = new CopyOnWriteArrayList<>();
    volatile int callStatus = 202;
    volatile String callBody = "";

    StubMaster() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(pool);
        server.createContext("/api/v1/scheduler", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    synchronized StubMaster then(Answer answer) {
        script.add(answer);
        return this;
    }

    Received nextSubscribe() throws InterruptedException {
        Received r = subscribes.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no SUBSCRIBE arrived within 10 s");
        }
        return r;
    }

    Received nextCall() throws InterruptedException {
        Received r = calls.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no call arrived within 10 s");
        }
        return r;
    }

    /** SUBSCRIBEs received and not yet taken by {@link #nextSubscribe}. */
    int pendingSubscribes() {
        return subscribes.size();
    }

    /** Calls received so far and not yet taken by {@link #nextCall}. */
    List<Received> pendingCalls() {
        return List.copyOf(calls);
    }

    /** Waits for the stream opened by the next scripted {@link Stream} answer. */
    OutputStream awaitStream() throws InterruptedException {
        OutputStream out = openStreams.poll(10, TimeUnit.SECONDS);
        if (out == null) {
            throw new AssertionError("no event stream was opened within 10 s");
        }
        return out;
    }

    static void push(OutputStream stream, Encoding encoding, Event event) throws IOException {
        stream.write(RecordIO.frame(encoding.encode(event)));
        stream.flush();
    }

    static Event subscribed(String frameworkId, double heartbeatSeconds) {
        return Event.newBuilder().setType(Event.Type.SUBSCRIBED)
                .setSubscribed(Event.Subscribed.newBuilder()
                        .setFrameworkId(FrameworkID.newBuilder().setValue(frameworkId))
                        .setHeartbeatIntervalSeconds(heartbeatSeconds)
                        .setMasterInfo(MasterInfo.newBuilder().setId("m1").setIp(0).setPort(5050)))
                .build();
    }

    private void handle(HttpExchange exchange) throws IOException {
        exchanges.add(exchange);
        byte[] body = exchange.getRequestBody().readAllBytes();
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        Encoding encoding = "application/x-protobuf".equals(contentType) ? Encoding.PROTOBUF : Encoding.JSON;
        Call call = encoding.decode(body, Call.getDefaultInstance());
        Received received = new Received(call, contentType, exchange.getRequestHeaders().getFirst("Accept"),
                exchange.getRequestHeaders().getFirst(SchedulerClient.STREAM_ID_HEADER));
        if (call.getType() != Call.Type.SUBSCRIBE) {
            calls.add(received);
            reply(exchange, callStatus, callBody);
            return;
        }
        subscribes.add(received);
        Answer answer;
        synchronized (this) {
            answer = script.isEmpty() ? new Status(503, "No scripted answer") : script.poll();
        }
        if (answer instanceof Redirect redirect) {
            exchange.getResponseHeaders().add("Location", redirect.location());
            reply(exchange, 307, "");
        } else if (answer instanceof Status status) {
            reply(exchange, status.code(), status.body());
        } else if (answer instanceof Stream stream) {
            exchange.getResponseHeaders().add("Content-Type", encoding.mediaType());
            exchange.getResponseHeaders().add(SchedulerClient.STREAM_ID_HEADER, stream.streamId());
            exchange.sendResponseHeaders(200, 0); // chunked; the test writes events later
            openStreams.add(exchange.getResponseBody());
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        for (HttpExchange exchange : exchanges) {
            exchange.close();
        }
        pool.shutdownNow();
    }
}
