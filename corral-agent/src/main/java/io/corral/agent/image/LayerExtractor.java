package io.corral.agent.image;

import io.corral.agent.containerizer.RootPaths;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Applies image layers (tar, optionally gzipped) one after the other onto a container's root filesystem, as Docker
 * and OCI define it: a later layer's file replaces an earlier one's, {@code .wh.<name>} removes {@code <name>} of the
 * layers below, and {@code .wh..wh..opq} empties its directory of what the layers below put there.
 *
 * <p>The agent runs as root and layers come from a registry, so nothing may land outside the root: entries with a
 * {@code ..} component are refused; paths are resolved component by component inside the root, symbolic links
 * included (an absolute link target means the root's own {@code /}, as it will inside the container), so a link can
 * never lead a write to the host; files are created with {@code O_NOFOLLOW} after whatever was in their place is
 * removed. Unlike the fetcher's {@link io.corral.agent.fetcher.ArchiveExtractor}, absolute link targets are kept:
 * images are full of them and they are only ever followed inside the container. Modes are kept without setuid and
 * setgid bits; owners are kept when the agent is root. Devices and FIFOs are skipped (the container gets its own
 * {@code /dev}). The total unpacked size of an image is capped (decompression bombs).
 *
 * <p>Not thread-safe: one extractor per container, used by one thread.
 */
final class LayerExtractor {
    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";

    private final Path root;
    private final long maxBytes;
    private final boolean chown;
    private long written;

    LayerExtractor(Path root, long maxBytes, boolean chown) throws IOException {
        this.root = root.toRealPath();
        this.maxBytes = maxBytes;
        this.chown = chown;
    }

    /** Applies the layer in {@code blob} (gzip detected by its magic bytes) on top of what is there. */
    void apply(Path blob, String digest) throws IOException {
        Set<Path> ofThisLayer = new HashSet<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(blob));
             TarArchiveInputStream tar = new TarArchiveInputStream(maybeGunzip(raw))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                applyEntry(entry, tar, ofThisLayer, digest);
            }
        } catch (ImageException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageException("layer " + digest + " cannot be unpacked: " + e.getMessage(), e);
        }
    }

    private static InputStream maybeGunzip(InputStream raw) throws IOException {
        raw.mark(2);
        int first = raw.read();
        int second = raw.read();
        raw.reset();
        return first == 0x1f && second == 0x8b ? new GzipCompressorInputStream(raw, true) : raw;
    }

    private void applyEntry(TarArchiveEntry entry, InputStream content, Set<Path> ofThisLayer, String digest)
            throws IOException {
        String name = relativeName(entry.getName(), digest);
        if (name.isEmpty()) {
            return; // the root itself
        }
        int slash = name.lastIndexOf('/');
        String parentName = slash < 0 ? "" : name.substring(0, slash);
        String base = name.substring(slash + 1);
        Path parent = RootPaths.resolve(root, parentName, true);
        if (base.equals(OPAQUE)) {
            emptyExcept(parent, ofThisLayer);
            return;
        }
        if (base.startsWith(WHITEOUT)) {
            removeTree(parent.resolve(base.substring(WHITEOUT.length())));
            return;
        }
        Path target = parent.resolve(base);
        ofThisLayer.add(target);
        if (entry.isDirectory()) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                removeTree(target);
                Files.createDirectory(target);
            }
            attributes(target, entry);
        } else if (entry.isSymbolicLink()) {
            removeTree(target);
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            Path existing = RootPaths.resolve(root, relativeName(entry.getLinkName(), digest), false);
            if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)) {
                throw new ImageException("layer " + digest + ": entry '" + entry.getName() + "' hard-links to '"
                        + entry.getLinkName() + "', which is not a file of the image");
            }
            removeTree(target);
            Files.createLink(target, existing);
        } else if (entry.isFile()) {
            removeTree(target);
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                copy(content, out);
            }
            attributes(target, entry);
        }
        // Character and block devices, FIFOs: skipped.
    }

    private void copy(InputStream content, OutputStream out) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = content.read(buffer)) >= 0) {
            written += read;
            if (written > maxBytes) {
                throw new ImageException("the image unpacks to more than " + maxBytes + " bytes, the agent's limit");
            }
            out.write(buffer, 0, read);
        }
    }

    private void attributes(Path target, TarArchiveEntry entry) throws IOException {
        Files.setAttribute(target, "unix:mode", entry.getMode() & 01777, LinkOption.NOFOLLOW_LINKS);
        if (chown) {
            Files.setAttribute(target, "unix:uid", (int) entry.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(target, "unix:gid", (int) entry.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** The entry's name without leading "./" or "/", refused when it has a ".." component. */
    private static String relativeName(String entryName, String digest) throws ImageException {
        String name = entryName;
        while (name.startsWith("./") || name.startsWith("/")) {
            name = name.substring(name.startsWith("/") ? 1 : 2);
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.equals(".")) {
            return "";
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw new ImageException("layer " + digest + ": entry '" + entryName + "' contains '..': refused");
            }
        }
        return name;
    }

    private static void emptyExcept(Path directory, Set<Path> keep) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                if (!keep.contains(child)) {
                    removeTree(child);
                }
            }
        }
    }

    /** Removes a file, link or directory tree without following any link; nothing when absent. */
    static void removeTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    removeTree(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }
}
