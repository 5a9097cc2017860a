package io.corral.protocol.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

/**
 * Bearer tokens for people and scripts: a principal that authenticated with its secret once gets a token that
 * speaks for it until it expires, so a CI job or a shell session holds a short-lived token instead of the long-lived
 * secret ({@code corral token create}, then {@code CORRAL_TOKEN}). Sent as {@code Authorization: Bearer <token>}.
 *
 * <p>A token is a JWT signed with HMAC-SHA256 (as Mesos's own executor tokens are) under a key every master and agent
 * of the cluster share ({@code --token-key FILE}); its claims: {@code iss} "corral", {@code sub} the principal,
 * {@code iat}, {@code exp}, {@code jti}. Nothing is stored per token. A token is accepted only while its principal is
 * still in the server's credentials, so removing a principal revokes its tokens; changing the key revokes them all.
 *
 * <p>Immutable; thread-safe. Time is given by the caller, never read from the system clock here.
 */
public final class BearerTokens {
    /** The longest life a token may be given: a leaked token must die on its own. */
    public static final Duration MAX_TTL = Duration.ofDays(7);
    /** HMAC-SHA256 needs a key of at least its output size to be as strong as it can be. */
    public static final int MIN_KEY_BYTES = 32;
    /** Longer than any token this class issues for a principal within {@link Credentials#MAX_LENGTH}. */
    public static final int MAX_TOKEN_LENGTH = 4 * Credentials.MAX_LENGTH;
    private static final String ISSUER = "corral";

    private final byte[] key;
    private final Credentials principals;

    private BearerTokens(byte[] key, Credentials principals) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("a token key must have at least " + MIN_KEY_BYTES + " bytes, this one has "
                    + key.length + " (make one with: head -c 48 /dev/urandom | base64 > token.key)");
        }
        this.key = key.clone();
        this.principals = principals;
    }

    /** A token that speaks for a principal, and when it stops. */
    public record Issued(String token, String principal, Instant expires) {
        @Override
        public String toString() {
            return "Issued[" + principal + " until " + expires + "]"; // never the token, not even in logs
        }
    }

    public static BearerTokens of(byte[] key, Credentials principals) {
        return new BearerTokens(key, principals);
    }

    /** Reads the key from {@code file} (its content, surrounding whitespace removed). */
    public static BearerTokens read(Path file, Credentials principals) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8).strip();
        try {
            return new BearerTokens(content.getBytes(StandardCharsets.UTF_8), principals);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A token for {@code principal}, valid from {@code now} for {@code ttl}.
     *
     * @throws IllegalArgumentException when the principal is unknown or the ttl is not in (0, {@link #MAX_TTL}]
     */
    public Issued issue(String principal, Duration ttl, Instant now) {
        if (!principals.principals().contains(principal)) {
            throw new IllegalArgumentException("unknown principal '" + principal + "'");
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("a token lives more than 0 s and at most " + MAX_TTL.toDays()
                    + " days, not " + ttl.toSeconds() + " s");
        }
        Instant issuedAt = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant expires = issuedAt.plus(ttl);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(principal)
                .issueTime(Date.from(issuedAt))
                .expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
        return new Issued(jwt.serialize(), principal, expires);
    }

    /**
     * The principal {@code token} speaks for at {@code now}: empty when it is malformed, not signed with this key by
     * HS256, not Corral's, expired, issued in the future (beyond a minute of clock skew between servers), or for a
     * principal no longer known.
     */
    public Optional<String> verify(String token, Instant now) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            // The algorithm is pinned: a token saying "none" or an RSA algorithm is refused, never tried.
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(new MACVerifier(key))) {
                return Optional.empty();
            }
            return principalIfCurrent(jwt.getJWTClaimsSet(), now);
        } catch (ParseException | JOSEException | RuntimeException malformed) {
            return Optional.empty();
        }
    }

    /**
     * The principal {@code token} says it speaks for, without checking it (clients have no key): for a client to
     * know which principal it is, e.g. to name it in its FrameworkInfo. Empty when it is not a JWT with a subject.
     */
    public static Optional<String> claimedPrincipal(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(SignedJWT.parse(token).getJWTClaimsSet().getSubject());
        } catch (ParseException | RuntimeException malformed) {
            return Optional.empty();
        }
    }

    private Optional<String> principalIfCurrent(JWTClaimsSet claims, Instant now) {
        Date expires = claims.getExpirationTime();
        Date issued = claims.getIssueTime();
        String principal = claims.getSubject();
        boolean current = ISSUER.equals(claims.getIssuer()) && expires != null && issued != null
                && now.isBefore(expires.toInstant()) && !now.isBefore(issued.toInstant().minusSeconds(60));
        return current && principal != null && principals.principals().contains(principal)
                ? Optional.of(principal) : Optional.empty();
    }
}
