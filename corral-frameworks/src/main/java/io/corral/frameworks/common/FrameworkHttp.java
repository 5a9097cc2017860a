package io.corral.frameworks.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.HttpHandler;
import io.corral.protocol.http.HttpServer;
import io.corral.protocol.http.HttpServerOptions;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.tls.ServerTls;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A framework's REST server: corral-protocol's {@link HttpServer} behind its {@link Authentication} (the masters'
 * credentials file and token key, so CLI users' secrets and tokens work; {@code /health} open), JSON in and out.
 *
 * <p>Answers: a route's {@link ApiResponse} as JSON; an {@link ApiException} as
 * {@code {"message": ..., "errors": [{"field": ..., "message": ...}]}} with its status (422 invalid definitions, 404
 * unknown ids, 409 conflicts, 400 unparsable JSON); 413 for bodies over {@link Options#maxBodyBytes()} (the server
 * refuses them before any route); 503 when the process lost the lead mid-request ({@link FencedException}).
 * Leader-only routes on a standby: 307 to the leader's URL ({@code Location}, same path and query), or 503 when no
 * process leads.
 *
 * <p>Threading: Netty I/O threads authenticate and dispatch; routes run on a small worker pool (they may block on
 * ZooKeeper or on the framework's loop), so a slow route never stalls the I/O threads. A full pool answers 503.
 */
public final class FrameworkHttp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrameworkHttp.class);
    private static final String JSON = "application/json";
    private static final Set<String> OPEN_PATHS = Set.of("/health");

    /**
     * How to serve.
     *
     * @param credentials who may call (the masters' {@code --credentials} file); empty: anyone ({@code --insecure})
     * @param tokens      bearer tokens accepted besides HTTP Basic ({@code --token-key}), if any
     * @param tls         HTTPS only, when present
     * @param acls        what each caller may do ({@link Caller}); the masters' {@code --acls} file
     */
    public record Options(String bindHost, int port, Optional<Credentials> credentials, Optional<BearerTokens> tokens,
                          Optional<ServerTls> tls, int maxBodyBytes, int workers, Acls acls) {
        public Options {
            Objects.requireNonNull(bindHost, "bindHost");
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(acls, "acls");
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(tls, "tls");
            if (maxBodyBytes <= 0 || workers <= 0) {
                throw new IllegalArgumentException("maxBodyBytes and workers must be > 0");
            }
        }

        /**
         * Plain HTTP on {@code bindHost:port}, 1 MiB bodies, 4 workers, authenticating with {@code credentials}, no
         * ACLs (every caller may do everything).
         */
        public static Options of(String bindHost, int port, Optional<Credentials> credentials) {
            return new Options(bindHost, port, credentials, Optional.empty(), Optional.empty(), 1024 * 1024, 4,
                    Acls.permitAll());
        }

        public Options withTokens(Optional<BearerTokens> tokens) {
            return new Options(bindHost, port, credentials, tokens, tls, maxBodyBytes, workers, acls);
        }

        public Options withMaxBody(int bytes) {
            return new Options(bindHost, port, credentials, tokens, tls, bytes, workers, acls);
        }

        public Options withTls(Optional<ServerTls> tls) {
            return new Options(bindHost, port, credentials, tokens, tls, maxBodyBytes, workers, acls);
        }

        public Options withAcls(Acls acls) {
            return new Options(bindHost, port, credentials, tokens, tls, maxBodyBytes, workers, acls);
        }
    }

    /** Who leads, for the standby's redirect. {@link LeaderElection} is one. */
    public interface LeaderStatus {
        boolean isLeader();

        /** The leader's REST base URL, when some process leads. */
        Optional<String> leaderUrl();
    }

    private final HttpServer server;
    private final ThreadPoolExecutor workers;

    private FrameworkHttp(HttpServer server, ThreadPoolExecutor workers) {
        this.server = server;
        this.workers = workers;
    }

    /**
     * Starts serving {@code routes}.
     *
     * @param health      extra fields of the open {@code /health} answer (besides {@code leader} and {@code leader_url})
     * @param defaultUser the user the framework's tasks run as when a definition names none (for {@link Caller})
     */
    public static FrameworkHttp start(Options options, Routes routes, LeaderStatus leader,
                                      Supplier<Map<String, Object>> health, String defaultUser, InstantSource clock) {
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(options.workers(), options.workers(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), runnable -> {
                    Thread t = new Thread(runnable, "framework-http-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        HttpHandler handler = new Dispatcher(routes, leader, health, options.acls(), defaultUser, workers);
        if (options.credentials().isPresent()) {
            handler = new Authentication(options.credentials().get(), options.tokens(), clock, OPEN_PATHS::contains,
                    handler, () -> { });
        } else {
            LOG.warn("INSECURE: this framework's REST API authenticates nobody (--insecure)");
        }
        try {
            HttpServer server = HttpServer.start(options.bindHost(), options.port(), handler,
                    HttpServerOptions.defaults().withMaxRequestBytes(options.maxBodyBytes()).withTls(options.tls()));
            return new FrameworkHttp(server, workers);
        } catch (RuntimeException e) {
            workers.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    /** {@code http} or {@code https}. */
    public String scheme() {
        return server.scheme();
    }

    /** The base URL others reach this server at, with {@code host} as advertised. */
    public String baseUrl(String host) {
        return server.scheme() + "://" + host + ":" + server.port();
    }

    @Override
    public void close() {
        server.close();
        workers.shutdownNow();
    }

    /** Routes requests; runs on I/O threads and hands the work to the pool. */
    private record Dispatcher(Routes routes, LeaderStatus leader, Supplier<Map<String, Object>> health, Acls acls,
                              String defaultUser, ThreadPoolExecutor workers) implements HttpHandler {

        @Override
        public void handle(HttpExchange exchange) {
            try {
                workers.execute(() -> serve(exchange));
            } catch (RejectedExecutionException busy) {
                answerError(exchange, new ApiException(503, "too many requests in progress; try again"));
            }
        }

        private void serve(HttpExchange exchange) {
            try {
                String path = exchange.path();
                if (exchange.method().equals("GET") && path.equals("/health")) {
                    answer(exchange, ApiResponse.ok(healthBody()));
                    return;
                }
                Optional<Routes.Match> match = routes.find(exchange.method(), path);
                if (match.isEmpty()) {
                    List<String> allowed = routes.methodsAt(path);
                    throw allowed.isEmpty() ? ApiException.notFound("no such resource: " + path)
                            : new ApiException(405, exchange.method() + " is not allowed on " + path + "; allowed: "
                                    + String.join(", ", allowed));
                }
                if (match.get().leaderOnly() && !leader.isLeader()) {
                    redirectToLeader(exchange);
                    return;
                }
                ApiRequest request = new ApiRequest(exchange.method(), path, match.get().params(),
                        new QueryStringDecoder(exchange.uri()).parameters(), exchange.body(),
                        new Caller(exchange.principal(), acls, defaultUser));
                answer(exchange, match.get().route().handle(request));
            } catch (Throwable e) {
                answerError(exchange, e);
            }
        }

        private Map<String, Object> healthBody() {
            Map<String, Object> body = new HashMap<>(health.get());
            body.put("leader", leader.isLeader());
            try {
                leader.leaderUrl().ifPresent(url -> body.put("leader_url", url));
            } catch (RuntimeException e) {
                body.put("leader_error", e.getMessage());
            }
            return body;
        }

        private void redirectToLeader(HttpExchange exchange) {
            Optional<String> url = leader.leaderUrl();
            if (url.isEmpty()) {
                throw new ApiException(503, "no process leads this framework right now; try again shortly");
            }
            String location = url.get().replaceAll("/+$", "") + exchange.uri();
            exchange.respond(307, JSON, jsonBytes(Map.of("message", "not the leader; the leader is " + url.get(),
                    "leader_url", url.get())), Map.of("Location", location));
        }

        private static void answer(HttpExchange exchange, ApiResponse response) {
            byte[] body = response.body() == null ? new byte[0] : jsonBytes(response.body());
            exchange.respond(response.status(), response.body() == null ? null : JSON, body, response.headers());
        }
    }

    /** Renders a failure as the error document; never throws. */
    static void answerError(HttpExchange exchange, Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        int status;
        String message;
        List<ApiException.FieldError> fields = List.of();
        if (e instanceof ApiException api) {
            status = api.status();
            message = api.getMessage();
            fields = api.errors();
        } else if (e instanceof FencedException) {
            status = 503;
            message = "this process lost the lead while answering; retry (another process takes over): "
                    + e.getMessage();
        } else if (e instanceof JsonProcessingException json) {
            status = 400;
            message = "request body is not valid JSON: " + json.getOriginalMessage();
        } else {
            status = 500;
            message = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("{} {} failed", exchange.method(), exchange.uri(), e);
        }
        ObjectNode body = FrameworkJson.mapper().createObjectNode().put("message", message);
        if (!fields.isEmpty()) {
            ArrayNode errors = body.putArray("errors");
            fields.forEach(f -> errors.addObject().put("field", f.field()).put("message", f.message()));
        }
        try {
            exchange.respond(status, JSON, jsonBytes(body));
        } catch (IllegalStateException alreadyAnswered) {
            LOG.debug("already answered {} {}", exchange.method(), exchange.uri());
        }
    }

    private static byte[] jsonBytes(Object body) {
        try {
            return FrameworkJson.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the answer as JSON: " + e.getMessage(), e);
        }
    }
}
