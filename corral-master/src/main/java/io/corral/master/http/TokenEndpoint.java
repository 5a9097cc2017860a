package io.corral.master.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.HttpHandler;
import io.corral.protocol.security.BearerTokens;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;

/**
 * {@code POST /tokens} (also {@code /master/tokens}): issues a bearer token to the principal that calls it, for
 * {@code corral token create}. Body, optional: {@code {"ttl_seconds": 3600}} (default 12 hours, at most
 * {@link BearerTokens#MAX_TTL}); answer: {@code {"token": ..., "principal": ..., "expires": ISO-8601,
 * "expires_epoch_seconds": ...}}.
 *
 * <p>A token is issued only to a caller that proved itself with its secret: one token cannot make another, so a
 * leaked token dies at its expiry. Any master serves it (nothing is recorded), leader or not. Other paths go to
 * {@code inner}.
 *
 * <p>Immutable; runs on I/O threads (signing is microseconds).
 */
public final class TokenEndpoint implements HttpHandler {
    public static final String PATH = "/tokens";
    static final Duration DEFAULT_TTL = Duration.ofHours(12);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Optional<BearerTokens> tokens;
    private final InstantSource clock;
    private final HttpHandler inner;

    /** @param tokens this master's {@code --token-key}; without one the endpoint says how to enable tokens */
    public TokenEndpoint(Optional<BearerTokens> tokens, InstantSource clock, HttpHandler inner) {
        this.tokens = tokens;
        this.clock = clock;
        this.inner = inner;
    }

    @Override
    public void handle(HttpExchange exchange) {
        String path = exchange.path();
        if (!path.equals(PATH) && !path.equals("/master" + PATH)) {
            inner.handle(exchange);
            return;
        }
        if (!"POST".equals(exchange.method())) {
            exchange.respondText(405, "Expecting a 'POST' request, received '" + exchange.method() + "'");
        } else if (tokens.isEmpty()) {
            exchange.respondText(404, "This master issues no tokens: start the masters (and agents) with"
                    + " --token-key FILE, the same file on each");
        } else if (exchange.principal().isEmpty()) {
            exchange.respondText(400, "Tokens are issued to an authenticated principal; this master authenticates"
                    + " nobody (--insecure)");
        } else if (exchange.authenticatedByToken()) {
            exchange.respondText(403, "A token cannot issue tokens: authenticate with the principal's secret"
                    + " (--credential FILE)");
        } else {
            issue(exchange, exchange.principal().get());
        }
    }

    private void issue(HttpExchange exchange, String principal) {
        Duration ttl;
        try {
            ttl = requestedTtl(exchange.body());
        } catch (IllegalArgumentException bad) {
            exchange.respondText(400, bad.getMessage());
            return;
        }
        BearerTokens.Issued issued;
        try {
            issued = tokens.get().issue(principal, ttl, clock.instant());
        } catch (IllegalArgumentException refused) {
            exchange.respondText(400, "Cannot issue a token: " + refused.getMessage());
            return;
        }
        ObjectNode answer = MAPPER.createObjectNode()
                .put("token", issued.token())
                .put("principal", issued.principal())
                .put("expires", issued.expires().toString())
                .put("expires_epoch_seconds", issued.expires().getEpochSecond());
        exchange.respond(200, "application/json", answer.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.util.Map.of("Cache-Control", "no-store"));
    }

    private static Duration requestedTtl(byte[] body) {
        if (body.length == 0) {
            return DEFAULT_TTL;
        }
        JsonNode request;
        try {
            request = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("Expected a JSON body such as {\"ttl_seconds\": 3600}");
        }
        JsonNode ttl = request == null ? null : request.get("ttl_seconds");
        if (ttl == null) {
            return DEFAULT_TTL;
        }
        if (!ttl.canConvertToLong() || !ttl.isIntegralNumber()) {
            throw new IllegalArgumentException("'ttl_seconds' must be a whole number of seconds, at most "
                    + BearerTokens.MAX_TTL.toSeconds());
        }
        return Duration.ofSeconds(ttl.asLong());
    }
}
