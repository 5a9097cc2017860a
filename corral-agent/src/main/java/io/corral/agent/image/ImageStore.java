package io.corral.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's Docker image provisioner (Mesos's docker store and copy backend): pulls an image's manifest, config
 * and layers from its registry ({@link RegistryClient}), keeps the blobs by digest under {@code <dir>/blobs}, each
 * downloaded once and checked against its digest, and builds each container's root filesystem under
 * {@code <dir>/containers/<container id>/rootfs} by unpacking the layers in order ({@link LayerExtractor}, whiteouts
 * honoured). Each container gets its own copy, so what one task writes to its root never reaches another's.
 *
 * <p>Threading: thread-safe. {@link #provision} blocks on the network and the disk (run it off the agent's loop);
 * two containers pulling the same blob at once download it once (a lock per digest).
 */
public final class ImageStore {
    private static final Logger LOG = LoggerFactory.getLogger(ImageStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Mesos's and Docker's default: a layer of at most 2 GiB, an image of at most 8 GiB unpacked. */
    public static final long DEFAULT_MAX_BLOB_BYTES = 2L << 30;
    public static final long DEFAULT_MAX_UNPACKED_BYTES = 8L << 30;

    private final Path blobs;
    private final Path containers;
    private final RegistryClient registry;
    private final long maxBlobBytes;
    private final long maxUnpackedBytes;
    private final ConcurrentHashMap<String, Object> downloads = new ConcurrentHashMap<>();

    public ImageStore(Path dir, RegistryClient registry, long maxBlobBytes, long maxUnpackedBytes)
            throws IOException {
        this.blobs = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
        try (Stream<Path> files = Files.list(blobs)) { // downloads an earlier run of the agent left unfinished
            for (Path partial : (Iterable<Path>) files.filter(f -> f.getFileName().toString().contains(".partial-"))
                    ::iterator) {
                Files.deleteIfExists(partial);
            }
        }
        this.containers = Files.createDirectories(dir.resolve("containers"));
        this.registry = registry;
        this.maxBlobBytes = maxBlobBytes;
        this.maxUnpackedBytes = maxUnpackedBytes;
    }

    /** Where a container's root filesystem is (whether or not it was built). */
    public Path rootfs(String containerId) {
        return containers.resolve(containerId).resolve("rootfs");
    }

    /**
     * Pulls {@code name} (what is not cached yet) and builds {@code containerId}'s root filesystem from it.
     *
     * @throws ImageException saying why, for the task's TASK_FAILED message: a bad name, a registry that refuses or
     *     lacks the image, a digest mismatch, an unsupported manifest or layer, an unsafe or oversized layer
     */
    public ProvisionedImage provision(String containerId, String name) throws ImageException {
        long start = System.nanoTime();
        ImageReference image;
        try {
            image = ImageReference.parse(name);
        } catch (IllegalArgumentException e) {
            throw new ImageException(e.getMessage());
        }
        JsonNode manifest = imageManifest(image);
        String configDigest = manifest.path("config").path("digest").asText("");
        JsonNode config = json(image, blob(image, configDigest)).path("config");
        Path rootfs = rootfs(containerId);
        try {
            remove(containerId);
            Files.createDirectories(rootfs);
            LayerExtractor extractor = new LayerExtractor(rootfs, maxUnpackedBytes, isRoot());
            for (JsonNode layer : manifest.path("layers")) {
                String mediaType = layer.path("mediaType").asText("");
                if (!mediaType.isEmpty() && !mediaType.contains("tar") || mediaType.contains("zstd")) {
                    throw new ImageException(image + ": layers of type " + mediaType + " are not supported");
                }
                String digest = layer.path("digest").asText("");
                extractor.apply(blob(image, digest), digest);
            }
        } catch (IOException e) {
            remove(containerId);
            throw e instanceof ImageException image1 ? image1
                    : new ImageException("building the root filesystem of " + image + " failed: " + e.getMessage(),
                    e);
        }
        LOG.info("Container {}: root filesystem built from {} in {} ({} ms)", containerId, image, rootfs,
                (System.nanoTime() - start) / 1_000_000);
        return new ProvisionedImage(name, rootfs, strings(config.path("Env")), config.path("WorkingDir").asText(""),
                strings(config.path("Entrypoint")), strings(config.path("Cmd")));
    }

    /** The image's manifest for this machine's platform (an index or manifest list is resolved). */
    private JsonNode imageManifest(ImageReference image) throws ImageException {
        RegistryClient.Manifest manifest = registry.manifest(image, image.reference());
        if (RegistryClient.isIndex(manifest.mediaType()) || manifest.json().has("manifests")) {
            String digest = platformManifest(image, manifest.json());
            manifest = registry.manifest(image, digest);
        }
        JsonNode json = manifest.json();
        if (json.path("schemaVersion").asInt() != 2 || !json.has("config") || !json.has("layers")) {
            throw new ImageException(image + ": the registry sent a manifest this agent cannot use (" 
                    + manifest.mediaType() + "); Docker schema 2 and OCI manifests are supported");
        }
        return json;
    }

    private static String platformManifest(ImageReference image, JsonNode index) throws ImageException {
        String architecture = goArchitecture();
        for (JsonNode entry : index.path("manifests")) {
            JsonNode platform = entry.path("platform");
            if (platform.path("os").asText().equals("linux")
                    && platform.path("architecture").asText().equals(architecture)) {
                return entry.path("digest").asText();
            }
        }
        throw new ImageException(image + " has no manifest for linux/" + architecture);
    }

    /** The blob's file in the cache, downloaded first if it is not there. */
    private Path blob(ImageReference image, String digest) throws ImageException {
        if (!digest.matches("sha256:[a-f0-9]{64}")) {
            throw new ImageException(image + ": the manifest names an unsupported digest '" + digest + "'");
        }
        Path file = blobs.resolve(digest.substring("sha256:".length()));
        synchronized (downloads.computeIfAbsent(digest, d -> new Object())) {
            if (!Files.isRegularFile(file)) {
                registry.blob(image, digest, file, maxBlobBytes);
            }
        }
        return file;
    }

    private static JsonNode json(ImageReference image, Path file) throws ImageException {
        try {
            if (Files.size(file) > RegistryClient.MAX_MANIFEST_BYTES) {
                throw new ImageException(image + ": the image's configuration is too large");
            }
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw e instanceof ImageException image1 ? image1
                    : new ImageException(image + ": the image's configuration is not JSON: " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** Removes a container's root filesystem (never following a link out of it); nothing when there is none. */
    public void remove(String containerId) {
        Path dir = containers.resolve(containerId);
        try {
            LayerExtractor.removeTree(dir);
        } catch (IOException e) {
            LOG.warn("Container {}: could not remove its root filesystem {}: {}", containerId, dir, e.getMessage());
        }
    }

    /** Removes the root filesystems of every container but {@code live} (after an agent restart). */
    public void removeAllBut(Set<String> live) {
        try (Stream<Path> dirs = Files.list(containers)) {
            dirs.map(dir -> dir.getFileName().toString()).filter(id -> !live.contains(id)).forEach(this::remove);
        } catch (IOException e) {
            LOG.warn("Could not list the containers' root filesystems in {}: {}", containers, e.getMessage());
        }
    }

    /** The architecture as Go (and so the image indexes) names it. */
    static String goArchitecture() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
