package io.corral.protocol.http;

/**
 * Serves the requests of one {@link HttpServer}.
 *
 * <p>Threading: {@link #handle} is called on a Netty I/O thread, which also serves other connections, so it must
 * not block. Do slow work elsewhere and answer later: {@link HttpExchange}'s answer methods may be called from any
 * thread. A handler that throws gets its exchange answered with a 500 carrying the exception message (or, for an
 * {@link HttpError}, its status and message); the server keeps serving.
 */
@FunctionalInterface
public interface HttpHandler {
    void handle(HttpExchange exchange);
}
