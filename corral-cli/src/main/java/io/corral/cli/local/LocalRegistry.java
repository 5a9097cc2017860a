package io.corral.cli.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * The machine-wide list of running {@code corral local} clusters, so that {@code corral run}, {@code corral ps} and
 * {@code corral local status} find "the newest running local cluster" without being told its address.
 *
 * <p>Each running {@code corral local} keeps one file, {@code ${java.io.tmpdir}/corral-${user.name}/local-<pid>.json},
 * holding a {@link LocalClusterRecord}, and removes it when it stops. A supervisor killed with {@code kill -9}
 * cannot remove its file, so readers skip (and delete) records whose pid is no longer alive.
 *
 * <p>Threading: instances hold no mutable state; every call reads or writes the directory afresh. Each file has one
 * writer (the process it names) and is replaced atomically, so concurrent readers are safe.
 */
public final class LocalRegistry {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path directory;
    private final LongPredicate isAlive;

    /**
     * @param directory where the records live
     * @param isAlive   tells whether a pid names a running process (tests substitute their own)
     */
    public LocalRegistry(Path directory, LongPredicate isAlive) {
        this.directory = directory;
        this.isAlive = isAlive;
    }

    /** A registry in {@code directory} that checks liveness against this machine's processes. */
    public LocalRegistry(Path directory) {
        this(directory, LocalRegistry::processIsAlive);
    }

    /** The registry of the current user on this machine. */
    public static LocalRegistry forCurrentUser() {
        return new LocalRegistry(defaultDirectory());
    }

    /** {@code ${java.io.tmpdir}/corral-${user.name}}. */
    public static Path defaultDirectory() {
        return Paths.get(System.getProperty("java.io.tmpdir"), "corral-" + System.getProperty("user.name"));
    }

    /** The newest running local cluster of the current user, if any. */
    public static Optional<LocalClusterRecord> newestRunning() {
        return forCurrentUser().newest();
    }

    public Path directory() {
        return directory;
    }

    /** Creates or replaces the record of {@code record.pid()}. */
    public Path publish(LocalClusterRecord record) {
        Path file = fileOf(record.pid());
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the local cluster record " + file, e);
        }
        return file;
    }

    /** Removes the record of {@code pid}; does nothing if there is none. */
    public void remove(long pid) {
        try {
            Files.deleteIfExists(fileOf(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the local cluster record " + fileOf(pid), e);
        }
    }

    /** Records of live processes, newest first. Records of dead processes are deleted on the way. */
    public List<LocalClusterRecord> running() {
        List<LocalClusterRecord> live = new ArrayList<>();
        for (LocalClusterRecord record : readAll()) {
            if (isAlive.test(record.pid())) {
                live.add(record);
            } else {
                deleteQuietly(fileOf(record.pid()));
            }
        }
        live.sort(Comparator.comparing(LocalRegistry::startedAt).reversed());
        return live;
    }

    /** The running record with the latest {@code startedAt}. */
    public Optional<LocalClusterRecord> newest() {
        return running().stream().findFirst();
    }

    private List<LocalClusterRecord> readAll() {
        List<LocalClusterRecord> records = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return records;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "local-*.json")) {
            for (Path file : files) {
                readRecord(file).ifPresent(records::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list local cluster records in " + directory, e);
        }
        return records;
    }

    private static Optional<LocalClusterRecord> readRecord(Path file) {
        try {
            return Optional.of(JSON.readValue(file.toFile(), LocalClusterRecord.class));
        } catch (IOException e) {
            // Vanished between listing and reading, or not ours: neither names a running cluster.
            return Optional.empty();
        }
    }

    private Path fileOf(long pid) {
        return directory.resolve("local-" + pid + ".json");
    }

    private static Instant startedAt(LocalClusterRecord record) {
        try {
            return record.startedAt() == null ? Instant.EPOCH : Instant.parse(record.startedAt());
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private static boolean processIsAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Another reader may have removed it, or the directory is read-only; the record is skipped either way.
        }
    }
}
