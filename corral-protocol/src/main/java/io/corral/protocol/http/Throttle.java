package io.corral.protocol.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds every client to its limits before a handler sees its request: the connection is counted against the
 * request's principal (or, without one, its remote address; see {@link ClientQuotas}), and the request takes its
 * turn from the {@link RateLimiter}: served at once, served later when it has to wait for its turn, or answered
 * 429 with {@code Retry-After} when the principal's queue is full. Sits behind {@link Authentication}, which puts the
 * principal on the exchange.
 *
 * <p>A waiting request costs no thread: it is scheduled on its connection's I/O thread, and its connection reads
 * nothing more until it is answered, so a client waits with at most one request per connection.
 *
 * <p>Every 429 is told to a listener with the principal it refused (empty for a client without one), so that a
 * server can count them per principal in its metrics ({@code corral_http_throttled_total}, label
 * {@link #principalLabel}).
 *
 * <p>Threading: immutable apart from the counters; {@link #handle} runs on I/O threads and never blocks; the
 * listener is called on them too, so it must be quick and thread-safe.
 */
public final class Throttle implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(Throttle.class);

    private final RateLimiter limiter;
    private final Predicate<String> open;
    private final HttpHandler inner;
    private final LongAdder refused = new LongAdder();
    private final LongAdder delayed = new LongAdder();
    private final Consumer<Optional<String>> onRefused;

    /** The metric label of a refused request's principal; requests without one share {@code (none)}. */
    public static String principalLabel(Optional<String> principal) {
        return principal.orElse("(none)");
    }

    /** @param open paths never throttled (health and version probes) */
    public Throttle(RateLimiter limiter, Predicate<String> open, HttpHandler inner) {
        this(limiter, open, inner, principal -> { });
    }

    /**
     * @param open paths never throttled (health and version probes)
     * @param onRefused told of each request answered 429 (rate or connection limit), with its principal
     */
    public Throttle(RateLimiter limiter, Predicate<String> open, HttpHandler inner,
                    Consumer<Optional<String>> onRefused) {
        this.limiter = limiter;
        this.open = open;
        this.inner = inner;
        this.onRefused = onRefused;
    }

    @Override
    public void handle(HttpExchange exchange) {
        if (open.test(exchange.path())) {
            inner.handle(exchange);
            return;
        }
        Optional<String> principal = exchange.principal();
        if (!exchange.countConnection()) {
            refuse(principal);
            return;
        }
        RateLimiter.Decision decision = limiter.acquire(principal);
        if (decision instanceof RateLimiter.Refuse refuse) {
            refuse(principal);
            exchange.respond(429, HttpExchange.TEXT_PLAIN, refuse.reason().getBytes(StandardCharsets.UTF_8),
                    Map.of("Retry-After", Long.toString(refuse.retryAfterSeconds())));
        } else if (decision instanceof RateLimiter.Admit admit && admit.delayNanos() > 0) {
            delayed.increment();
            exchange.runLater(admit.delayNanos(), () -> serve(exchange));
        } else {
            inner.handle(exchange);
        }
    }

    private void refuse(Optional<String> principal) {
        refused.increment();
        onRefused.accept(principal);
    }

    /** Requests answered 429 (rate or connection limit) since the start. */
    public long refused() {
        return refused.sum();
    }

    /** Requests that waited for their turn since the start. */
    public long delayed() {
        return delayed.sum();
    }

    /** Serves a request whose turn came; a handler failing here is answered as {@link ServerConnection} would. */
    private void serve(HttpExchange exchange) {
        try {
            inner.handle(exchange);
        } catch (Throwable e) {
            if (!(e instanceof HttpError)) {
                log.warn("Handler failed on {} {}", exchange.method(), exchange.uri(), e);
            }
            exchange.respondError(e);
        }
    }
}
