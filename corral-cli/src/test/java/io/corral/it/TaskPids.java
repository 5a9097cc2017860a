package io.corral.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Task processes seen from the machine, not through any API: a task's command first records its pid as
 * {@code <dir>/<task id>.pid} ({@link #recordingThen}), and the test counts which of those processes are alive.
 */
final class TaskPids {
    private final Path dir;

    TaskPids(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /**
     * A shell command that records its pid under the task id in {@code idVariable} (e.g. {@code CORRAL_TASK_ID}, or
     * {@code MESOS_EXECUTOR_ID}, a command task's id in Mesos), then becomes {@code command} (same pid: {@code exec}).
     */
    String recordingThen(String idVariable, String command) {
        return "echo $$ > " + dir + "/$" + idVariable + ".pid; exec " + command;
    }

    /** The pid task {@code taskId} recorded. */
    long pidOf(String taskId) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve(taskId + ".pid")).strip());
    }

    /** How many recorded processes of tasks whose id starts with {@code taskIdPrefix} are alive. */
    long alive(String taskIdPrefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(taskIdPrefix))
                    .mapToLong(TaskPids::recordedPid)
                    .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).count();
        }
    }

    long alive() throws IOException {
        return alive("");
    }

    private static long recordedPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException halfWritten) {
            return -1;
        }
    }
}
