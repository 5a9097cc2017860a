package io.corral.agent.fetcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's fetcher: puts a {@code CommandInfo}'s {@code uris} into the sandbox before the task (or executor) starts.
 * For each URI, in order, as Mesos's {@code mesos-fetcher} does:
 *
 * <ul>
 *   <li>the file's name in the sandbox is {@code output_file} (a relative path; it may not leave the sandbox) or the
 *       last segment of the URI's path;
 *   <li>with {@code cache}, the content comes from the {@link FetcherCache} (downloaded there first on a miss);
 *       otherwise it is downloaded straight into the sandbox ({@link UriDownloader});
 *   <li>{@code executable}: the file is made executable (rwxr-xr-x) and not extracted; else with {@code extract}
 *       (true unless set false) a file whose name is an archive's ({@link ArchiveExtractor#isArchive}) is unpacked
 *       into the sandbox; a downloaded archive stays next to what it unpacked, a cached one is unpacked straight
 *       from the cache.
 * </ul>
 *
 * The first URI that fails stops the fetch; the failure says which URI and why ({@link FetchException}).
 *
 * <p>Threading: thread-safe. {@link #fetch} returns at once and does the work on the worker it was given, so the
 * agent's event loop never waits for a download; the caller posts the outcome back to its loop.
 */
public final class Fetcher {
    private static final Logger LOG = LoggerFactory.getLogger(Fetcher.class);
    private static final Set<PosixFilePermission> EXECUTABLE = Set.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE);

    /** Mesos's {@code --fetcher_cache_size}: 2 GB. */
    public static final long DEFAULT_CACHE_BYTES = 2L << 30;
    /** How long one URI may take to download (Mesos has only a stall timeout, {@code --fetcher_stall_timeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** The largest file the agent downloads, and the most an archive may unpack to. */
    public static final long DEFAULT_MAX_BYTES = 10L << 30;

    private final Executor worker;
    private final FetcherCache cache;
    private final UriDownloader downloader;
    private final ArchiveExtractor extractor;

    /**
     * @param worker where fetches run (they block on the network and the disk)
     * @param cache where {@code cache: true} URIs are kept
     * @param timeout the longest one URI may take to download
     * @param maxBytes the largest download, and the most an archive may unpack to
     */
    public Fetcher(Executor worker, FetcherCache cache, Duration timeout, long maxBytes) {
        this.worker = worker;
        this.cache = cache;
        this.downloader = new UriDownloader(timeout, maxBytes);
        this.extractor = new ArchiveExtractor(maxBytes);
    }

    /** Fetches every URI into {@code sandbox} (created if missing) on the worker; fails with a FetchException. */
    public CompletableFuture<Void> fetch(List<CommandInfo.URI> uris, Path sandbox) {
        List<CommandInfo.URI> copy = List.copyOf(uris);
        return CompletableFuture.runAsync(() -> {
            try {
                fetchNow(copy, sandbox);
            } catch (IOException e) {
                throw new CompletionException(e instanceof FetchException ? e
                        : new FetchException(e.getMessage() != null ? e.getMessage() : e.toString(), e));
            }
        }, worker);
    }

    /** The same, on the calling thread. */
    public void fetchNow(List<CommandInfo.URI> uris, Path sandbox) throws IOException {
        Files.createDirectories(sandbox);
        Path root = sandbox.toRealPath();
        for (CommandInfo.URI uri : uris) {
            try {
                fetchOne(uri, root);
            } catch (FetchException e) {
                throw e;
            } catch (IOException e) {
                throw new FetchException("'" + uri.getValue() + "': " + e, e);
            }
        }
    }

    private void fetchOne(CommandInfo.URI uri, Path root) throws IOException {
        String value = uri.getValue();
        if (value.isBlank()) {
            throw new FetchException("A URI has no value");
        }
        String name = uri.hasOutputFile() && !uri.getOutputFile().isEmpty() ? uri.getOutputFile()
                : UriDownloader.basename(value);
        Path destination = destination(root, name, uri);
        Files.createDirectories(destination.getParent());
        boolean extract = !uri.getExecutable() && uri.getExtract() && ArchiveExtractor.isArchive(name);
        if (uri.getCache()) {
            try (FetcherCache.Lease lease = cache.obtain(value, file -> downloader.download(value, file))) {
                if (extract) {
                    extractor.extract(lease.file(), name, root);
                } else {
                    refuseLink(root, destination, name);
                    Files.copy(lease.file(), destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } else {
            refuseLink(root, destination, name);
            downloader.download(value, destination);
            if (extract) {
                extractor.extract(destination, name, root);
            }
        }
        if (uri.getExecutable()) {
            Files.setPosixFilePermissions(destination, EXECUTABLE);
        }
        LOG.info("Fetched '{}' into {}{}", value, extract ? root : destination, uri.getCache() ? " (cached)" : "");
    }

    /** The file's place in the sandbox; an {@code output_file} that is absolute or climbs out is refused. */
    private static Path destination(Path root, String name, CommandInfo.URI uri) throws FetchException {
        if (name.startsWith("/") || Path.of(name).normalize().startsWith("..") || name.contains("\0")) {
            throw new FetchException("'" + uri.getValue() + "': output_file '" + name
                    + "' must be a relative path inside the sandbox");
        }
        Path destination = root.resolve(name).normalize();
        if (!destination.startsWith(root) || destination.equals(root)) {
            throw new FetchException("'" + uri.getValue() + "': output_file '" + name
                    + "' must be a relative path inside the sandbox");
        }
        return destination;
    }

    /**
     * An earlier URI's archive may have left a symbolic link where this file goes, or above it: never write through
     * one to outside the sandbox.
     */
    private static void refuseLink(Path root, Path destination, String name) throws IOException {
        if (Files.isSymbolicLink(destination)) {
            throw new FetchException("'" + name + "' is a symbolic link in the sandbox; not writing through it");
        }
        if (!destination.getParent().toRealPath().startsWith(root)) {
            throw new FetchException("'" + name + "' would be written outside the sandbox (through a link)");
        }
        if (Files.isDirectory(destination, LinkOption.NOFOLLOW_LINKS)) {
            throw new FetchException("'" + name + "' is a directory in the sandbox");
        }
    }
}
