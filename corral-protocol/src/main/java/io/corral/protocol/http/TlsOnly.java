package io.corral.protocol.http;

import io.corral.protocol.tls.ServerTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of an HTTPS server's connection: looks at the first bytes the client sends and either puts the
 * TLS engine in its own place, or, when they are plain HTTP, answers one {@code 400} saying that this port speaks
 * HTTPS and closes the connection. Nothing is served in the clear; the answer only spares the person typing
 * {@code curl http://...} a bare "connection reset".
 *
 * <p>Threading: one instance per connection, used only on that connection's I/O thread.
 */
final class TlsOnly extends ByteToMessageDecoder {
    /** A TLS record header is 5 bytes: enough to tell a handshake from "GET /". */
    private static final int PEEK_BYTES = 5;
    private static final String PLAIN_HTTP_REFUSAL = "This port speaks HTTPS only: use https:// URLs\n";
    private static final byte[] PLAIN_HTTP_ANSWER = ("HTTP/1.1 400 Bad Request\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Connection: close\r\n"
            + "Content-Length: " + PLAIN_HTTP_REFUSAL.length() + "\r\n\r\n"
            + PLAIN_HTTP_REFUSAL).getBytes(StandardCharsets.US_ASCII);

    private final ServerTls tls;

    TlsOnly(ServerTls tls) {
        this.tls = tls;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < PEEK_BYTES) {
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            // The bytes read so far stay in this decoder's buffer and go on to the TLS engine when it is removed.
            ctx.pipeline().replace(this, "tls", tls.newHandler(ctx.alloc()));
        } else {
            in.skipBytes(in.readableBytes());
            ctx.writeAndFlush(Unpooled.wrappedBuffer(PLAIN_HTTP_ANSWER)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
