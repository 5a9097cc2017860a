package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small files that a crash can never leave half-written: the content goes to {@code <name>.tmp} in the same
 * directory, is forced to disk, then renamed over {@code <name>} (rename is atomic within a file system), and the
 * directory is forced so the rename itself survives a power cut (with the parents of any directory the write
 * created). A reader sees the old content or the new one.
 *
 * <p>Stateless and thread-safe (two writers of the same file must not race: each file has one owner).
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    public static void write(Path file, String content) throws IOException {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] content) throws IOException {
        write(file, content, true);
    }

    /**
     * Atomic but not forced to disk: survives the agent's crash (the page cache does), not a power cut. For records
     * that mean nothing after a reboot anyway (a process's pid), where two fsyncs would be most of a launch's cost.
     */
    public static void writeUnsynced(Path file, String content) throws IOException {
        writeUnsynced(file, content.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeUnsynced(Path file, byte[] content) throws IOException {
        write(file, content, false);
    }

    private static void write(Path file, byte[] content, boolean sync) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Path existing = sync ? firstExisting(directory) : null; // only a forced write forces new parents
        Files.createDirectories(directory);
        Path temporary = directory.resolve(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (sync) {
                channel.force(true);
            }
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (sync) {
            forceDirectory(directory);
            forceNewEntries(existing, directory);
        }
    }

    private static Path firstExisting(Path directory) {
        Path existing = directory;
        while (existing != null && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        return existing;
    }

    /**
     * The directories this write created (below {@code existing}, down to {@code directory}) are entries in their
     * parents, which must be forced too, or a power cut could lose the new directory with the file in it.
     */
    private static void forceNewEntries(Path existing, Path directory) throws IOException {
        for (Path created = directory; existing != null && !created.equals(existing); created = created.getParent()) {
            forceDirectory(created.getParent());
        }
    }

    /** Makes a directory's entries (a rename, a new or deleted file) durable. */
    public static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
