package io.corral.protocol.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * One request as read off a connection, detached from Netty's reference-counted buffers so that it can be read
 * from any thread. Immutable (the headers are never modified after construction).
 *
 * @param rejection when not null, the server answers with this error instead of calling the handler
 *                  (malformed or oversized requests)
 */
record ReceivedRequest(
        String method, String uri, HttpVersion version, HttpHeaders headers, byte[] body, boolean keepAlive,
        HttpError rejection) {

    /** Copies a request that Netty decoded; the caller still releases {@code request}. */
    static ReceivedRequest from(FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            return rejected(request, new HttpError(400, "Malformed HTTP request: " + cause.getMessage()), false);
        }
        return new ReceivedRequest(
                request.method().name(), originForm(request.uri()), request.protocolVersion(), request.headers(),
                ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request), null);
    }

    /**
     * The request target as path and query. HTTP/1.1 servers must also accept the absolute form
     * ({@code GET http://host:port/redirect}, RFC 9112 §3.2.2), which some Mesos clients send (mesos-rxjava through
     * RxNetty); routing and redirects work on the path, so the scheme and authority are dropped here.
     */
    static String originForm(String target) {
        int schemeEnd = target.indexOf("://");
        if (schemeEnd <= 0 || target.startsWith("/")) {
            return target;
        }
        int pathStart = target.indexOf('/', schemeEnd + 3);
        if (pathStart < 0) {
            int queryStart = target.indexOf('?', schemeEnd + 3);
            return queryStart < 0 ? "/" : "/" + target.substring(queryStart);
        }
        return target.substring(pathStart);
    }

    /** A request that is answered with {@code error} without reaching the handler. */
    static ReceivedRequest rejected(HttpRequest request, HttpError error, boolean keepAlive) {
        return new ReceivedRequest(
                request.method().name(), request.uri(), request.protocolVersion(),
                new DefaultHttpHeaders().add(request.headers()), new byte[0], keepAlive, error);
    }
}
