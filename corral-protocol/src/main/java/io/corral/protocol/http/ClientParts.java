package io.corral.protocol.http;

import io.corral.protocol.tls.ClientTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;

/**
 * What Corral's Netty HTTP clients ({@link KeptAliveClient}, {@link StreamingPost}) build alike: the connection (TLS
 * and HTTP codec), the POST request, a URI's port.
 *
 * <p>Stateless.
 */
final class ClientParts {
    private ClientParts() {
    }

    /**
     * Connects to {@code host:port} on {@code io} with Nagle off, its pipeline TLS (when {@code tls} is present, the
     * server checked as it says) then an HTTP client codec, then {@code handlers}.
     */
    static ChannelFuture connect(EventLoop io, Optional<ClientTls> tls, Duration connectTimeout, String host, int port,
                                 Consumer<ChannelPipeline> handlers) {
        return new Bootstrap().group(io).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        tls.ifPresent(t -> channel.pipeline().addLast(new SslHandler(engine(t, host, port))));
                        channel.pipeline().addLast(new HttpClientCodec());
                        handlers.accept(channel.pipeline());
                    }
                })
                .connect(host, port);
    }

    /** A POST of {@code body} to {@code uri} with {@code headers}, plus Host and Content-Length. */
    static FullHttpRequest post(URI uri, Map<String, String> headers, byte[] body) {
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target,
                Unpooled.wrappedBuffer(body));
        headers.forEach((name, value) -> request.headers().set(name, value));
        request.headers().set(HttpHeaderNames.HOST, uri.getHost() + ":" + port(uri));
        HttpUtil.setContentLength(request, body.length);
        return request;
    }

    /** A client-side TLS engine for {@code host}, checking the server as {@code tls} says (hostname included). */
    private static SSLEngine engine(ClientTls tls, String host, int port) {
        SSLEngine engine = tls.sslContext().createSSLEngine(host, port);
        engine.setUseClientMode(true);
        engine.setSSLParameters(tls.sslParameters());
        return engine;
    }

    static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equals(uri.getScheme()) ? 443 : 80;
    }
}
