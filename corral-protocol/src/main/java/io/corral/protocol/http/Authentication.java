package io.corral.protocol.http;

import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Guards a server's routes: every request but those on {@code open} paths must carry HTTP Basic credentials of a
 * known principal ({@code Authorization: Basic base64(principal:secret)}, as Mesos's HTTP authenticator takes them);
 * others are answered 401 with {@code WWW-Authenticate} before any handler sees them. With {@link BearerTokens} a
 * token a principal was issued ({@code Authorization: Bearer <token>}) is accepted in its stead. The principal is then
 * on the exchange ({@link HttpExchange#principal()}) for the handlers' authorization decisions.
 *
 * <p>Threading: immutable; {@link #handle} runs on I/O threads and never blocks.
 */
public final class Authentication implements HttpHandler {
    public static final String REALM = "corral";
    private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Basic realm=\"" + REALM + "\"");
    private static final Map<String, String> CHALLENGE_WITH_TOKENS = Map.of("WWW-Authenticate",
            "Basic realm=\"" + REALM + "\", Bearer realm=\"" + REALM + "\"");
    /** A longer header cannot hold a principal and secret within {@link Credentials#MAX_LENGTH}. */
    private static final int MAX_HEADER = 4 * Credentials.MAX_LENGTH;

    private final Credentials credentials;
    private final Optional<BearerTokens> tokens;
    private final InstantSource clock;
    private final Predicate<String> open;
    private final HttpHandler inner;
    private final Runnable onFailure;

    /**
     * @param open      paths served without credentials (health and version checks, which load balancers and Mesos
     *                  detectors probe)
     * @param onFailure counts a refused request (a metric); called on I/O threads, must not block
     */
    public Authentication(Credentials credentials, Predicate<String> open, HttpHandler inner, Runnable onFailure) {
        this(credentials, Optional.empty(), InstantSource.system(), open, inner, onFailure);
    }

    /**
     * @param tokens bearer tokens accepted besides HTTP Basic (the server's {@code --token-key}), if any
     * @param clock  what tokens' expiry is checked against
     */
    public Authentication(Credentials credentials, Optional<BearerTokens> tokens, InstantSource clock,
                          Predicate<String> open, HttpHandler inner, Runnable onFailure) {
        this.credentials = credentials;
        this.tokens = tokens;
        this.clock = clock;
        this.open = open;
        this.inner = inner;
        this.onFailure = onFailure;
    }

    @Override
    public void handle(HttpExchange exchange) {
        if (open.test(exchange.path())) {
            inner.handle(exchange);
            return;
        }
        String authorization = exchange.header("Authorization");
        boolean bearer = tokens.isPresent() && authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
        Optional<String> principal = bearer
                ? tokens.get().verify(authorization.substring(7).strip(), clock.instant())
                : principalOf(authorization);
        if (principal.isEmpty()) {
            onFailure.run();
            exchange.respond(401, HttpExchange.TEXT_PLAIN, refusal(authorization, bearer)
                    .getBytes(StandardCharsets.UTF_8), tokens.isPresent() ? CHALLENGE_WITH_TOKENS : CHALLENGE);
            return;
        }
        exchange.authenticatedAs(principal.get(), bearer);
        inner.handle(exchange);
    }

    private String refusal(String authorization, boolean bearer) {
        if (authorization == null) {
            return "Authentication required: send HTTP Basic credentials (Authorization: Basic"
                    + " base64(principal:secret))" + (tokens.isPresent() ? " or a token (Authorization: Bearer ...)"
                    : "");
        }
        return bearer ? "Authentication failed: the token is malformed, expired, not this cluster's, or its principal"
                + " is no longer known; get a new one with `corral token create`"
                : "Authentication failed: unknown principal or wrong secret";
    }

    /** Package-private for the protocol fuzz, which drives the parser directly. */
    Optional<String> principalOf(String authorization) {
        if (authorization == null || authorization.length() > MAX_HEADER
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return credentials.check(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    /** The header value a client sends for {@code credential}. */
    public static String basicHeader(Credentials.Credential credential) {
        String pair = credential.principal() + ":" + credential.secret();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }
}
