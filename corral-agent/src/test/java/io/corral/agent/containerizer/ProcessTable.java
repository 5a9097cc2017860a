package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Test helper: reads /proc to see which processes are alive and which process group and session they are in. */
final class ProcessTable {

    /** Fields of /proc/<pid>/stat that the tests need. Zombies count as dead: they only wait to be reaped. */
    record Entry(long pid, char state, long processGroup, long session) {
        boolean live() {
            return state != 'Z' && state != 'X';
        }
    }

    private ProcessTable() {}

    static Optional<Entry> read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may contain spaces: parse after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(
                    new Entry(pid, fields[0].charAt(0), Long.parseLong(fields[2]), Long.parseLong(fields[3])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone, or vanished while being read
        }
    }

    static boolean isLive(long pid) {
        return read(pid).map(Entry::live).orElse(false);
    }

    /** The live processes whose process group id is {@code processGroup}. */
    static List<Long> liveMembersOfGroup(long processGroup) {
        List<Long> members = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(path -> path.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .forEach(pid -> read(pid)
                            .filter(entry -> entry.live() && entry.processGroup() == processGroup)
                            .ifPresent(entry -> members.add(pid)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return members;
    }
}
