package io.corral.protocol.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The principals a master or agent accepts, with their secrets, read from a file in Mesos's {@code --credentials}
 * format: {@code {"credentials": [{"principal": "ops", "secret": "..."}]}}. A single credential as Mesos's agents
 * and frameworks take it ({@code --credential}: {@code {"principal": "agent", "secret": "..."}}) is read by
 * {@link Credential#read}.
 *
 * <p>Secrets are kept only as SHA-256 digests and checked with {@link MessageDigest#isEqual}: the time a check
 * takes depends neither on where a guess first differs nor on its length.
 *
 * <p>Immutable; thread-safe.
 */
public final class Credentials {
    /** Longest principal or secret accepted, as a bound on what a header can make us hash. */
    public static final int MAX_LENGTH = 1024;
    /** Compared against when the principal is unknown, so that costs what a wrong secret costs. */
    private static final byte[] UNKNOWN = new byte[32];

    private final Map<String, byte[]> secretDigests;

    private Credentials(Map<String, byte[]> secretDigests) {
        this.secretDigests = Map.copyOf(secretDigests);
    }

    /** One principal and its secret: what a client presents, or one entry of the credentials file. */
    public record Credential(String principal, String secret) {
        public Credential {
            requireValid("principal", principal);
            requireValid("secret", secret);
            if (principal.indexOf(':') >= 0) {
                throw new IllegalArgumentException("a principal cannot contain ':' (HTTP Basic separates the"
                        + " principal from the secret with it): '" + principal + "'");
            }
        }

        /** Reads a single credential, {@code {"principal": ..., "secret": ...}}, as Mesos's {@code --credential}. */
        public static Credential read(Path file) throws IOException {
            JsonNode root = parse(file);
            return of(root, file + "");
        }

        @Override
        public String toString() {
            return "Credential[" + principal + "]"; // never the secret, not even in logs
        }

        private static Credential of(JsonNode node, String where) {
            JsonNode principal = node.get("principal");
            JsonNode secret = node.get("secret");
            if (principal == null || !principal.isTextual() || secret == null || !secret.isTextual()) {
                throw new IllegalArgumentException(where + ": expected {\"principal\": \"...\", \"secret\": \"...\"}");
            }
            return new Credential(principal.asText(), secret.asText());
        }
    }

    public static Credentials of(List<Credential> credentials) {
        Map<String, byte[]> digests = new LinkedHashMap<>();
        for (Credential credential : credentials) {
            if (digests.put(credential.principal(), digest(credential.secret())) != null) {
                throw new IllegalArgumentException("principal '" + credential.principal() + "' is listed twice");
            }
        }
        return new Credentials(digests);
    }

    /** Reads Mesos's credentials JSON; a file that is not one fails with a message naming the file and the fix. */
    public static Credentials read(Path file) throws IOException {
        JsonNode root = parse(file);
        JsonNode list = root.get("credentials");
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(file + ": expected {\"credentials\": [{\"principal\": \"...\","
                    + " \"secret\": \"...\"}]} (Mesos's --credentials format)");
        }
        List<Credential> credentials = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            credentials.add(Credential.of(list.get(i), file + ", credentials[" + i + "]"));
        }
        return of(credentials);
    }

    /** The principal whose secret this is, if the pair is right. */
    public Optional<String> check(String principal, String secret) {
        if (principal == null || secret == null || secret.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        byte[] expected = secretDigests.get(principal);
        // Hash and compare even for an unknown principal, so the time does not tell which principals exist.
        boolean equal = MessageDigest.isEqual(expected != null ? expected : UNKNOWN, digest(secret));
        return equal && expected != null ? Optional.of(principal) : Optional.empty();
    }

    public java.util.Set<String> principals() {
        return secretDigests.keySet();
    }

    private static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-256", e);
        }
    }

    private static void requireValid(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a credential's " + what + " cannot be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a credential's " + what + " is longer than " + MAX_LENGTH);
        }
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("a credential's " + what + " cannot contain control characters");
        }
    }

    private static JsonNode parse(Path file) throws IOException {
        try {
            return new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage());
        }
    }
}
