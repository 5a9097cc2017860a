package io.corral.protocol.http;

import io.corral.protocol.tls.ClientTls;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One POST whose answer is a stream that lasts (a scheduler's SUBSCRIBE), on a connection of its own, on the caller's
 * Netty I/O thread: the answer's head and each piece of its body go to a {@link Receiver} as they arrive.
 *
 * <p>Why not the JDK's {@link java.net.http.HttpClient}: its streaming body passes every piece from its selector
 * thread to its executor, then through an {@code InputStream} to a reading thread, three wake-ups per piece; on a
 * small machine a framework's event stream cost more CPU than the master spent sending it. Here the piece is decoded
 * on the thread that read it.
 *
 * <p><b>Threading contract.</b> {@link #open} and {@link #close} may be called from any thread. The receiver is
 * called on the I/O thread only, in order: {@link Receiver#onHead} at most once, then {@link Receiver#onContent} for
 * each piece of the body ({@link Receiver#onReadComplete} after the pieces of each read from the connection), then
 * {@link Receiver#onEnd} exactly once (also when no head came). The fields below are touched on the I/O thread only.
 */
public final class StreamingPost implements AutoCloseable {

    /** What the answer brings; every method runs on the I/O thread and must not block. */
    public interface Receiver {
        /** The answer's status and headers. */
        void onHead(int status, HttpHeaders headers);

        /** A piece of the body, readable during the call only. Throwing ends the exchange with that failure. */
        void onContent(ByteBuf content);

        /**
         * The pieces that one read from the connection brought have all been handed over: a receiver that answers
         * records (a simulated agent's status updates) can send what they called for in one go.
         */
        default void onReadComplete() {
        }

        /**
         * The exchange is over: {@code failure} is null when the server ended the answer; otherwise it says why it
         * ended early (the server unreachable, no head within the timeout, the connection lost, {@link #close}).
         */
        void onEnd(Throwable failure);
    }

    private final EventLoop io;
    private final Receiver receiver;
    private final Duration headTimeout;
    private Channel channel;
    private ScheduledFuture<?> headTimer;
    private boolean headSeen;
    private boolean ended;

    private StreamingPost(EventLoop io, Receiver receiver, Duration headTimeout) {
        this.io = io;
        this.receiver = receiver;
        this.headTimeout = headTimeout;
    }

    /**
     * Connects to {@code uri}'s server (over TLS when {@code tls} is present) and POSTs {@code body} with
     * {@code headers} (Host and Content-Length are added). No head within {@code headTimeout} of the request being
     * sent ends the exchange with an {@link HttpTimeoutException}.
     */
    public static StreamingPost open(EventLoop io, Optional<ClientTls> tls, Duration connectTimeout, URI uri,
                                     Map<String, String> headers, byte[] body, Duration headTimeout,
                                     Receiver receiver) {
        StreamingPost post = new StreamingPost(io, receiver, headTimeout);
        io.execute(() -> post.connect(tls, connectTimeout, uri, ClientParts.post(uri, headers, body)));
        return post;
    }

    /** Ends the exchange (the receiver hears {@code onEnd} with "closed"); harmless once it ended. */
    @Override
    public void close() {
        if (!io.isShuttingDown()) {
            io.execute(() -> end(new IOException("the stream was closed")));
        }
    }

    // ---------------------------------------------------------------------------------------------- on the I/O thread

    private void connect(Optional<ClientTls> tls, Duration connectTimeout, URI uri, FullHttpRequest request) {
        if (ended) { // closed before it started
            request.release();
            return;
        }
        int port = ClientParts.port(uri);
        ClientParts.connect(io, tls, connectTimeout, uri.getHost(), port,
                        pipeline -> pipeline.addLast(new AnswerHandler()))
                .addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        request.release();
                        end(new IOException("cannot connect to " + uri.getHost() + ":" + port + ": "
                                + connected.cause().getMessage(), connected.cause()));
                        return;
                    }
                    channel = connected.channel();
                    if (ended) { // closed while connecting
                        request.release();
                        channel.close();
                        return;
                    }
                    headTimer = io.schedule(() -> end(new HttpTimeoutException("no answer within "
                            + headTimeout.toMillis() + " ms")), headTimeout.toNanos(), TimeUnit.NANOSECONDS);
                    channel.writeAndFlush(request).addListener((ChannelFutureListener) written -> {
                        if (!written.isSuccess()) {
                            end(new IOException("cannot send the request: " + written.cause().getMessage(),
                                    written.cause()));
                        }
                    });
                });
    }

    /** Ends the exchange once: the receiver hears it, the connection closes. */
    private void end(Throwable failure) {
        if (ended) {
            return;
        }
        ended = true;
        if (headTimer != null) {
            headTimer.cancel(false);
        }
        if (channel != null) {
            channel.close();
        }
        receiver.onEnd(failure);
    }

    /** Hands the answer's parts to the receiver, and its end (or the connection's) to {@link #end}. */
    private final class AnswerHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject part) {
            if (ended) {
                return;
            }
            if (part instanceof HttpResponse head) {
                headSeen = true;
                headTimer.cancel(false);
                receiver.onHead(head.status().code(), head.headers());
            }
            if (part instanceof HttpContent content && headSeen && !ended) {
                if (content.content().isReadable()) {
                    receiver.onContent(content.content());
                }
                if (part instanceof LastHttpContent) {
                    end(null);
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (headSeen && !ended) {
                receiver.onReadComplete();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end(new IOException("the connection closed before the answer ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A TLS handshake failure arrives wrapped (DecoderException): its cause says what went wrong.
            end(cause.getCause() instanceof javax.net.ssl.SSLException ? cause.getCause() : cause);
        }
    }
}
