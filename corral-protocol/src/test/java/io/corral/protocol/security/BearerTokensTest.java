package io.corral.protocol.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.security.Credentials.Credential;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef-key".getBytes(StandardCharsets.UTF_8);
    private static final Credentials PRINCIPALS = Credentials.of(List.of(
            new Credential("ops", "s1"), new Credential("framework", "s2")));
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

    private final BearerTokens tokens = BearerTokens.of(KEY, PRINCIPALS);

    @Test
    void aTokenSpeaksForItsPrincipalUntilItExpires() {
        BearerTokens.Issued issued = tokens.issue("ops", Duration.ofHours(1), NOW);

        assertThat(issued.expires()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(tokens.verify(issued.token(), NOW)).hasValue("ops");
        assertThat(tokens.verify(issued.token(), NOW.plus(Duration.ofMinutes(59)))).hasValue("ops");
        assertThat(tokens.verify(issued.token(), NOW.plus(Duration.ofHours(1)))).as("expired").isEmpty();
        assertThat(issued.toString()).doesNotContain(issued.token());
    }

    @Test
    void anotherKeyOrAChangedTokenIsRefused() {
        String token = tokens.issue("framework", Duration.ofHours(1), NOW).token();
        BearerTokens otherCluster = BearerTokens.of("another-key-of-at-least-thirty-two-bytes".getBytes(
                StandardCharsets.UTF_8), PRINCIPALS);

        assertThat(otherCluster.verify(token, NOW)).isEmpty();
        String[] parts = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.replace("\"framework\"", "\"ops\"").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertThat(tokens.verify(forged, NOW)).as("claims changed to another principal").isEmpty();
    }

    @Test
    void anUnsignedTokenIsRefused() {
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String claims = Base64.getUrlEncoder().withoutPadding().encodeToString(("{\"iss\":\"corral\",\"sub\":\"ops\","
                + "\"iat\":" + NOW.getEpochSecond() + ",\"exp\":" + (NOW.getEpochSecond() + 3600) + "}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(tokens.verify(header + "." + claims + ".", NOW)).isEmpty();
        assertThat(tokens.verify("not a token", NOW)).isEmpty();
        assertThat(tokens.verify("", NOW)).isEmpty();
        assertThat(tokens.verify("a".repeat(100_000), NOW)).isEmpty();
    }

    @Test
    void removingAPrincipalFromTheCredentialsRevokesItsTokens() {
        String token = tokens.issue("framework", Duration.ofHours(1), NOW).token();
        BearerTokens afterRemoval = BearerTokens.of(KEY, Credentials.of(List.of(new Credential("ops", "s1"))));

        assertThat(afterRemoval.verify(token, NOW)).isEmpty();
    }

    @Test
    void aTokenFromTheFutureIsRefusedBeyondAMinuteOfClockSkew() {
        String token = tokens.issue("ops", Duration.ofHours(1), NOW).token();

        assertThat(tokens.verify(token, NOW.minusSeconds(30))).hasValue("ops");
        assertThat(tokens.verify(token, NOW.minusSeconds(120))).isEmpty();
    }

    @Test
    void tokensAreOnlyIssuedToKnownPrincipalsForABoundedTime() {
        assertThatThrownBy(() -> tokens.issue("nobody", Duration.ofHours(1), NOW))
                .hasMessageContaining("unknown principal 'nobody'");
        assertThatThrownBy(() -> tokens.issue("ops", Duration.ofDays(8), NOW)).hasMessageContaining("at most 7 days");
        assertThatThrownBy(() -> tokens.issue("ops", Duration.ZERO, NOW)).hasMessageContaining("more than 0 s");
    }

    @Test
    void aShortKeyIsRefusedWithHowToMakeOne(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("token.key"), "short\n");

        assertThatThrownBy(() -> BearerTokens.read(file, PRINCIPALS))
                .hasMessageContaining("token.key")
                .hasMessageContaining("at least 32 bytes")
                .hasMessageContaining("/dev/urandom");
        Path good = Files.writeString(dir.resolve("good.key"), new String(KEY, StandardCharsets.UTF_8) + "\n");
        BearerTokens read = BearerTokens.read(good, PRINCIPALS);
        assertThat(read.verify(tokens.issue("ops", Duration.ofMinutes(5), NOW).token(), NOW)).hasValue("ops");
    }
}
