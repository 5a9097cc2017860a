package io.corral.agent.image;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Assumptions;

/**
 * A small Docker image built at test time, as a registry would serve it: layers (gzipped tars), a config and a
 * schema 2 manifest, all addressed by digest. {@link #busybox} is Debian's static busybox (package busybox-static)
 * with a few applet links, a marker {@code /etc/os-release} and, in a second layer, a whiteout.
 *
 * <p>Immutable once built.
 */
public final class TestImage {
    public static final String MARKER = "corral-test-image";
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> APPLETS = List.of("sh", "cat", "echo", "hostname", "ls", "id", "sleep",
            "test", "touch", "mkdir", "rm");

    /** Blobs by digest: layers, the config, and the manifest too. */
    public final Map<String, byte[]> blobs = new LinkedHashMap<>();
    public final byte[] manifest;
    public final String manifestDigest;
    public final List<String> layerDigests = new ArrayList<>();

    private TestImage(List<byte[]> layers, String configJson) {
        StringBuilder layerJson = new StringBuilder();
        for (byte[] layer : layers) {
            String digest = add(layer);
            layerDigests.add(digest);
            layerJson.append(layerJson.isEmpty() ? "" : ",").append("{\"mediaType\":\"")
                    .append("application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":").append(layer.length)
                    .append(",\"digest\":\"").append(digest).append("\"}");
        }
        byte[] config = configJson.getBytes(StandardCharsets.UTF_8);
        String configDigest = add(config);
        manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + RegistryClient.DOCKER_MANIFEST + "\",\"config\":{"
                + "\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + configDigest + "\"},\"layers\":[" + layerJson + "]}")
                .getBytes(StandardCharsets.UTF_8);
        manifestDigest = digest(manifest);
    }

    /** An image of these layers with an {@code Env} of {@code PATH=/bin} and {@code IMAGE_VAR=from-image}. */
    public static TestImage of(List<byte[]> layers) {
        return new TestImage(layers, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
                + "[\"PATH=/bin\",\"IMAGE_VAR=from-image\"],\"Cmd\":[\"/bin/sh\",\"-c\",\"echo from-cmd\"]}}");
    }

    /**
     * Busybox with applet links and {@code /etc/os-release}; a second layer whites out {@code /etc/removed} of the
     * first and adds {@code /etc/second}. Skips the test without a static {@code /bin/busybox} unless
     * {@code -Dcorral.busybox=required} (CI), which fails it instead.
     */
    public static TestImage busybox() throws IOException {
        requireBusybox();
        Layer base = new Layer().directory("bin").file("bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
        for (String applet : APPLETS) {
            base.symlink("bin/" + applet, "busybox");
        }
        base.directory("etc").file("etc/os-release", ("NAME=" + MARKER + "\n").getBytes(StandardCharsets.UTF_8),
                0644).file("etc/removed", new byte[] {1}, 0644).directory("tmp", 01777);
        Layer second = new Layer().directory("etc").file("etc/.wh.removed", new byte[0], 0644)
                .file("etc/second", "second layer\n".getBytes(StandardCharsets.UTF_8), 0644);
        return of(List.of(base.gzipped(), second.gzipped()));
    }

    /**
     * Skips a test that needs root (an agent mounting images), or fails it under {@code -Dcorral.busybox=required},
     * where these tests must run.
     */
    public static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            String message = "container images need an agent running as root";
            if ("required".equals(System.getProperty("corral.busybox"))) {
                fail(message + " (-Dcorral.busybox=required)");
            }
            Assumptions.abort(message);
        }
    }

    static void requireBusybox() throws IOException {
        String why = null;
        if (!Files.isRegularFile(BUSYBOX)) {
            why = "/bin/busybox is missing";
        } else if (new String(Files.readAllBytes(BUSYBOX), 0, 4096, StandardCharsets.ISO_8859_1)
                .contains("/lib64/ld-linux")) {
            why = "/bin/busybox is linked dynamically";
        }
        if (why != null) {
            String message = why + ": the container image tests need Debian's busybox-static (apt-get install -y"
                    + " busybox-static)";
            if ("required".equals(System.getProperty("corral.busybox"))) {
                fail(message + " (-Dcorral.busybox=required)");
            }
            Assumptions.abort(message);
        }
    }

    private String add(byte[] blob) {
        String digest = digest(blob);
        blobs.put(digest, blob);
        return digest;
    }

    public static String digest(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A layer being written: entries in order, then {@link #gzipped}. */
    public static final class Layer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar;

        public Layer() {
            try {
                tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        public Layer directory(String name) {
            return directory(name, 0755);
        }

        public Layer directory(String name, int mode) {
            TarArchiveEntry entry = new TarArchiveEntry(name + "/");
            entry.setMode(040000 | mode);
            return put(entry, null);
        }

        public Layer file(String name, byte[] content, int mode) {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setMode(0100000 | mode);
            entry.setSize(content.length);
            return put(entry, content);
        }

        public Layer symlink(String name, String target) {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            entry.setLinkName(target);
            return put(entry, null);
        }

        private Layer put(TarArchiveEntry entry, byte[] content) {
            try {
                tar.putArchiveEntry(entry);
                if (content != null) {
                    tar.write(content);
                }
                tar.closeArchiveEntry();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        public byte[] gzipped() {
            try {
                tar.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return bytes.toByteArray();
        }
    }
}
