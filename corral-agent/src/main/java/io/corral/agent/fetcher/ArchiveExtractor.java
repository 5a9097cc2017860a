package io.corral.agent.fetcher;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks a fetched archive into a sandbox, chosen by the file's extension as Mesos's fetcher does: {@code .tar},
 * {@code .tar.gz}/{@code .tgz}, {@code .tar.bz2}/{@code .tbz2}, {@code .tar.xz}/{@code .txz}, {@code .zip}, and a
 * bare {@code .gz} file (gunzipped next to it, without the extension).
 *
 * <p>The agent may run as root and the archive comes from anywhere, so nothing may land outside the destination:
 * entries with an absolute name or a {@code ..} component are refused; files are never written through a symbolic
 * link (symbolic links are created last, after every file and directory, and files are opened with
 * {@code O_NOFOLLOW}); a symbolic link whose target is absolute or resolves outside the destination is refused, and
 * so is a hard link to anything outside it. A refused entry fails the whole extraction ({@link FetchException}); what
 * was unpacked before it stays (the task never starts, and its sandbox is garbage collected). The total size
 * unpacked is capped, against decompression bombs.
 *
 * <p>Stateless apart from its limit; safe to share between threads.
 */
public final class ArchiveExtractor {
    private static final List<String> TAR_SUFFIXES = List.of(".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2",
            ".tar.xz", ".txz");

    private final long maxExtractedBytes;

    /** @param maxExtractedBytes the most an archive may unpack to, in bytes, all entries together */
    public ArchiveExtractor(long maxExtractedBytes) {
        if (maxExtractedBytes <= 0) {
            throw new IllegalArgumentException("maxExtractedBytes must be positive");
        }
        this.maxExtractedBytes = maxExtractedBytes;
    }

    /** True when a file of this name would be extracted (Mesos decides by the extension alone). */
    public static boolean isArchive(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return TAR_SUFFIXES.stream().anyMatch(name::endsWith) || name.endsWith(".zip") || name.endsWith(".gz");
    }

    /**
     * Unpacks {@code archive} into {@code destination}; {@code fileName} (the name the URI gives the file, which a
     * cached copy does not carry) chooses the format.
     *
     * @throws FetchException when an entry is refused, the archive is corrupt, or it unpacks to more than the cap
     */
    public void extract(Path archive, String fileName, Path destination) throws IOException {
        Files.createDirectories(destination);
        Path root = destination.toRealPath();
        String name = fileName.toLowerCase(Locale.ROOT);
        Unpacking unpacking = new Unpacking(root, archive.getFileName().toString());
        if (name.endsWith(".zip")) {
            unzip(archive, unpacking);
        } else if (TAR_SUFFIXES.stream().anyMatch(name::endsWith)) {
            try (InputStream in = decompressed(archive, name);
                 TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                untar(tar, unpacking);
            }
        } else if (name.endsWith(".gz")) {
            String plain = Path.of(fileName).getFileName().toString();
            plain = plain.substring(0, plain.length() - 3);
            try (InputStream in = new GzipCompressorInputStream(
                    new BufferedInputStream(Files.newInputStream(archive)), true)) {
                unpacking.file(plain, in, 0644);
            }
        } else {
            throw new FetchException("'" + fileName + "' is not an archive this agent can extract");
        }
        unpacking.finishLinks();
    }

    private static InputStream decompressed(Path archive, String name) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(archive));
        try {
            if (name.endsWith(".gz") || name.endsWith(".tgz")) {
                return new GzipCompressorInputStream(raw, true);
            } else if (name.endsWith(".bz2") || name.endsWith(".tbz2")) {
                return new BZip2CompressorInputStream(raw, true);
            } else if (name.endsWith(".xz") || name.endsWith(".txz")) {
                return new XZCompressorInputStream(raw, true);
            }
            return raw;
        } catch (IOException e) {
            raw.close();
            throw new FetchException("'" + archive.getFileName() + "' is not a valid compressed file: "
                    + e.getMessage());
        }
    }

    private static void untar(TarArchiveInputStream tar, Unpacking unpacking) throws IOException {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            String name = entry.getName();
            if (entry.isDirectory()) {
                unpacking.directory(name);
            } else if (entry.isSymbolicLink()) {
                unpacking.symlink(name, entry.getLinkName());
            } else if (entry.isLink()) {
                unpacking.hardLink(name, entry.getLinkName());
            } else if (entry.isFile()) {
                unpacking.file(name, tar, entry.getMode());
            }
            // Devices, FIFOs and the like are skipped: a task's sandbox has no use for them.
        }
    }

    private static void unzip(Path archive, Unpacking unpacking) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
            while (entries.hasMoreElements()) {
                ZipArchiveEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    unpacking.directory(entry.getName());
                } else if (entry.isUnixSymlink()) {
                    unpacking.symlink(entry.getName(), zip.getUnixSymlink(entry));
                } else {
                    int mode = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() : 0644;
                    try (InputStream in = zip.getInputStream(entry)) {
                        unpacking.file(entry.getName(), in, mode);
                    }
                }
            }
        } catch (IOException e) {
            if (e instanceof FetchException) {
                throw e;
            }
            throw new FetchException("'" + archive.getFileName() + "' is not a valid zip file: " + e.getMessage());
        }
    }

    /** One extraction: the destination, the bytes written so far, and the symbolic links left for the end. */
    private final class Unpacking {
        private final Path root;
        private final String archiveName;
        private final List<String[]> symlinks = new ArrayList<>();
        private long written;

        Unpacking(Path root, String archiveName) {
            this.root = root;
            this.archiveName = archiveName;
        }

        /** The entry's path in the destination; refuses names that would leave it. */
        private Path resolve(String entryName) throws FetchException {
            String name = entryName.replace('\\', '/');
            if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
                throw refused(entryName, "its path is absolute");
            }
            for (String part : name.split("/")) {
                if (part.equals("..")) {
                    throw refused(entryName, "its path contains '..'");
                }
            }
            Path target = root.resolve(name).normalize();
            if (!target.startsWith(root)) {
                throw refused(entryName, "it would be written outside the sandbox");
            }
            return target;
        }

        private FetchException refused(String entryName, String why) {
            return new FetchException("Refusing to extract '" + archiveName + "': entry '" + entryName + "': "
                    + why);
        }

        /** Creates the parents of {@code target} and checks that none of them leads out (through a link). */
        private void parentsOf(String entryName, Path target) throws IOException {
            Path parent = target.getParent();
            Files.createDirectories(parent);
            if (!parent.toRealPath().startsWith(root)) {
                throw refused(entryName, "its directory leads outside the sandbox");
            }
        }

        void directory(String entryName) throws IOException {
            Path target = resolve(entryName);
            if (!target.equals(root)) {
                parentsOf(entryName, target);
                if (Files.isSymbolicLink(target)) {
                    throw refused(entryName, "a symbolic link is in its place");
                }
                Files.createDirectories(target);
            }
        }

        void file(String entryName, InputStream content, int mode) throws IOException {
            Path target = resolve(entryName);
            if (target.equals(root)) {
                throw refused(entryName, "it has no name");
            }
            parentsOf(entryName, target);
            // O_NOFOLLOW: an existing symbolic link in the file's place is never written through.
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                byte[] buffer = new byte[64 * 1024];
                int read;
                while ((read = content.read(buffer)) >= 0) {
                    written += read;
                    if (written > maxExtractedBytes) {
                        throw new FetchException("'" + archiveName + "' unpacks to more than " + maxExtractedBytes
                                + " bytes, the agent's limit");
                    }
                    out.write(buffer, 0, read);
                }
            } catch (java.nio.file.FileSystemException e) {
                if (Files.isSymbolicLink(target)) {
                    throw refused(entryName, "a symbolic link is in its place");
                }
                throw e;
            }
            Files.setPosixFilePermissions(target, permissions(mode));
        }

        void symlink(String entryName, String linkTarget) throws FetchException {
            Path link = resolve(entryName);
            if (linkTarget == null || linkTarget.isEmpty() || linkTarget.startsWith("/")) {
                throw refused(entryName, "its link target '" + linkTarget + "' is absolute or empty");
            }
            if (!link.getParent().resolve(linkTarget).normalize().startsWith(root)) {
                throw refused(entryName, "its link target '" + linkTarget + "' is outside the sandbox");
            }
            symlinks.add(new String[] {entryName, linkTarget});
        }

        void hardLink(String entryName, String existing) throws IOException {
            Path link = resolve(entryName);
            Path target = resolve(existing);
            parentsOf(entryName, link);
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                    || !target.toRealPath().startsWith(root)) {
                throw refused(entryName, "it links to '" + existing + "', which is not a file of this archive");
            }
            Files.deleteIfExists(link);
            Files.createLink(link, target);
        }

        /**
         * Creates the symbolic links, now that every file is written, and checks each one's real target: a chain of
         * links (one through another) can lead out even when each looks fine by its name.
         */
        void finishLinks() throws IOException {
            for (String[] pending : symlinks) {
                Path link = resolve(pending[0]);
                parentsOf(pending[0], link);
                if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                    if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
                        throw refused(pending[0], "a directory is in its place");
                    }
                    Files.delete(link);
                }
                Files.createSymbolicLink(link, Path.of(pending[1]));
            }
            for (String[] pending : symlinks) {
                Path link = resolve(pending[0]);
                if (Files.exists(link)) { // dangling links point nowhere, which is harmless
                    if (!link.toRealPath().startsWith(root)) {
                        Files.delete(link);
                        throw refused(pending[0], "its link target '" + pending[1] + "' resolves outside the sandbox");
                    }
                }
            }
        }
    }

    /** The entry's permission bits, never more than rwxr-xr-x plus the owner's write (no setuid, no world write). */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        if ((mode & 0100) != 0) {
            permissions.add(PosixFilePermission.OWNER_EXECUTE);
        }
        if ((mode & 0040) != 0) {
            permissions.add(PosixFilePermission.GROUP_READ);
        }
        if ((mode & 0010) != 0) {
            permissions.add(PosixFilePermission.GROUP_EXECUTE);
        }
        if ((mode & 0004) != 0) {
            permissions.add(PosixFilePermission.OTHERS_READ);
        }
        if ((mode & 0001) != 0) {
            permissions.add(PosixFilePermission.OTHERS_EXECUTE);
        }
        return permissions;
    }
}
