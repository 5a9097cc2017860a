package io.corral.protocol.http;

import io.corral.protocol.tls.ClientTls;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * POSTs small requests (a scheduler's calls: ACCEPT, ACKNOWLEDGE, ...) over a few kept-alive HTTP/1.1 connections per
 * server, all on one Netty I/O thread. Each connection carries up to {@code requestsPerConnection} requests at once,
 * pipelined (sent without waiting for the answers before them, answered in order), and a connection is filled before
 * another is opened, so a burst of calls goes out in a few writes and its answers come back in a few reads; requests
 * beyond every connection's room wait in order for the next free place, those posted with {@link #postAhead} before
 * the others.
 *
 * <p>Why not the JDK's {@link java.net.http.HttpClient}: it hands every step of every exchange between its selector
 * thread and its executor, about a millisecond of CPU per call on a small machine. A framework acknowledging three
 * updates per task spent more CPU on its client than the master spent deciding; here a call is a share of one write
 * and one read on a thread that stays awake while there is work. Why pipelined: a call of its own write and read
 * was, on loopback, half of a framework's CPU in the kernel's TCP path (a million tasks' acknowledgements); Mesos's
 * own scheduler library pipelines every call on one connection.
 *
 * <p>Threading contract. {@link #post} may be called from any thread; it hands the request to the I/O thread,
 * which owns every pool, connection and queue. Answers complete on the I/O thread: callers must not block in their
 * completions.
 */
public final class KeptAliveClient implements AutoCloseable {
    /** Largest answer body taken: calls are answered with an empty body or a short error message. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;
    /** Flushes merged into one write at most: requests posted together go out together. */
    private static final int FLUSHES_MERGED = 64;
    private static final AttributeKey<Connection> CONNECTION = AttributeKey.valueOf("corral.connection");

    /** An answer: its status and body. */
    public record Answer(int status, byte[] body) {}

    private final NioEventLoopGroup group;
    private final EventLoop io;
    private final Optional<ClientTls> tls;
    private final int connectionsPerServer;
    private final int requestsPerConnection;
    private final Duration connectTimeout;
    private final Map<String, Pool> pools = new HashMap<>(); // on io only
    private boolean closed; // on io only

    /** One request at a time per connection: {@code connectionsPerServer} requests in flight at most per server. */
    public KeptAliveClient(String threadName, Optional<ClientTls> tls, Duration connectTimeout,
                           int connectionsPerServer) {
        this(threadName, tls, connectTimeout, connectionsPerServer, 1);
    }

    /**
     * @param connectionsPerServer  at most this many connections to one server
     * @param requestsPerConnection at most this many requests in flight on one connection (1: no pipelining); more
     *                              requests wait for room
     */
    public KeptAliveClient(String threadName, Optional<ClientTls> tls, Duration connectTimeout,
                           int connectionsPerServer, int requestsPerConnection) {
        if (connectionsPerServer < 1 || requestsPerConnection < 1) {
            throw new IllegalArgumentException("at least one connection per server and one request per connection, not "
                    + connectionsPerServer + " and " + requestsPerConnection);
        }
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory(threadName, true));
        this.io = group.next();
        this.tls = tls;
        this.connectionsPerServer = connectionsPerServer;
        this.requestsPerConnection = requestsPerConnection;
        this.connectTimeout = connectTimeout;
    }

    /**
     * POSTs {@code body} to {@code uri} with {@code headers} (Host, Content-Length and keep-alive are added). The answer
     * completes with any status; it fails with an {@link IOException} when the server cannot be reached, the
     * connection breaks before the answer, or no answer came within {@code timeout} of the request being sent (an
     * {@link HttpTimeoutException}; the wait for a free place does not count). A request that times out closes its
     * connection (a late answer would be taken for the next request's), failing the requests pipelined behind it.
     */
    public CompletableFuture<Answer> post(URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        return post(new Exchange(uri, headers, body, timeout, false, new CompletableFuture<>()));
    }

    /**
     * As {@link #post(URI, Map, byte[], Duration)}, but ahead of every request still waiting for a place (in order
     * among those posted ahead); requests already sent keep their place. For calls that let the server's other work
     * go on, such as a framework's acknowledgements: each frees the agent to send its task's next update, and one
     * kept waiting behind a burst of other calls for ten seconds makes the agent send the update again.
     */
    public CompletableFuture<Answer> postAhead(URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        return post(new Exchange(uri, headers, body, timeout, true, new CompletableFuture<>()));
    }

    private CompletableFuture<Answer> post(Exchange exchange) {
        CompletableFuture<Answer> answer = exchange.answer;
        try {
            io.execute(() -> start(exchange));
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            answer.completeExceptionally(new IOException("the client is closed"));
        }
        return answer;
    }

    /** Fails the requests in flight and waiting, closes every connection and stops the I/O thread. */
    @Override
    public void close() {
        if (!io.isShuttingDown()) {
            io.execute(() -> {
                closed = true;
                pools.values().forEach(Pool::closeAll);
                pools.clear();
            });
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------- on the I/O thread

    private void start(Exchange exchange) {
        if (closed) {
            exchange.fail(new IOException("the client is closed"));
            return;
        }
        pools.computeIfAbsent(exchange.serverKey(), key -> new Pool(exchange.uri)).submit(exchange);
    }

    /** The connections to one server (scheme, host and port), and the requests waiting for a place on one. */
    private final class Pool {
        private final URI server;
        /** Open connections. */
        private final List<Connection> connections = new ArrayList<>();
        /**
         * Open connections that may have room, the one last given room first, so that one is filled before another
         * takes requests; each listed at most once, and dropped when found full or closed (a pool of a thousand
         * connections finds a place without looking at each).
         */
        private final ArrayDeque<Connection> withRoom = new ArrayDeque<>();
        /** Requests posted ahead, then the others, each in the order posted. */
        private final Queue<Exchange> waitingAhead = new ArrayDeque<>();
        private final Queue<Exchange> waiting = new ArrayDeque<>();
        /** Requests not posted ahead that are sent and not answered: at most {@link #ordinaryLimit()}. */
        private int ordinaryInFlight;
        private int opening;

        Pool(URI server) {
            this.server = server;
        }

        void submit(Exchange exchange) {
            Connection connection = withRoom();
            if (connection != null && (exchange.ahead || ordinaryInFlight < ordinaryLimit())) {
                send(connection, exchange);
                return;
            }
            (exchange.ahead ? waitingAhead : waiting).add(exchange);
            openIfNeeded();
        }

        /**
         * Requests not posted ahead take at most a quarter of the room (at least one place per connection), so that
         * those posted ahead always find room: a server hands a connection's requests to its work in the order they
         * came, and an acknowledgement sent behind sixty-four ACCEPTs of a hundred tasks each waits for all of them.
         */
        private int ordinaryLimit() {
            return Math.max(connectionsPerServer, connectionsPerServer * requestsPerConnection / 4);
        }

        /** Opens a connection if the requests that may be sent are more than those opening will take. */
        private void openIfNeeded() {
            int sendable = waitingAhead.size() + Math.min(waiting.size(),
                    Math.max(0, ordinaryLimit() - ordinaryInFlight));
            if (!closed && sendable > opening * requestsPerConnection
                    && connections.size() + opening < connectionsPerServer) {
                connect();
            }
        }

        private void send(Connection connection, Exchange exchange) {
            if (connection.send(exchange) && !exchange.ahead) {
                ordinaryInFlight++;
            }
        }

        /** {@code exchange}, sent, is answered or failed with its connection. */
        private void done(Exchange exchange) {
            if (!exchange.ahead) {
                ordinaryInFlight--;
            }
        }

        private Connection withRoom() {
            Connection first;
            while ((first = withRoom.peekFirst()) != null
                    && (first.closed || first.inFlight.size() >= requestsPerConnection)) {
                withRoom.pollFirst().listed = false;
            }
            return first;
        }

        /** {@code connection} has room again (or is new): it takes the next request. */
        private void hasRoom(Connection connection) {
            if (!connection.listed && !connection.closed) {
                connection.listed = true;
                withRoom.addFirst(connection);
            }
        }

        /** The next request that may be sent: one posted ahead, else another while they are under their limit. */
        private Exchange nextWaiting() {
            Exchange next = waitingAhead.poll();
            return next != null || ordinaryInFlight >= ordinaryLimit() ? next : waiting.poll();
        }

        private void connect() {
            opening++;
            int port = ClientParts.port(server);
            ClientParts.connect(io, tls, connectTimeout, server.getHost(), port, pipeline -> pipeline
                            .addLast(new FlushConsolidationHandler(FLUSHES_MERGED, true))
                            .addLast(new HttpObjectAggregator(MAX_ANSWER_BYTES)).addLast(new AnswerHandler(Pool.this)))
                    .addListener((ChannelFutureListener) connected -> {
                        opening--;
                        if (connected.isSuccess()) {
                            Connection connection = new Connection(connected.channel());
                            connected.channel().attr(CONNECTION).set(connection);
                            connections.add(connection);
                            fill(connection);
                            hasRoom(connection);
                        } else {
                            // The requests it was opened for fail; any more waiting try a connection of their own.
                            IOException failure = new IOException("cannot connect to " + server.getHost() + ":"
                                    + port + ": " + connected.cause().getMessage(), connected.cause());
                            Exchange next;
                            for (int i = 0; i < requestsPerConnection && (next = nextWaiting()) != null; i++) {
                                next.fail(failure);
                            }
                            openIfNeeded();
                        }
                    });
        }

        /** Sends waiting requests on {@code connection} while it has room. */
        private void fill(Connection connection) {
            while (connection.inFlight.size() < requestsPerConnection && !closed) {
                Exchange next = nextWaiting();
                if (next == null) {
                    return;
                }
                send(connection, next);
            }
        }

        /** An answer came on {@code connection}: the head of its line is answered. */
        void answered(Connection connection, Answer answer, boolean keepAlive) {
            Exchange exchange = connection.inFlight.poll();
            if (exchange == null) {
                connection.channel.close(); // an answer nobody asked for: the connection is out of step
                return;
            }
            done(exchange);
            exchange.complete(answer);
            if (!keepAlive || closed) {
                connection.channel.close(); // the close fails what was pipelined behind it
            } else {
                fill(connection);
                hasRoom(connection);
            }
        }

        /** A connection ended: fail what it carried, and open another if requests wait. */
        void closed(Connection connection) {
            connections.remove(connection);
            connection.closed = true; // dropped from withRoom when next found there
            for (Exchange exchange; (exchange = connection.inFlight.poll()) != null; ) {
                done(exchange);
                exchange.fail(new IOException("the connection to " + server.getHost() + " closed before the answer"));
            }
            connections.forEach(this::fill); // what its requests held back may go on the others
            openIfNeeded();
        }

        void closeAll() {
            List.copyOf(connections).forEach(connection -> connection.channel.close()); // each close removes it
            for (Queue<Exchange> queue : List.of(waitingAhead, waiting)) {
                queue.forEach(exchange -> exchange.fail(new IOException("the client is closed")));
                queue.clear();
            }
        }
    }

    /** One kept-alive connection and the requests sent on it, in the order their answers will come. */
    private static final class Connection {
        final Channel channel;
        final ArrayDeque<Exchange> inFlight = new ArrayDeque<>();
        /** In its pool's {@code withRoom}. */
        boolean listed;
        boolean closed;

        Connection(Channel channel) {
            this.channel = channel;
        }

        /** Sends {@code exchange}; false, and nothing sent, when its caller has given it up already. */
        boolean send(Exchange exchange) {
            if (exchange.answer.isDone()) { // given up by its caller (cancelled) while it waited
                return false;
            }
            inFlight.add(exchange);
            exchange.connection = this;
            // Timed from here, not from post(): a burst of calls waits for a place in order, and none of them
            // should fail for the calls queued before it.
            exchange.timer = channel.eventLoop().schedule(exchange::timedOut, exchange.timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
            // The flushes of requests sent together are merged into one write (FlushConsolidationHandler).
            channel.writeAndFlush(exchange.request()).addListener((ChannelFutureListener) written -> {
                if (!written.isSuccess()) {
                    channel.close(); // the close fails the exchange
                }
            });
            return true;
        }
    }

    /** Completes the exchange at the head of its connection's line with each answer. */
    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Pool pool;

        AnswerHandler(Pool pool) {
            this.pool = pool;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            pool.answered(ctx.channel().attr(CONNECTION).get(),
                    new Answer(response.status().code(), ByteBufUtil.getBytes(response.content())),
                    HttpUtil.isKeepAlive(response));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Connection connection = ctx.channel().attr(CONNECTION).get();
            if (connection != null) {
                pool.closed(connection);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One request and its answer; its fields are touched on the I/O thread only. */
    private static final class Exchange {
        final URI uri;
        final Map<String, String> headers;
        final byte[] body;
        final Duration timeout;
        /** Whether it goes ahead of the requests waiting for a place ({@link #postAhead}). */
        final boolean ahead;
        final CompletableFuture<Answer> answer;
        ScheduledFuture<?> timer;
        Connection connection;

        Exchange(URI uri, Map<String, String> headers, byte[] body, Duration timeout, boolean ahead,
                 CompletableFuture<Answer> answer) {
            this.uri = uri;
            this.headers = headers;
            this.body = body;
            this.timeout = timeout;
            this.ahead = ahead;
            this.answer = answer;
        }

        String serverKey() {
            return uri.getScheme() + "://" + uri.getHost() + ":" + ClientParts.port(uri);
        }

        FullHttpRequest request() {
            FullHttpRequest request = ClientParts.post(uri, headers, body);
            HttpUtil.setKeepAlive(request, true);
            return request;
        }

        void complete(Answer result) {
            if (timer != null) {
                timer.cancel(false);
            }
            answer.complete(result);
        }

        void fail(IOException failure) {
            if (timer != null) {
                timer.cancel(false);
            }
            answer.completeExceptionally(failure);
        }

        /**
         * No answer in time: fail it, and close its connection (a late answer would be taken for the next request's;
         * the requests pipelined behind it fail with the close).
         */
        void timedOut() {
            if (answer.completeExceptionally(new HttpTimeoutException("no answer within " + timeout.toMillis()
                    + " ms")) && connection != null && connection.inFlight.contains(this)) {
                connection.channel.close();
            }
        }
    }

}
