package io.corral.agent;

import io.corral.agent.containerizer.GroupKill;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills the tasks an earlier run of this agent left behind (it crashed, was {@code kill -9}ed, or was stopped without
 * {@code --kill-tasks-on-stop}, and its tasks, each in its own session, kept running). Re-attaching to them comes
 * with checkpointed recovery; until then the agent behaves as Mesos with {@code --recover=cleanup}: leftovers are
 * killed, and the master reports them to their frameworks as lost when the agent re-registers without them.
 *
 * <p>Each sandbox holds a {@code pid} file written at launch; a pid counts as ours only if that process started
 * before the file was written, so a pid the kernel reused for something else is left alone.
 */
final class LeftoverTasks {
    private static final Logger LOG = LoggerFactory.getLogger(LeftoverTasks.class);

    private LeftoverTasks() {}

    /** Kills every still-running task process group found under {@code workDir}; returns how many. */
    static int killAll(Path workDir) {
        Path slaves = workDir.resolve("slaves");
        if (!Files.isDirectory(slaves)) {
            return 0;
        }
        int killed = 0;
        try (Stream<Path> files = Files.walk(slaves, 8)) {
            for (Path pidFile : files.filter(p -> p.getFileName().toString().equals("pid")).toList()) {
                if (killIfOurs(pidFile)) {
                    killed++;
                }
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException e) {
            LOG.warn("Could not scan {} for leftover tasks: {}", slaves, e.getMessage());
        }
        return killed;
    }

    private static boolean killIfOurs(Path pidFile) throws IOException {
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException e) {
            return false;
        }
        Instant written = Files.getLastModifiedTime(pidFile).toInstant();
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        boolean ours = process.filter(ProcessHandle::isAlive)
                .flatMap(p -> p.info().startInstant())
                .filter(started -> !started.isAfter(written.plusSeconds(1)))
                .isPresent();
        if (!ours) {
            return false;
        }
        LOG.warn("Killing task process group {} left by an earlier run of this agent ({})", pid, pidFile.getParent());
        try {
            GroupKill.send("KILL", List.of("-" + pid)).waitFor();
        } catch (IOException e) {
            LOG.warn("Could not signal process group {} ({}); killing its main process only", pid, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.get().destroyForcibly();
        return true;
    }
}
