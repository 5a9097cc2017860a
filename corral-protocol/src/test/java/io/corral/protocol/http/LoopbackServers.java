package io.corral.protocol.http;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Corral's HTTP servers on loopback for one test, closed together after it.
 *
 * <p>Threading: the test's thread.
 */
final class LoopbackServers implements AutoCloseable {
    private final List<HttpServer> servers = new ArrayList<>();

    /** A server on a free loopback port answering with {@code handler}. */
    HttpServer serve(HttpHandler handler) {
        return add(HttpServer.start("127.0.0.1", 0, handler));
    }

    /** Closes {@code server} with the others. */
    HttpServer add(HttpServer server) {
        servers.add(server);
        return server;
    }

    static URI uri(HttpServer server, String target) {
        return URI.create("http://127.0.0.1:" + server.port() + target);
    }

    @Override
    public void close() {
        servers.forEach(HttpServer::close);
    }
}
