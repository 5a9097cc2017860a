package io.corral.compat.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Corral server (zk, master or agent) running as an OS process, its stdout and stderr going to one log file.
 *
 * <p>Threading: immutable apart from the OS process itself; safe to use from any thread.
 */
public final class ClusterProcess {
    private static final long STOP_GRACE_SECONDS = 10;

    private final String name;
    private final Process process;
    private final Path log;

    private ClusterProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command}, appending its output to {@code log}. */
    static ClusterProcess start(String name, List<String> command, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            return new ClusterProcess(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name + ": " + String.join(" ", command), e);
        }
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Fails with the log tail when the process has already exited, for waits that need it running. */
    void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with code " + process.exitValue()
                    + "; its log ends with:\n" + tail(40));
        }
    }

    /**
     * SIGTERM, then SIGKILL after a grace period; also kills descendants (an agent's tasks) that outlive it.
     * Descendants are listed before the parent goes, because once it exits they are re-parented and unreachable.
     */
    void stop() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** The last {@code lines} lines of this process's log. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    public Path log() {
        return log;
    }
}
