package io.corral.protocol.http;

import io.corral.protocol.tls.ClientTls;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * POSTs small requests (a scheduler's calls: ACCEPT, ACKNOWLEDGE, ...) over a few kept-alive HTTP/1.1 connections per
 * server, all on one Netty I/O thread, one request at a time per connection; requests beyond the connections wait in
 * order for the next one free, those posted with {@link #postAhead} before the others.
 *
 * <p>Why not the JDK's {@link java.net.http.HttpClient}: it hands every step of every exchange between its selector
 * thread and its executor, about a millisecond of CPU per call on a small machine. A framework acknowledging three
 * updates per task spent more CPU on its client than the master spent deciding; here a call is one write and one read
 * on a thread that stays awake while there is work.
 *
 * <p><b>Threading contract.</b> {@link #post} may be called from any thread; it hands the request to the I/O thread,
 * which owns every pool, connection and queue. Answers complete on the I/O thread: callers must not block in their
 * completions.
 */
public final class KeptAliveClient implements AutoCloseable {
    /** Largest answer body taken: calls are answered with an empty body or a short error message. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final AttributeKey<Exchange> CURRENT = AttributeKey.valueOf("corral.exchange");

    /** An answer: its status and body. */
    public record Answer(int status, byte[] body) {}

    private final NioEventLoopGroup group;
    private final EventLoop io;
    private final Optional<ClientTls> tls;
    private final int connectionsPerServer;
    private final Duration connectTimeout;
    private final Map<String, Pool> pools = new HashMap<>(); // on io only
    private boolean closed; // on io only

    /** @param connectionsPerServer at most this many connections to one server; more requests wait for one */
    public KeptAliveClient(String threadName, Optional<ClientTls> tls, Duration connectTimeout,
                           int connectionsPerServer) {
        if (connectionsPerServer < 1) {
            throw new IllegalArgumentException("at least one connection per server, not " + connectionsPerServer);
        }
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory(threadName, true));
        this.io = group.next();
        this.tls = tls;
        this.connectionsPerServer = connectionsPerServer;
        this.connectTimeout = connectTimeout;
    }

    /**
     * POSTs {@code body} to {@code uri} with {@code headers} (Host, Content-Length and keep-alive are added). The answer
     * completes with any status; it fails with an {@link IOException} when the server cannot be reached, the
     * connection breaks before the answer, or no answer came within {@code timeout} of the request being sent (an
     * {@link HttpTimeoutException}; the wait for a free connection does not count).
     */
    public CompletableFuture<Answer> post(URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
        return post(new Exchange(uri, headers, body, timeout, false, new CompletableFuture<>()));
    }

    /**
     * As {@link #post(URI, Map, byte[], Duration)}, but ahead of every request still waiting for a connection (in
     * order among those posted ahead); requests already sent keep their place. For calls that let the server's other
     * work go on, such as a framework's acknowledgements: each frees the agent to send its task's next update, and
     * one kept waiting behind a burst of other calls for ten seconds makes the agent send the update again.
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

    /** The connections to one server (scheme, host and port), and the requests waiting for one. */
    private final class Pool {
        private final URI server;
        private final ArrayDeque<Channel> idle = new ArrayDeque<>();
        /** Requests posted ahead, then the others, each in the order posted. */
        private final Queue<Exchange> waitingAhead = new ArrayDeque<>();
        private final Queue<Exchange> waiting = new ArrayDeque<>();
        private int open; // connections open or opening

        Pool(URI server) {
            this.server = server;
        }

        void submit(Exchange exchange) {
            Channel channel = idle.pollLast();
            if (channel != null) {
                send(channel, exchange);
            } else if (open < connectionsPerServer) {
                connect(exchange);
            } else {
                (exchange.ahead ? waitingAhead : waiting).add(exchange);
            }
        }

        private Exchange nextWaiting() {
            Exchange next = waitingAhead.poll();
            return next != null ? next : waiting.poll();
        }

        private void connect(Exchange exchange) {
            open++;
            int port = ClientParts.port(server);
            ClientParts.connect(io, tls, connectTimeout, server.getHost(), port, pipeline -> pipeline
                            .addLast(new HttpObjectAggregator(MAX_ANSWER_BYTES)).addLast(new AnswerHandler(Pool.this)))
                    .addListener((ChannelFutureListener) connected -> {
                        if (connected.isSuccess()) {
                            send(connected.channel(), exchange);
                        } else {
                            open--;
                            exchange.fail(new IOException("cannot connect to " + server.getHost() + ":" + port + ": "
                                    + connected.cause().getMessage(), connected.cause()));
                            next();
                        }
                    });
        }

        private void send(Channel channel, Exchange exchange) {
            if (exchange.answer.isDone()) { // given up by its caller (cancelled) while it waited
                release(channel, true);
                return;
            }
            channel.attr(CURRENT).set(exchange);
            exchange.channel = channel;
            // Timed from here, not from post(): a burst of calls waits for a connection in order, and none of them
            // should fail for the calls queued before it.
            exchange.timer = io.schedule(exchange::timedOut, exchange.timeout.toNanos(), TimeUnit.NANOSECONDS);
            channel.writeAndFlush(exchange.request()).addListener((ChannelFutureListener) written -> {
                if (!written.isSuccess()) {
                    channel.close(); // the close fails the exchange
                }
            });
        }

        /** The exchange on {@code channel} ended: reuse the connection (if it may be) for the next request. */
        void release(Channel channel, boolean reusable) {
            channel.attr(CURRENT).set(null);
            if (reusable && channel.isActive() && !closed) {
                Exchange next = nextWaiting();
                if (next != null) {
                    send(channel, next);
                } else {
                    idle.addLast(channel);
                }
            } else {
                channel.close();
            }
        }

        /** A connection ended: forget it, and start a waiting request on a new one if any waits. */
        void closed(Channel channel) {
            open--;
            idle.remove(channel);
            Exchange current = channel.attr(CURRENT).getAndSet(null);
            if (current != null) {
                current.fail(new IOException("the connection to " + server.getHost() + " closed before the answer"));
            }
            next();
        }

        private void next() {
            Exchange next = nextWaiting();
            if (next != null && !closed) {
                submit(next);
            }
        }

        void closeAll() {
            idle.forEach(Channel::close);
            for (Queue<Exchange> queue : List.of(waitingAhead, waiting)) {
                queue.forEach(exchange -> exchange.fail(new IOException("the client is closed")));
                queue.clear();
            }
        }
    }

    /** Completes the exchange of its connection with each answer. */
    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Pool pool;

        AnswerHandler(Pool pool) {
            this.pool = pool;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Exchange exchange = ctx.channel().attr(CURRENT).get();
            if (exchange == null) {
                ctx.close(); // an answer nobody asked for: the connection is out of step
                return;
            }
            exchange.complete(new Answer(response.status().code(), ByteBufUtil.getBytes(response.content())));
            pool.release(ctx.channel(), HttpUtil.isKeepAlive(response));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pool.closed(ctx.channel());
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
        /** Whether it goes ahead of the requests waiting for a connection ({@link #postAhead}). */
        final boolean ahead;
        final CompletableFuture<Answer> answer;
        ScheduledFuture<?> timer;
        Channel channel;

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

        /** No answer in time: fail it, and close its connection (a late answer would come to the next request). */
        void timedOut() {
            if (answer.completeExceptionally(new HttpTimeoutException("no answer within " + timeout.toMillis()
                    + " ms")) && channel != null && channel.attr(CURRENT).get() == this) {
                channel.close();
            }
        }
    }

}
