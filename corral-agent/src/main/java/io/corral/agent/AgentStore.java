package io.corral.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.agent.containerizer.AtomicFiles;
import io.corral.protocol.MesosIds;
import io.corral.protocol.json.MesosJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's checkpoint: everything a restarted agent needs to carry on, in small files under
 * {@code <work dir>/meta}, laid out as Mesos lays out its own ({@code docs/architecture.md}, "Checkpoint and
 * recovery"):
 *
 * <pre>
 * meta/frameworks/&lt;framework&gt;/framework.info                         FrameworkInfo
 * meta/frameworks/&lt;framework&gt;/executors/&lt;executor&gt;/executor.info     a custom or default executor: ExecutorInfo,
 *                                                                      its container id and sandbox (absent for a
 *                                                                      command task's executor, or once it ended)
 * meta/frameworks/&lt;framework&gt;/executors/&lt;executor&gt;/runs/&lt;container&gt;/  the container's run dir: launcher.pid,
 *                                                                      task.pid, exit_status (the launcher's)
 *     .../runs/&lt;container&gt;/tasks/&lt;task&gt;/task.info                      TaskInfo and sandbox path
 *     .../runs/&lt;container&gt;/tasks/&lt;task&gt;/task.updates                   latest status, unacknowledged updates,
 *                                                                      kill requested, framework shut down
 * </pre>
 *
 * <p>Each file is JSON (Mesos types in Mesos's JSON) and replaced whole and atomically ({@link AtomicFiles}), so a
 * crash leaves the old content or the new one. The agent writes a record before the action it records: the task
 * before its launch, an update before it is sent, a kill request before the signal. {@link #replay} reads it all back
 * and validates every file: what cannot be read is returned as {@link Unreadable}, never thrown.
 *
 * <p>The agent id stays in {@code <work dir>/agent.id} ({@link AgentIdFile}), where agents before this store kept it.
 *
 * <p>Threading: used on the agent's event loop (and by a {@link CheckpointBatch}'s writers while the loop waits for
 * them). Holds no state besides its root path.
 */
final class AgentStore {
    private static final Logger LOG = LoggerFactory.getLogger(AgentStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FRAMEWORK_INFO = "framework.info";
    static final String TASK_INFO = "task.info";
    static final String TASK_UPDATES = "task.updates";
    static final String EXECUTOR_INFO = "executor.info";

    private final Path frameworks;

    AgentStore(Path workDir) {
        this.frameworks = workDir.resolve("meta").resolve("frameworks");
    }

    /** A task read back with everything the agent had checkpointed for it. */
    record StoredTask(FrameworkID frameworkId, TaskInfo task, String containerId, Path sandbox, Path runDir,
                      TaskStatus latest, List<TaskStatus> pending, Duration killGracePeriod, boolean orphaned) {}

    /** A task whose records could not be read: its ids come from the directory names. */
    record Unreadable(FrameworkID frameworkId, TaskID taskId, String containerId, Path runDir, String reason) {}

    /** A custom or default executor that had not ended when the agent stopped. */
    record StoredExecutor(FrameworkID frameworkId, ExecutorInfo info, String containerId, Path sandbox, Path runDir) {}

    record Replay(List<FrameworkInfo> frameworks, List<StoredTask> tasks, List<Unreadable> unreadable,
                  List<StoredExecutor> executors) {
        boolean isEmpty() {
            return tasks.isEmpty() && unreadable.isEmpty() && executors.isEmpty();
        }
    }

    /** The container's run directory (command tasks: the executor id is the task id). */
    Path runDir(FrameworkID frameworkId, String executorId, String containerId) {
        return frameworks.resolve(frameworkId.getValue()).resolve("executors").resolve(executorId)
                .resolve("runs").resolve(containerId);
    }

    private static Path taskDir(Path runDir, TaskID taskId) {
        return runDir.resolve("tasks").resolve(taskId.getValue());
    }

    /** A custom or default executor, written before its container starts (or its first task, for the default). */
    void saveExecutor(ExecutorRun executor) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.set("executor", MesosJson.toJson(executor.info));
        json.put("container_id", executor.containerId);
        json.put("sandbox", executor.sandbox.toString());
        AtomicFiles.write(executorDir(executor.frameworkId, executor.info.getExecutorId().getValue())
                .resolve(EXECUTOR_INFO), JSON.writeValueAsBytes(json));
    }

    /**
     * The executor ended: a restarted agent must not wait for it. Its tasks' records stay until their last updates
     * are acknowledged ({@link #removeTask}, {@link #remove}).
     */
    void removeExecutor(FrameworkID frameworkId, String executorId) {
        try {
            Files.deleteIfExists(executorDir(frameworkId, executorId).resolve(EXECUTOR_INFO));
        } catch (IOException e) {
            LOG.warn("Could not delete the record of executor {}: {}", executorId, e.getMessage());
        }
    }

    private Path executorDir(FrameworkID frameworkId, String executorId) {
        return frameworks.resolve(frameworkId.getValue()).resolve("executors").resolve(executorId);
    }

    /** Forgets one task of a container that other tasks (or a live executor) still use. */
    void removeTask(Path runDir, TaskID taskId) {
        deleteTree(taskDir(runDir, taskId));
        deleteIfEmpty(runDir.resolve("tasks"));
    }

    /** Whether the framework's record is on disk ({@link #remove} deletes it with the framework's last task). */
    boolean hasFramework(FrameworkID frameworkId) {
        return Files.exists(frameworks.resolve(frameworkId.getValue()).resolve(FRAMEWORK_INFO));
    }

    void saveFramework(FrameworkInfo framework) throws IOException {
        AtomicFiles.write(frameworks.resolve(framework.getId().getValue()).resolve(FRAMEWORK_INFO),
                MesosJson.printBytes(framework));
    }

    /** The task as launched; written before its container starts. */
    void saveTask(TaskRun run) throws IOException {
        AtomicFiles.write(taskInfoFile(run), taskRecord(run));
    }

    /** Where {@link #saveTask} writes (for a {@link CheckpointBatch}). */
    Path taskInfoFile(TaskRun run) {
        return taskDir(run.runDir, run.task.getTaskId()).resolve(TASK_INFO);
    }

    /** What {@link #saveTask} writes. */
    byte[] taskRecord(TaskRun run) {
        ObjectNode json = JSON.createObjectNode();
        json.set("task", MesosJson.toJson(run.task));
        json.put("sandbox", run.sandbox.toString());
        return bytes(json);
    }

    /** What changes over the task's life: its latest status, its unacknowledged updates (oldest first), a kill. */
    void saveUpdates(TaskRun run, List<TaskStatus> pending) throws IOException {
        AtomicFiles.write(updatesFile(run), updatesRecord(run, pending));
    }

    /** Where {@link #saveUpdates} writes (for a {@link CheckpointBatch}). */
    Path updatesFile(TaskRun run) {
        return taskDir(run.runDir, run.task.getTaskId()).resolve(TASK_UPDATES);
    }

    private static byte[] bytes(ObjectNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** What {@link #saveUpdates} writes. */
    byte[] updatesRecord(TaskRun run, List<TaskStatus> pending) {
        ObjectNode json = JSON.createObjectNode();
        if (run.latestStatus != null) {
            json.set("latest", MesosJson.toJson(run.latestStatus));
        }
        ArrayNode queue = json.putArray("pending");
        pending.forEach(status -> queue.add(MesosJson.toJson(status)));
        if (run.killGracePeriod != null) {
            json.put("kill_grace_period_nanos", run.killGracePeriod.toNanos());
        }
        if (run.orphaned) {
            json.put("framework_shut_down", true);
        }
        return bytes(json);
    }

    /**
     * Forgets a container and its task (ended, all its updates acknowledged), then its executor and framework
     * directories once empty. The sandbox is not touched.
     */
    void remove(FrameworkID frameworkId, Path runDir) {
        deleteTree(runDir);
        Path executor = runDir.getParent().getParent();
        deleteIfEmpty(runDir.getParent());
        deleteIfEmpty(executor);
        Path framework = frameworks.resolve(frameworkId.getValue());
        deleteIfEmpty(framework.resolve("executors"));
        if (!Files.exists(framework.resolve("executors"))) {
            deleteTree(framework);
        }
    }

    /** Reads the whole checkpoint back. Never throws: damaged records come back as {@link Unreadable}. */
    Replay replay() {
        List<FrameworkInfo> infos = new ArrayList<>();
        List<StoredTask> tasks = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        List<StoredExecutor> executors = new ArrayList<>();
        for (Path frameworkDir : children(frameworks)) {
            FrameworkID frameworkId = FrameworkID.newBuilder().setValue(name(frameworkDir)).build();
            String frameworkProblem = null;
            try {
                FrameworkInfo info = readFramework(frameworkDir, frameworkId);
                infos.add(info);
            } catch (IOException | RuntimeException e) {
                frameworkProblem = "its framework's record is unreadable: " + e.getMessage();
            }
            for (Path executorDir : children(frameworkDir.resolve("executors"))) {
                if (frameworkProblem == null && Files.exists(executorDir.resolve(EXECUTOR_INFO))) {
                    try {
                        executors.add(readExecutor(frameworkId, executorDir));
                    } catch (IOException | RuntimeException e) {
                        // Its tasks are reported failed (their executor is unknown); its container is not found.
                        LOG.error("Executor record {} is unreadable: {}", executorDir, e.getMessage());
                    }
                }
                for (Path runDir : children(executorDir.resolve("runs"))) {
                    for (Path taskDir : children(runDir.resolve("tasks"))) {
                        TaskID taskId = TaskID.newBuilder().setValue(name(taskDir)).build();
                        if (frameworkProblem != null) {
                            unreadable.add(new Unreadable(frameworkId, taskId, name(runDir), runDir,
                                    frameworkProblem));
                            continue;
                        }
                        try {
                            tasks.add(readTask(frameworkId, taskId, name(runDir), runDir));
                        } catch (IOException | RuntimeException e) {
                            unreadable.add(new Unreadable(frameworkId, taskId, name(runDir), runDir,
                                    e.getMessage()));
                        }
                    }
                }
            }
        }
        return new Replay(infos, tasks, unreadable, executors);
    }

    private StoredExecutor readExecutor(FrameworkID frameworkId, Path executorDir) throws IOException {
        Path file = executorDir.resolve(EXECUTOR_INFO);
        JsonNode json = readJson(file);
        ExecutorInfo info = MesosJson.merge(require(json, "executor", file), ExecutorInfo.newBuilder()).build();
        if (!info.getExecutorId().getValue().equals(name(executorDir))) {
            throw new IOException(file + " names executor '" + info.getExecutorId().getValue() + "'");
        }
        String containerId = require(json, "container_id", file).asText();
        String invalid = MesosIds.invalidReason(containerId);
        if (invalid != null) {
            throw new IOException(file + " has an invalid container id: " + invalid);
        }
        Path sandbox = Path.of(require(json, "sandbox", file).asText());
        return new StoredExecutor(frameworkId, info, containerId, sandbox,
                executorDir.resolve("runs").resolve(containerId));
    }

    private static FrameworkInfo readFramework(Path frameworkDir, FrameworkID id) throws IOException {
        FrameworkInfo info = MesosJson.merge(readJson(frameworkDir.resolve(FRAMEWORK_INFO)),
                FrameworkInfo.newBuilder()).build();
        if (!info.getId().equals(id)) {
            throw new IOException(frameworkDir.resolve(FRAMEWORK_INFO) + " names framework '"
                    + info.getId().getValue() + "'");
        }
        return info;
    }

    private static StoredTask readTask(FrameworkID frameworkId, TaskID taskId, String containerId, Path runDir)
            throws IOException {
        Path taskDir = taskDir(runDir, taskId);
        Path infoFile = taskDir.resolve(TASK_INFO);
        JsonNode info = readJson(infoFile);
        TaskInfo task = MesosJson.merge(require(info, "task", infoFile), TaskInfo.newBuilder()).build();
        if (!task.getTaskId().equals(taskId)) {
            throw new IOException(infoFile + " names task '" + task.getTaskId().getValue() + "'");
        }
        Path sandbox = Path.of(require(info, "sandbox", infoFile).asText());

        Path updatesFile = taskDir.resolve(TASK_UPDATES);
        if (!Files.exists(updatesFile)) {
            // The agent stopped between writing the task and its first update: the container was never started.
            return new StoredTask(frameworkId, task, containerId, sandbox, runDir, null, List.of(), null, false);
        }
        JsonNode updates = readJson(updatesFile);
        TaskStatus latest = updates.has("latest") ? status(updates.get("latest"), taskId, updatesFile) : null;
        List<TaskStatus> pending = new ArrayList<>();
        for (JsonNode update : require(updates, "pending", updatesFile)) {
            TaskStatus status = status(update, taskId, updatesFile);
            if (status.getUuid().size() != 16) {
                throw new IOException(updatesFile + " holds an update without a valid uuid");
            }
            pending.add(status);
        }
        Duration kill = updates.has("kill_grace_period_nanos")
                ? Duration.ofNanos(Math.max(0, updates.get("kill_grace_period_nanos").asLong())) : null;
        boolean orphaned = updates.path("framework_shut_down").asBoolean(false);
        return new StoredTask(frameworkId, task, containerId, sandbox, runDir, latest, List.copyOf(pending), kill,
                orphaned);
    }

    private static TaskStatus status(JsonNode json, TaskID taskId, Path file) throws IOException {
        TaskStatus status = MesosJson.merge(json, TaskStatus.newBuilder()).build();
        if (!status.getTaskId().equals(taskId)) {
            throw new IOException(file + " holds a status of task '" + status.getTaskId().getValue() + "'");
        }
        return status;
    }

    private static JsonNode readJson(Path file) throws IOException {
        try {
            JsonNode json = JSON.readTree(Files.readAllBytes(file));
            if (json == null || !json.isObject()) {
                throw new IOException(file + " is empty or not a JSON object");
            }
            return json;
        } catch (NoSuchFileException e) {
            throw new IOException(file + " is missing");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + " is damaged: " + e.getOriginalMessage());
        }
    }

    private static JsonNode require(JsonNode json, String field, Path file) throws IOException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw new IOException(file + " has no '" + field + "'");
        }
        return value;
    }

    private static String name(Path path) {
        return path.getFileName().toString();
    }

    /** The subdirectories whose names are valid Mesos ids (anything else was not written by this agent). */
    private static List<Path> children(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> children = new ArrayList<>();
            for (Path entry : entries.sorted().toList()) {
                if (!Files.isDirectory(entry)) {
                    continue;
                }
                String invalid = MesosIds.invalidReason(name(entry));
                if (invalid != null) {
                    LOG.warn("Ignoring {} in the agent's checkpoint: {}", entry, invalid);
                } else {
                    children.add(entry);
                }
            }
            return children;
        } catch (IOException e) {
            LOG.error("Cannot list {} in the agent's checkpoint: {}", directory, e.getMessage());
            return List.of();
        }
    }

    private static void deleteIfEmpty(Path directory) {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException notEmptyOrGone) {
            // still in use by another container or task: kept
        }
    }

    private static void deleteTree(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {} from the agent's checkpoint: {}", directory, e.getMessage());
        }
    }
}
