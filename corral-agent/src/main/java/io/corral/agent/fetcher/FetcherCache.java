package io.corral.agent.fetcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's fetcher cache: URIs with {@code cache: true} are downloaded once into a directory of the agent (here
 * {@code <work-dir>/fetch-cache}) and copied or extracted from there into each sandbox. Entries are keyed by the URI
 * text (Mesos adds the task's user, which is always the agent's here). The cache is bounded: when an entry would
 * take it past its size, the least recently used entries nobody is copying from are evicted; a file larger than the
 * whole cache is handed out once and not kept. As in Mesos, nothing of the cache outlives the agent process: it is
 * emptied when the agent starts (its content is never trusted across a restart).
 *
 * <p>Threading: thread-safe; the map is guarded by {@code this}. Downloads happen outside the lock, on the fetching
 * thread; a second fetch of a URI being downloaded waits for that download instead of starting another.
 */
public final class FetcherCache {
    private static final Logger LOG = LoggerFactory.getLogger(FetcherCache.class);

    /** Downloads a URI into a file; the cache calls it on a miss. */
    @FunctionalInterface
    interface Download {
        void into(Path file) throws IOException;
    }

    private final Path directory;
    private final long capacityBytes;
    /** In access order: the first entry is the least recently used. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long usedBytes;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    private static final class Entry {
        final Path file;
        final CompletableFuture<Long> ready = new CompletableFuture<>();
        long size = -1;
        int pins;

        Entry(Path file) {
            this.file = file;
        }
    }

    /** A cached file, pinned (never evicted) until closed. */
    public final class Lease implements AutoCloseable {
        private final String uri;
        private final Entry entry;
        private final Path file;

        private Lease(String uri, Entry entry, Path file) {
            this.uri = uri;
            this.entry = entry;
            this.file = file;
        }

        public Path file() {
            return file;
        }

        @Override
        public void close() {
            release(uri, entry, file);
        }
    }

    /** Empties {@code directory} (what an earlier agent left there) and makes it the cache. */
    public FetcherCache(Path directory, long capacityBytes) throws IOException {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("the fetcher cache's capacity must be positive");
        }
        this.directory = directory;
        this.capacityBytes = capacityBytes;
        deleteTree(directory);
        Files.createDirectories(directory);
    }

    /**
     * The cached copy of {@code uri}, downloaded first if it is not cached. Close the lease once the file was
     * copied or extracted.
     */
    Lease obtain(String uri, Download download) throws IOException {
        Entry entry;
        boolean downloader;
        synchronized (this) {
            entry = entries.get(uri);
            downloader = entry == null;
            if (downloader) {
                entry = new Entry(directory.resolve(fileName(uri)));
                entries.put(uri, entry);
                misses.incrementAndGet();
            } else {
                hits.incrementAndGet();
            }
            entry.pins++;
        }
        if (downloader) {
            try {
                download.into(entry.file);
                long size = Files.size(entry.file);
                admit(uri, entry, size);
                entry.ready.complete(size);
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    entries.remove(uri, entry);
                }
                Files.deleteIfExists(entry.file);
                entry.ready.completeExceptionally(e);
                throw e;
            }
        } else {
            try {
                entry.ready.get();
            } catch (ExecutionException e) {
                synchronized (this) {
                    entry.pins--;
                }
                throw e.getCause() instanceof FetchException fetch ? fetch
                        : new FetchException("Downloading it into the fetcher cache failed: "
                                + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FetchException("Interrupted while waiting for the fetcher cache");
            }
        }
        return new Lease(uri, entry, entry.file);
    }

    /** Books a downloaded file's size, evicting what must go; a file larger than the cache is not kept. */
    private synchronized void admit(String uri, Entry entry, long size) throws IOException {
        entry.size = size;
        if (size > capacityBytes) {
            LOG.info("Fetcher cache: '{}' ({} bytes) is larger than the cache ({} bytes); not keeping it", uri, size,
                    capacityBytes);
            entries.remove(uri, entry); // its file goes when its last lease is closed
            return;
        }
        usedBytes += size;
        var iterator = entries.entrySet().iterator();
        while (usedBytes > capacityBytes && iterator.hasNext()) {
            Map.Entry<String, Entry> oldest = iterator.next();
            Entry victim = oldest.getValue();
            if (victim == entry || victim.pins > 0 || victim.size < 0) {
                continue;
            }
            iterator.remove();
            usedBytes -= victim.size;
            Files.deleteIfExists(victim.file);
            LOG.info("Fetcher cache: evicted '{}' ({} bytes)", oldest.getKey(), victim.size);
        }
    }

    private synchronized void release(String uri, Entry entry, Path file) {
        entry.pins--;
        if (entry.pins == 0 && entries.get(uri) != entry) {
            try { // not in the cache (too large, or evicted while pinned... never): nobody else can reach it
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("Fetcher cache: cannot delete {}: {}", file, e.getMessage());
            }
        }
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** A digest of the URI, so any URI text makes a safe file name, and its base name for people reading the dir. */
    private static String fileName(String uri) {
        String base;
        try {
            base = UriDownloader.basename(uri).replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (FetchException e) {
            base = "file";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(uri.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16) + "-" + base;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
