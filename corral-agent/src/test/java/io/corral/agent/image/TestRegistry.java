package io.corral.agent.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny Docker Registry HTTP API v2 server on loopback, over plain HTTP: serves the images it was given
 * ({@link #put}) by tag and digest, their blobs by digest; optionally asks for a bearer token the way Docker Hub
 * does ({@link #requireToken}), handed out anonymously by its own {@code /token}; optionally corrupts one blob.
 *
 * <p>Thread-safe: the server's threads read concurrent maps.
 */
public final class TestRegistry implements AutoCloseable {
    private static final String TOKEN = "test-token-1";

    private final HttpServer server;
    private final Map<String, TestImage> tags = new ConcurrentHashMap<>();
    private final Map<String, byte[]> indexes = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> corrupted = new ConcurrentHashMap<>();
    public final AtomicInteger blobDownloads = new AtomicInteger();
    private volatile boolean requireToken;
    private volatile boolean redirectBlobs;
    /** The Authorization headers the blob storage saw (it must see none). */
    public final java.util.List<String> storageAuthorizations = new java.util.concurrent.CopyOnWriteArrayList<>();

    public TestRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/", this::serve);
        server.createContext("/storage/", this::storage);
        server.createContext("/token", exchange -> respond(exchange, 200, "application/json",
                ("{\"token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8)));
        server.start();
    }

    /** host:port, as an image name's registry part and {@code --docker-registry-insecure} take it. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code image} as {@code repository:tag}. */
    public TestRegistry put(String repository, String tag, TestImage image) {
        tags.put(repository + ":" + tag, image);
        tags.put(repository + ":" + image.manifestDigest, image);
        blobs.putAll(image.blobs);
        return this;
    }

    /**
     * Serves {@code image} by digest and, as {@code repository:tag}, an OCI index naming it for
     * linux/{@code architecture} next to a manifest for another platform (as Docker Hub serves multi-arch images).
     */
    public TestRegistry putIndex(String repository, String tag, TestImage image, String architecture) {
        put(repository, "untagged-" + tag, image);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + RegistryClient.DOCKER_MANIFEST + "\",\"digest\":\"sha256:" + "0".repeat(64)
                + "\",\"size\":1,\"platform\":{\"architecture\":\"s390x\",\"os\":\"linux\"}},"
                + "{\"mediaType\":\"" + RegistryClient.DOCKER_MANIFEST + "\",\"digest\":\"" + image.manifestDigest
                + "\",\"size\":" + image.manifest.length + ",\"platform\":{\"architecture\":\"" + architecture
                + "\",\"os\":\"linux\"}}]}";
        indexes.put(repository + ":" + tag, index.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Serves other bytes under {@code digest}, as a broken or malicious registry would. */
    public void corrupt(String digest) {
        corrupted.put(digest, "not the layer you asked for".getBytes(StandardCharsets.UTF_8));
    }

    /** Blobs are answered with a redirect to "storage" on another host name (localhost), as a CDN would. */
    public void redirectBlobs() {
        redirectBlobs = true;
    }

    private void storage(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            storageAuthorizations.add(authorization);
        }
        String digest = exchange.getRequestURI().getPath().substring("/storage/".length());
        byte[] content = blobs.get(digest);
        if (content == null) {
            respond(exchange, 404, "text/plain", new byte[0]);
            return;
        }
        blobDownloads.incrementAndGet();
        respond(exchange, 200, "application/octet-stream", content);
    }

    public void requireToken() {
        requireToken = true;
    }

    private void serve(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().substring("/v2/".length());
        if (requireToken && !("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + address()
                    + "/token\",service=\"test-registry\",scope=\"repository:" + path.split("/(manifests|blobs)/")[0]
                    + ":pull\"");
            respond(exchange, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}"
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        int manifests = path.indexOf("/manifests/");
        int blob = path.indexOf("/blobs/");
        if (manifests > 0 && indexes.containsKey(path.substring(0, manifests) + ":" + path.substring(manifests + 11))) {
            respond(exchange, 200, RegistryClient.OCI_INDEX,
                    indexes.get(path.substring(0, manifests) + ":" + path.substring(manifests + 11)));
            return;
        }
        if (manifests > 0) {
            TestImage image = tags.get(path.substring(0, manifests) + ":" + path.substring(manifests + 11));
            if (image != null) {
                respond(exchange, 200, RegistryClient.DOCKER_MANIFEST, image.manifest);
                return;
            }
        } else if (blob > 0) {
            String digest = path.substring(blob + 7);
            if (redirectBlobs) {
                exchange.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort()
                        + "/storage/" + digest);
                respond(exchange, 307, "text/plain", new byte[0]);
                return;
            }
            byte[] content = corrupted.getOrDefault(digest, blobs.get(digest));
            if (content != null) {
                blobDownloads.incrementAndGet();
                respond(exchange, 200, "application/octet-stream", content);
                return;
            }
        }
        respond(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}"
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
