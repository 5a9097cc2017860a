package io.corral.master.http;

import io.corral.master.Rejected;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns the outcome of a master event into an HTTP answer. */
final class Responses {
    private static final Logger LOG = LoggerFactory.getLogger(Responses.class);

    private Responses() {}

    /** The v1 APIs accept only POST (Mesos answers anything else with 405). */
    static void requirePost(HttpExchange exchange) {
        if (!"POST".equals(exchange.method())) {
            throw new HttpError(405, "Expecting a 'POST' request, received '" + exchange.method() + "'");
        }
    }

    /** Answers 202 when the call's event succeeded, else its error: the reply of every non-subscribe call. */
    static void acceptedOrFailed(HttpExchange exchange, java.util.concurrent.CompletableFuture<?> event) {
        answeredOrFailed(exchange, 202, event);
    }

    /** Answers {@code status} with an empty body when the call's event succeeded, else its error. */
    static void answeredOrFailed(HttpExchange exchange, int status, java.util.concurrent.CompletableFuture<?> event) {
        event.whenComplete((ok, failure) -> {
            if (failure != null) {
                fail(exchange, failure);
            } else {
                exchange.respond(status, null, new byte[0]);
            }
        });
    }

    /** The status code Mesos answers a refused call with: the one place a domain error becomes HTTP. */
    static int status(Rejected.Reason reason) {
        return switch (reason) {
            case INVALID -> 400;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNAVAILABLE -> 503;
        };
    }

    /** Answers a failed event: an {@link HttpError} with its own status and message, a {@link Rejected}
     * call with its reason's status, anything else with 500. */
    static void fail(HttpExchange exchange, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        } else if (cause instanceof Rejected rejected) {
            exchange.respondText(status(rejected.reason()), rejected.getMessage());
        } else if (cause instanceof java.util.concurrent.RejectedExecutionException) {
            // The leadership term ended while the request was in flight: the client should find the new leader.
            exchange.respondText(503, "This master is no longer leading; retry to reach the new leader");
        } else {
            LOG.error("request {} {} failed", exchange.method(), exchange.path(), cause);
            exchange.respondText(500, "Internal error: " + cause);
        }
    }
}
