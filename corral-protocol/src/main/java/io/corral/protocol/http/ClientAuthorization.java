package io.corral.protocol.http;

import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials.Credential;

/**
 * What a client sends to prove who it is: the principal it speaks for and the {@code Authorization} header value,
 * HTTP Basic from a credential or a bearer token ({@link BearerTokens}) a master issued. Clients (the CLI, the SDK)
 * carry one of these instead of caring which kind it is.
 *
 * <p>Immutable. {@link #toString} never shows the secret or the token.
 */
public record ClientAuthorization(String principal, String header) {

    /** HTTP Basic with the credential's principal and secret. */
    public static ClientAuthorization basic(Credential credential) {
        return new ClientAuthorization(credential.principal(), Authentication.basicHeader(credential));
    }

    /**
     * {@code Authorization: Bearer <token>}, speaking for the principal the token names (read from the token
     * unverified: only the servers can check it, and they will).
     *
     * @throws IllegalArgumentException when {@code token} is not a Corral token
     */
    public static ClientAuthorization bearer(String token) {
        String trimmed = token.strip();
        String principal = BearerTokens.claimedPrincipal(trimmed).orElseThrow(() -> new IllegalArgumentException(
                "not a Corral token (expected what `corral token create` prints: three base64url parts joined by"
                        + " dots)"));
        return new ClientAuthorization(principal, "Bearer " + trimmed);
    }

    /** Whether this is a bearer token (which cannot be used to obtain another). */
    public boolean isToken() {
        return header.startsWith("Bearer ");
    }

    @Override
    public String toString() {
        return "ClientAuthorization[" + principal + (isToken() ? ", token" : ", secret") + "]";
    }
}
