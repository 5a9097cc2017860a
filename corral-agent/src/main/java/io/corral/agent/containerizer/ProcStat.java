package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code /proc/<pid>/stat} says about a process: enough to recognise it again after an agent restart. A pid
 * alone is not an identity (the kernel reuses pids); the pair (pid, start time in clock ticks since boot) is, within
 * one boot, and {@link #bootId()} tells boots apart.
 *
 * <p>Immutable; the static readers are stateless and thread-safe.
 *
 * @param state one letter: R, S, D, Z (zombie: exited, not reaped yet), X (dead)...
 * @param startTicks field 22, the start time in clock ticks after boot
 */
public record ProcStat(long pid, char state, long processGroup, long startTicks) {

    /** True while the process runs or sleeps; a zombie has exited already, only its parent has not reaped it. */
    public boolean live() {
        return state != 'Z' && state != 'X';
    }

    /** The process's stat, or empty when there is no such process (or it vanished while being read). */
    public static Optional<ProcStat> read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // Field 2, the command name, is in parentheses and may contain spaces and ')': fields 3.. follow the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Optional.of(new ProcStat(pid, fields[0].charAt(0), Long.parseLong(fields[2]),
                    Long.parseLong(fields[19])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The kernel's id of this boot: a process recorded under another boot id is gone, whatever its pid. Read once: it
     * cannot change while this JVM runs, and a launch and each liveness check asked for it.
     */
    public static String bootId() {
        return BootId.VALUE;
    }

    /** Holds the boot id, read on first use. */
    private static final class BootId {
        static final String VALUE = read();

        private BootId() {}

        private static String read() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII)
                        .trim();
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
