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
 * One HTTP connection: hands its requests to the {@link HttpHandler} in the order they came and writes the answers in
 * that order (HTTP/1.1 pipelining), whichever thread answers and whenever it does.
 *
 * <p>Threading: the fields are touched only on the connection's Netty I/O thread. The methods an
 * {@link HttpExchange} calls ({@link #sendResponse}, {@link #sendStreamHead}, {@link #handedOff}) may be called from
 * any thread and hop onto the I/O thread.
 *
 * <p>A request holds the connection until it is answered: later requests wait in a queue and the connection stops
 * reading, so a client cannot pile up requests. A handler that has passed its request on to what orders it (the
 * master's event loop) says so ({@link HttpExchange#handedOff}), and the next request begins while the first waits
 * for its answer, up to {@value #MAX_UNANSWERED} at a time (and, beside others, while their bodies hold under
 * {@value #MAX_UNANSWERED_BYTES} bytes), as Mesos serves a framework that pipelines its calls on one connection: a
 * burst of acknowledgements is then read, handed on and answered in batches, a few system calls for many, instead of
 * one round trip through the loop each. A stream owns the connection once its head is written (reading goes on: that
 * is how a client's disconnect is noticed) until it ends, which closes the connection; requests sent behind a stream
 * are dropped.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    /** Most requests of one connection begun and not yet answered on the wire; the rest wait, unread. */
    static final int MAX_UNANSWERED = 32;
    /**
     * A request begins beside unanswered ones only while their bodies, kept until answered, hold less than this: a
     * client pipelining 32 requests of the largest size accepted would otherwise pin 32 times that per connection.
     */
    static final int MAX_UNANSWERED_BYTES = 1 << 20;
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
    /** Requests read and not begun yet. */
    private final Queue<ReceivedRequest> waiting = new ArrayDeque<>();
    /** Requests begun whose answers are not on the wire yet, in the order they came. */
    private final ArrayDeque<Turn> unanswered = new ArrayDeque<>();
    /** The body bytes of the {@link #unanswered} requests. */
    private long unansweredBytes;
    /** The request begun last, while it holds the connection: neither answered nor handed off. */
    private HttpExchange holding;
    private ChannelHandlerContext ctx;
    /** A handler is running: its own hand-off does not begin the next request (the loop in beginWaiting does). */
    private boolean beginning;
    /** A large answer is being written in slices: the answers after it wait. */
    private boolean writingLarge;
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
            return;
        }
        waiting.add(request);
        beginWaiting();
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
        dropUnanswered();
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

    /** Writes a complete answer to {@code exchange} in its turn, then begins the next waiting request. Any thread. */
    void sendResponse(HttpExchange exchange, FullHttpResponse response, boolean keepAlive) {
        onIoThread(() -> answered(exchange, new Answer(response, keepAlive, null, null)),
                () -> ReferenceCountUtil.release(response));
    }

    /**
     * Writes the status line and headers of a stream in its turn (after the answers of the requests before it); the
     * connection is the stream's from now on: no request after it begins. Any thread.
     */
    void sendStreamHead(HttpExchange exchange, HttpResponse head, HttpStream stream) {
        onIoThread(() -> {
            streaming = true;
            waiting.clear();
            ctx.channel().config().setAutoRead(true);
            answered(exchange, new Answer(null, true, head, stream));
        }, () -> { });
    }

    /**
     * {@code exchange}'s handler has passed it on to what orders it and will only answer it: the next request may
     * begin now. Any thread.
     */
    void handedOff(HttpExchange exchange) {
        onIoThread(() -> {
            if (holding == exchange) {
                holding = null;
                if (!beginning) {
                    beginWaiting();
                }
            }
        }, () -> { });
    }

    /** Begins waiting requests while none holds the connection and the unanswered ones leave room. */
    private void beginWaiting() {
        ReceivedRequest next;
        while (holding == null && !streaming && !closing && hasRoom() && (next = waiting.poll()) != null) {
            begin(next);
        }
        // Read on only when nothing waits: a client sending faster than it is answered is held back by TCP.
        ctx.channel().config().setAutoRead(waiting.isEmpty() || streaming);
    }

    private boolean hasRoom() {
        return unanswered.isEmpty()
                || (unanswered.size() < MAX_UNANSWERED && unansweredBytes < MAX_UNANSWERED_BYTES);
    }

    private void begin(ReceivedRequest request) {
        HttpExchange exchange = new HttpExchange(request, this);
        unanswered.add(new Turn(exchange, request.body().length));
        unansweredBytes += request.body().length;
        holding = exchange;
        beginning = true;
        try {
            if (request.rejection() != null) {
                exchange.respondError(request.rejection());
                return;
            }
            String badTarget = exchange.targetProblem();
            if (badTarget != null) {
                exchange.respondError(new HttpError(400, "Malformed request target: " + badTarget));
                return;
            }
            handler.handle(exchange);
        } catch (Throwable e) {
            if (!(e instanceof HttpError)) {
                UNEXPECTED_ERRORS.increment();
                log.warn("Handler failed on {} {}", request.method(), request.uri(), e);
            }
            exchange.respondError(e);
        } finally {
            beginning = false;
        }
    }

    /** On the I/O thread: {@code exchange} has its answer; write every answer whose turn has come. */
    private void answered(HttpExchange exchange, Answer answer) {
        Turn turn = turnOf(exchange);
        if (turn == null) { // the connection ended, or an answer before it closed the connection
            answer.release();
            return;
        }
        turn.answer = answer;
        if (holding == exchange) {
            holding = null;
        }
        writeAnswers();
        beginWaitingLater();
    }

    /**
     * Begins the waiting requests in a task of their own: an answer can be given inside a handler (this connection's,
     * or another's on the same I/O thread), which must not run the next request's handler within it.
     */
    private void beginWaitingLater() {
        if (!waiting.isEmpty()) {
            ctx.executor().execute(this::beginWaiting);
        }
    }

    private Turn turnOf(HttpExchange exchange) {
        for (Turn turn : unanswered) {
            if (turn.exchange == exchange) {
                return turn;
            }
        }
        return null;
    }

    /** Writes the answers at the head of the line that have come, in order, until one has not come yet. */
    private void writeAnswers() {
        while (!writingLarge && !unanswered.isEmpty() && unanswered.peek().answer != null) {
            Turn turn = unanswered.poll();
            unansweredBytes -= turn.bodyBytes;
            Answer answer = turn.answer;
            if (answer.streamHead() != null) {
                ctx.writeAndFlush(answer.streamHead()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                answer.stream().headWritten();
                dropUnanswered(); // none: no request begins after a stream's
                return;
            }
            FullHttpResponse response = answer.response();
            ChannelFutureListener afterWritten = answer.keepAlive() ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE;
            if (!answer.keepAlive()) {
                closing = true;
                waiting.clear();
                dropUnanswered(); // the connection closes after this answer: later ones are never written
            }
            if (response.content().readableBytes() >= LargeAnswer.MIN_BYTES) {
                writingLarge = true;
                LargeAnswer.send(ctx, response, largeAnswersWait, written -> {
                    afterWritten.operationComplete(written);
                    writingLarge = false; // the next answer is written after this one's last slice
                    writeAnswers();
                    beginWaitingLater();
                });
                return;
            }
            ctx.writeAndFlush(response).addListener(afterWritten);
        }
    }

    /** Forgets the requests begun and not answered on the wire: their answers, come or to come, are never written. */
    private void dropUnanswered() {
        for (Turn turn : unanswered) {
            if (turn.answer != null) {
                turn.answer.release();
            }
        }
        unanswered.clear();
        unansweredBytes = 0;
        holding = null;
    }

    /** A request begun on this connection, and its answer once given. */
    private static final class Turn {
        final HttpExchange exchange;
        final int bodyBytes;
        Answer answer;

        Turn(HttpExchange exchange, int bodyBytes) {
            this.exchange = exchange;
            this.bodyBytes = bodyBytes;
        }
    }

    /** An answer waiting for its turn: a complete response, or a stream's head. */
    private record Answer(FullHttpResponse response, boolean keepAlive, HttpResponse streamHead, HttpStream stream) {
        void release() {
            if (response != null) {
                ReferenceCountUtil.release(response);
            }
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
