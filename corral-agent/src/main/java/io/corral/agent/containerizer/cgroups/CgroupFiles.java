package io.corral.agent.containerizer.cgroups;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes cgroup control files. Each write is one {@code write(2)} of the whole value, as the kernel wants;
 * files are opened with create and truncate, which the kernel's cgroupfs accepts (as {@code echo v > file} does) and
 * which lets the unit tests lay out an ordinary directory like cgroupfs.
 *
 * <p>Stateless.
 */
final class CgroupFiles {

    private CgroupFiles() {}

    static void write(Path file, String value) throws IOException {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }

    static long readLong(Path file) throws IOException {
        try {
            return Long.parseLong(read(file));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": not a number: " + e.getMessage());
        }
    }

    /** Flat keyed files ({@code memory.stat}, {@code cpu.stat}, {@code memory.events}): "key value" per line. */
    static Map<String, Long> readKeyed(Path file) throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String[] field = line.trim().split("\\s+");
            if (field.length == 2) {
                try {
                    values.put(field[0], Long.parseLong(field[1]));
                } catch (NumberFormatException e) {
                    // not a counter (e.g. a "max" value): callers ask only for counters
                }
            }
        }
        return values;
    }

    /** The pids in a cgroup's {@code cgroup.procs}; empty when the cgroup is gone. */
    static List<Long> processes(Path cgroup) {
        try {
            return Files.readAllLines(cgroup.resolve("cgroup.procs"), StandardCharsets.US_ASCII).stream()
                    .map(String::trim).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
    }
}
