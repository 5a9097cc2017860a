package io.corral.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of the Docker Registry HTTP API v2 (what Docker Hub, the CNCF distribution registry, Harbor, ECR and GHCR
 * speak): {@link #manifest} GETs {@code /v2/<repository>/manifests/<reference>} accepting Docker's schema 2 and OCI
 * manifests and indexes, {@link #blob} GETs {@code /v2/<repository>/blobs/<digest>} into a file and checks its sha256
 * digest before anyone may use it.
 *
 * <p>HTTPS always, except for the registries the agent was told are insecure ({@code --docker-registry-insecure}):
 * those are spoken to in plain HTTP (a registry on loopback in tests, a lab). A registry that answers 401 with
 * {@code WWW-Authenticate: Bearer realm=...,service=...,scope=...} (Docker Hub) gets an anonymous token from the realm,
 * which is kept per repository for the following requests. Redirects (blobs served from a CDN) are followed, without
 * the token when they leave the registry's host, and only to HTTPS (or an insecure registry). Every
 * response is bounded: manifests by {@link #MAX_MANIFEST_BYTES}, blobs by the limit given.
 *
 * <p>Thread-safe: the HTTP client is, and the tokens are in a concurrent map.
 */
public final class RegistryClient {
    static final long MAX_MANIFEST_BYTES = 4L << 20;
    static final int MAX_REDIRECTS = 5;
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String ACCEPT = String.join(", ", OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_LIST);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Set<String> insecure;
    private final Duration timeout;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    /** @param insecure {@code host:port} of the registries spoken to over plain HTTP */
    public RegistryClient(Set<String> insecure, Duration timeout) {
        this.insecure = Set.copyOf(insecure);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A manifest as served: its media type, bytes and digest. */
    public record Manifest(String mediaType, byte[] body, String digest) {
        JsonNode json() throws ImageException {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new ImageException("the registry's manifest is not JSON: " + e.getMessage());
            }
        }
    }

    /** The manifest {@code reference} (a tag or a digest) names; a digest is checked against the bytes. */
    public Manifest manifest(ImageReference image, String reference) throws ImageException {
        HttpResponse<InputStream> response = get(image, "manifests/" + reference, ACCEPT);
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readNBytes((int) MAX_MANIFEST_BYTES + 1);
        } catch (IOException e) {
            throw new ImageException("reading the manifest of " + image + " failed: " + e.getMessage(), e);
        }
        if (body.length > MAX_MANIFEST_BYTES) {
            throw new ImageException("the manifest of " + image + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(body));
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw new ImageException("the manifest of " + image + " has digest " + digest + ", not " + reference);
        }
        String type = response.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
        return new Manifest(type, body, digest);
    }

    /**
     * Downloads the blob {@code digest} to {@code target} (through a temporary file next to it, renamed only once
     * the digest matched), refusing more than {@code maxBytes}.
     */
    public void blob(ImageReference image, String digest, Path target, long maxBytes) throws ImageException {
        if (!digest.matches("sha256:[a-f0-9]{64}")) {
            throw new ImageException("unsupported blob digest '" + digest + "' (only sha256 is)");
        }
        HttpResponse<InputStream> response = get(image, "blobs/" + digest, "*/*");
        Path partial = target.resolveSibling(target.getFileName() + ".partial-" + Thread.currentThread().getId());
        MessageDigest sha = sha256();
        long total = 0;
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                total += read;
                if (total > maxBytes) {
                    throw new ImageException("blob " + digest + " of " + image + " is larger than " + maxBytes
                            + " bytes, the agent's limit");
                }
                sha.update(buffer, 0, read);
                out.write(buffer, 0, read);
            }
        } catch (IOException e) {
            deleteQuietly(partial);
            throw e instanceof ImageException image1 ? image1
                    : new ImageException("downloading blob " + digest + " failed: " + e.getMessage(), e);
        }
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(digest)) {
            deleteQuietly(partial);
            throw new ImageException("blob " + digest + " of " + image + " does not match its digest (the registry"
                    + " sent content with digest " + actual + "): refused");
        }
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new ImageException("storing blob " + digest + " failed: " + e.getMessage(), e);
        }
    }

    private HttpResponse<InputStream> get(ImageReference image, String path, String accept) throws ImageException {
        URI uri = URI.create(scheme(image.registry()) + "://" + image.registry() + "/v2/" + image.repository() + "/"
                + path);
        String tokenKey = image.registry() + "/" + image.repository();
        HttpResponse<InputStream> response = send(uri, accept, tokens.get(tokenKey));
        if (response.statusCode() == 401) {
            Optional<String> challenge = response.headers().firstValue("WWW-Authenticate");
            close(response);
            if (challenge.isEmpty() || !challenge.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new ImageException("the registry " + image.registry() + " requires authentication for " + image
                        + ", which this agent does not have (only anonymous bearer tokens are supported)");
            }
            String token = token(image, BearerChallenge.parse(challenge.get()));
            tokens.put(tokenKey, token);
            response = send(uri, accept, token);
        }
        if (response.statusCode() != 200) {
            int status = response.statusCode();
            close(response);
            throw new ImageException(status == 404
                    ? image + " was not found in the registry (" + uri + " answered 404)"
                    : "the registry answered " + status + " to GET " + uri);
        }
        return response;
    }

    /** Fetches an anonymous token from the challenge's realm (Docker's token authentication). */
    private String token(ImageReference image, BearerChallenge challenge) throws ImageException {
        StringBuilder query = new StringBuilder();
        challenge.service().ifPresent(service -> query.append("service=").append(encode(service)));
        String scope = challenge.scope().orElse("repository:" + image.repository() + ":pull");
        query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(scope));
        URI realm = URI.create(challenge.realm() + (challenge.realm().contains("?") ? "&" : "?") + query);
        if (!realm.getScheme().equals("https") && !insecure.contains(realm.getAuthority())) {
            throw new ImageException("the registry's token realm " + challenge.realm() + " is not HTTPS");
        }
        HttpResponse<InputStream> response = send(realm, "application/json", null);
        try (InputStream in = response.body()) {
            byte[] body = in.readNBytes((int) MAX_MANIFEST_BYTES);
            if (response.statusCode() != 200) {
                throw new ImageException("the registry's token service " + challenge.realm() + " answered "
                        + response.statusCode() + " for " + image);
            }
            JsonNode json = JSON.readTree(body);
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new ImageException("the registry's token service " + challenge.realm() + " sent no token");
            }
            return token;
        } catch (IOException e) {
            throw e instanceof ImageException image1 ? image1
                    : new ImageException("reading a token from " + challenge.realm() + " failed: " + e.getMessage());
        }
    }

    /**
     * GETs {@code uri}, following up to {@link #MAX_REDIRECTS} redirects itself: the registry's token goes only to
     * the registry's own host, never to the storage a blob is redirected to (presigned URLs refuse a second
     * authentication, and the token is not theirs to see), and never from HTTPS down to HTTP.
     */
    private HttpResponse<InputStream> send(URI uri, String accept, String token) throws ImageException {
        URI current = uri;
        for (int hops = 0; ; hops++) {
            HttpResponse<InputStream> response = sendOnce(current, accept,
                    current.getRawAuthority().equals(uri.getRawAuthority()) ? token : null);
            int status = response.statusCode();
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                return response;
            }
            close(response);
            Optional<String> location = response.headers().firstValue("Location");
            if (location.isEmpty() || hops >= MAX_REDIRECTS) {
                throw new ImageException("the registry at " + uri.getAuthority() + " redirected "
                        + (location.isEmpty() ? "nowhere" : "too often") + " for " + uri.getPath());
            }
            URI next = current.resolve(location.get());
            if (!"https".equals(next.getScheme()) && !("http".equals(next.getScheme())
                    && insecure.contains(next.getRawAuthority()))) {
                throw new ImageException("the registry at " + uri.getAuthority() + " redirected to " + next.getScheme()
                        + "://" + next.getAuthority() + ", which is not HTTPS");
            }
            current = next;
        }
    }

    private HttpResponse<InputStream> sendOnce(URI uri, String accept, String token) throws ImageException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", accept).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ImageException("cannot reach the registry at " + uri.getAuthority() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("interrupted while talking to " + uri.getAuthority(), e);
        }
    }

    private String scheme(String registry) {
        return insecure.contains(registry) ? "http" : "https";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // nothing more to read from it anyway
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover partial file is overwritten by the next download
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The media types a manifest may have, for callers that branch on it. */
    static boolean isIndex(String mediaType) {
        return List.of(DOCKER_LIST, OCI_INDEX).contains(mediaType);
    }
}
