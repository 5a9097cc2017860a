package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The files of one container's run directory, shared by the agent and the launcher script:
 *
 * <ul>
 *   <li>{@code launcher.pid} (the agent, before it lets the launcher start the task): "pid start-ticks boot-id",
 *       the launcher's identity ({@link ProcStat}), so a restarted agent recognises it and is not fooled by a reused
 *       pid;
 *   <li>{@code task.pid} (the launcher): the task's pid, also its process group and session; empty for a moment;
 *   <li>{@code exit_status} (the launcher, once the task ended): the wait status as a shell reports it (128 + n
 *       for a signal n); read only once the launcher has ended, so it is complete;
 *   <li>{@code launcher.log}: the launcher's own errors.
 * </ul>
 *
 * <p>Immutable; the readers are stateless. Every reader validates what it reads: a damaged file reads as absent.
 */
record LauncherRecord(long pid, long startTicks, String bootId) {
    static final String LAUNCHER_PID = "launcher.pid";
    static final String TASK_PID = "task.pid";
    static final String EXIT_STATUS = "exit_status";
    static final String LAUNCHER_LOG = "launcher.log";

    /** Not forced to disk: after a power cut the boot id differs and the record means nothing anyway. */
    void write(Path runDir) throws IOException {
        AtomicFiles.writeUnsynced(runDir.resolve(LAUNCHER_PID), pid + " " + startTicks + " " + bootId + "\n");
    }

    /** The record, empty when there is none (the launcher was never allowed to start the task); throws if damaged. */
    static Optional<LauncherRecord> read(Path runDir) throws IOException {
        Path file = runDir.resolve(LAUNCHER_PID);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String content = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (content.isEmpty()) { // a server-forked launcher died between creating it and writing it: no task started
            return Optional.empty();
        }
        String[] fields = content.split(" ");
        try {
            if (fields.length != 3) {
                throw new NumberFormatException("expected 3 fields, found " + fields.length);
            }
            return Optional.of(new LauncherRecord(Long.parseLong(fields[0]), Long.parseLong(fields[1]), fields[2]));
        } catch (NumberFormatException e) {
            throw new IOException(file + " is damaged: " + e.getMessage());
        }
    }

    /** True when this launcher still runs: same boot, a live process with this pid and this start time. */
    boolean isRunning() {
        return bootId.equals(ProcStat.bootId())
                && ProcStat.read(pid).filter(stat -> stat.live() && stat.startTicks() == startTicks).isPresent();
    }

    static OptionalLong readTaskPid(Path runDir) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(runDir.resolve(TASK_PID)).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalInt readExitStatus(Path runDir) {
        try {
            int status = Integer.parseInt(Files.readString(runDir.resolve(EXIT_STATUS)).trim());
            return status >= 0 && status <= 255 ? OptionalInt.of(status) : OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
