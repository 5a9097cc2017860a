package io.corral.protocol.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection: hands its requests to the {@link HttpHandler} one at a time and writes the answers in the
 * order the requests came (HTTP/1.1 pipelining), whichever thread answers and whenever it does.
 *
 * <p>Threading: the fields are touched only on the connection's Netty I/O thread. The methods an
 * {@link HttpExchange} calls ({@link #sendResponse}, {@link #sendStreamHead}) may be called from any thread and hop
 * onto the I/O thread.
 *
 * <p>While a request is being answered, later requests wait in a queue and the connection stops reading, so a
 * client cannot pile up requests. A stream keeps reading (that is how a client's disconnect is noticed) and owns the
 * connection until it ends, which closes the connection; requests sent behind a stream are dropped.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    /**
     * Errors no request should cause (anything but an I/O error on the connection, or a handler failing with other
     * than {@link HttpError}), since the start: each is a bug. Read by the protocol fuzz test.
     */
    static final java.util.concurrent.atomic.LongAdder UNEXPECTED_ERRORS = new java.util.concurrent.atomic.LongAdder();

    private final HttpHandler handler;
    private final long maxPendingStreamBytes;
    /** Null: this server counts no client's connections or streams. */
    private final ClientQuotas quotas;
    /** While true, a large answer waits between its slices ({@link LargeAnswer}). */
    private final BooleanSupplier largeAnswersWait;
    /** Who this connection is counted against; null until active, or without quotas. Guarded by this. */
    private ClientQuotas.Lease lease;
    private final Queue<ReceivedRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpExchange current;
    private boolean streaming;
    private boolean closing;

    ServerConnection(HttpHandler handler, long maxPendingStreamBytes, ClientQuotas quotas,
                     BooleanSupplier largeAnswersWait) {
        this.handler = handler;
        this.maxPendingStreamBytes = maxPendingStreamBytes;
        this.quotas = quotas;
        this.largeAnswersWait = largeAnswersWait;
    }

    Channel channel() {
        return ctx.channel();
    }

    long maxPendingStreamBytes() {
        return maxPendingStreamBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        ReceivedRequest request;
        if (message instanceof FullHttpRequest full) {
            try {
                request = ReceivedRequest.from(full);
            } finally {
                full.release();
            }
        } else if (message instanceof ReceivedRequest rejected) {
            request = rejected;
        } else {
            ReferenceCountUtil.release(message);
            return;
        }
        if (streaming || closing) {
            log.debug("Dropping {} {} from {}: its connection is streaming or closing",
                    request.method(), request.uri(), ctx.channel().remoteAddress());
        } else if (current == null) {
            begin(request);
        } else {
            waiting.add(request);
            ctx.channel().config().setAutoRead(false);
        }
    }

    /**
     * Counts the new connection against its remote address until a request authenticates it; one address over its
     * limit is cut off before it can send anything, as it is most likely holding sockets open to starve others.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (quotas != null) {
            ClientQuotas.Client client = ClientQuotas.Client.of(java.util.Optional.empty(), remoteAddress());
            java.util.Optional<ClientQuotas.Lease> counted = quotas.openConnection(client);
            if (counted.isEmpty()) {
                log.warn("Refusing a connection from {}: it already has {} open (the limit)", client,
                        quotas.maxConnections(client));
                ctx.close();
                return;
            }
            synchronized (this) {
                lease = counted.get();
            }
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        waiting.clear();
        synchronized (this) {
            if (lease != null) {
                lease.release();
            }
        }
        super.channelInactive(ctx);
    }

    /**
     * Counts this connection against {@code principal} (or, with none, its address) from now on. False, and the
     * count unchanged, when that client already has its most connections.
     */
    synchronized boolean countAgainst(java.util.Optional<String> principal) {
        if (quotas == null || lease == null) {
            return true;
        }
        ClientQuotas.Client client = ClientQuotas.Client.of(principal, remoteAddress());
        if (lease.client().equals(client)) {
            return true;
        }
        java.util.Optional<ClientQuotas.Lease> counted = quotas.openConnection(client);
        if (counted.isEmpty()) {
            return false;
        }
        lease.release();
        lease = counted.get();
        return true;
    }

    /** Who a request of {@code principal} on this connection is, for limits and messages. */
    ClientQuotas.Client clientFor(java.util.Optional<String> principal) {
        return ClientQuotas.Client.of(principal, remoteAddress());
    }

    /** The client this connection is counted against; null without quotas. */
    synchronized ClientQuotas.Client client() {
        return lease == null ? null : lease.client();
    }

    ClientQuotas quotas() {
        return quotas;
    }

    private java.net.InetAddress remoteAddress() {
        return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress inet ? inet.getAddress() : null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client hanging up in the middle of a request (PrematureChannelClosureException from the aggregator), or a
        // failed TLS handshake (a client offering TLS 1.1, or hanging up on our certificate), is as ordinary as an
        // I/O error: one debug line, not a warning with a stack trace that any client could make us log.
        if (cause instanceof IOException || cause instanceof io.netty.handler.codec.PrematureChannelClosureException
                || cause.getCause() instanceof javax.net.ssl.SSLException) {
            log.debug("Connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            UNEXPECTED_ERRORS.increment();
            log.warn("Closing connection from {} after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /** Writes a complete answer to {@code exchange}, then serves the next waiting request. Any thread. */
    void sendResponse(HttpExchange exchange, FullHttpResponse response, boolean keepAlive) {
        onIoThread(() -> {
            ChannelFutureListener afterWritten = keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE;
            if (!keepAlive) {
                closing = true;
                waiting.clear();
            }
            if (response.content().readableBytes() >= LargeAnswer.MIN_BYTES) {
                LargeAnswer.send(ctx, response, largeAnswersWait, written -> {
                    afterWritten.operationComplete(written);
                    finished(exchange); // the next answer is written after this one's last slice
                });
                return;
            }
            ctx.writeAndFlush(response).addListener(afterWritten);
            finished(exchange);
        }, () -> ReferenceCountUtil.release(response));
    }

    /** Writes the status line and headers of a stream at once; the connection is the stream's from now on. */
    void sendStreamHead(HttpResponse head) {
        onIoThread(() -> {
            streaming = true;
            waiting.clear();
            ctx.channel().config().setAutoRead(true);
            ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }, () -> { });
    }

    private void begin(ReceivedRequest request) {
        HttpExchange exchange = new HttpExchange(request, this);
        current = exchange;
        if (request.rejection() != null) {
            exchange.respondError(request.rejection());
            return;
        }
        String badTarget = exchange.targetProblem();
        if (badTarget != null) {
            exchange.respondError(new HttpError(400, "Malformed request target: " + badTarget));
            return;
        }
        try {
            handler.handle(exchange);
        } catch (Throwable e) {
            if (!(e instanceof HttpError)) {
                UNEXPECTED_ERRORS.increment();
                log.warn("Handler failed on {} {}", request.method(), request.uri(), e);
            }
            exchange.respondError(e);
        }
    }

    private void finished(HttpExchange exchange) {
        if (current != exchange) {
            return;
        }
        current = null;
        // Not inline: an exchange answered inside handle() would otherwise recurse into the next one.
        ctx.executor().execute(this::beginNextWaiting);
    }

    private void beginNextWaiting() {
        if (current != null || closing) {
            return;
        }
        ReceivedRequest next = waiting.poll();
        if (next == null) {
            ctx.channel().config().setAutoRead(true);
        } else {
            begin(next);
        }
    }

    /** Runs {@code task} on this connection's I/O thread; runs {@code ifServerStopped} when that thread is gone. */
    private void onIoThread(Runnable task, Runnable ifServerStopped) {
        if (ctx.executor().inEventLoop()) {
            task.run();
            return;
        }
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            ifServerStopped.run();
        }
    }
}
