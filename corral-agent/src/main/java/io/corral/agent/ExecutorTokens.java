package io.corral.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The executor API's credentials, as Mesos gives them: each custom executor gets a token in
 * {@code MESOS_EXECUTOR_AUTHENTICATION_TOKEN} and presents it as {@code Authorization: Bearer <token>} on every call;
 * a token speaks only for its own framework and executor ids, so one executor cannot act as another.
 *
 * <p>A token is an HMAC-SHA256 of the two ids under a key kept in {@code <work-dir>/meta/executor-token-key} (mode
 * 0600, made once): nothing per executor needs to be stored, and executors that outlive an agent restart keep
 * working tokens. Checked in constant time.
 *
 * <p>Immutable; thread-safe ({@link Mac} instances are made per use).
 */
public final class ExecutorTokens {
    public static final String ENVIRONMENT_VARIABLE = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN";
    private static final String ALGORITHM = "HmacSHA256";

    private final Optional<byte[]> key;

    private ExecutorTokens(Optional<byte[]> key) {
        this.key = key;
    }

    /** No tokens: an {@code --insecure} agent's executor API serves any caller, as Mesos's does by default. */
    public static ExecutorTokens disabled() {
        return new ExecutorTokens(Optional.empty());
    }

    /** Tokens under the key in {@code metaDir}, created there (readable only by the agent's user) if missing. */
    public static ExecutorTokens load(Path metaDir) throws IOException {
        Path file = metaDir.resolve("executor-token-key");
        Files.createDirectories(metaDir);
        if (!Files.exists(file)) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Path temporary = metaDir.resolve("executor-token-key.tmp");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.write(temporary, key);
            Files.move(temporary, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return new ExecutorTokens(Optional.of(Files.readAllBytes(file)));
    }

    public boolean enabled() {
        return key.isPresent();
    }

    /** The token of the executor {@code executorId} of framework {@code frameworkId}; empty when disabled. */
    public Optional<String> tokenFor(String frameworkId, String executorId) {
        return key.map(k -> Base64.getUrlEncoder().withoutPadding().encodeToString(mac(k, frameworkId, executorId)));
    }

    /** Whether an {@code Authorization} header value speaks for that executor (always, when disabled). */
    public boolean accepts(String authorization, String frameworkId, String executorId) {
        if (key.isEmpty()) {
            return true;
        }
        if (authorization == null || authorization.length() > 512
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = authorization.substring(7).strip().getBytes(StandardCharsets.US_ASCII);
        byte[] expected = tokenFor(frameworkId, executorId).orElseThrow().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(presented, expected);
    }

    private static byte[] mac(byte[] key, String frameworkId, String executorId) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            // A NUL cannot be in an id (Mesos's id rules), so the two ids cannot be shifted into one another.
            return mac.doFinal((frameworkId + "\0" + executorId).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks " + ALGORITHM, e);
        }
    }
}
