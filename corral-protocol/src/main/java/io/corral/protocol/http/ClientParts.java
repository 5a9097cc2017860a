package io.corral.protocol.http;

import io.corral.protocol.tls.ClientTls;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.util.Map;
import javax.net.ssl.SSLEngine;

/**
 * What Corral's Netty HTTP clients ({@link KeptAliveClient}, {@link StreamingPost}) build alike: the POST request, the
 * client's TLS engine, a URI's port.
 *
 * <p>Stateless.
 */
final class ClientParts {
    private ClientParts() {
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
    static SSLEngine engine(ClientTls tls, String host, int port) {
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
