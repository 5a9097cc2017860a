package io.corral.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.MesosIds;
import io.corral.protocol.json.MesosJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * The agent's checkpoint: everything a restarted agent needs to carry on, as keyed records in one append-only file,
 * {@code <work dir>/meta/checkpoint.log} ({@link CheckpointLog}). The keys name the records as Mesos lays out its own
 * checkpoint's files ({@code docs/architecture.md}, "Checkpoint and recovery"):
 *
 * <pre>
 * frameworks/&lt;framework&gt;/framework.info                         FrameworkInfo
 * frameworks/&lt;framework&gt;/executors/&lt;executor&gt;/executor.info     a custom or default executor: ExecutorInfo, its
 *                                                                 container id and sandbox (absent for a command
 *                                                                 task's executor, or once it ended)
 * .../executors/&lt;executor&gt;/runs/&lt;container&gt;/tasks/&lt;task&gt;/task.info     TaskInfo and sandbox path
 * .../executors/&lt;executor&gt;/runs/&lt;container&gt;/tasks/&lt;task&gt;/task.updates  latest status, unacknowledged updates,
 *                                                                 kill requested, framework shut down
 * </pre>
 *
 * <p>A container's run directory is a real directory at the same path under {@code meta} (its launcher's files:
 * launcher.pid, task.pid, exit_status), made by the containerizer and removed with the container's records.
 *
 * <p>Each record is JSON (Mesos types in Mesos's JSON), replaced whole. The agent writes a record before the action it
 * records: the task before its launch, an update before it is sent, a kill request before the signal. {@link #replay}
 * validates every record: what cannot be read is returned as {@link Unreadable}, never thrown. A checkpoint of the
 * earlier layout (one file per record under {@code meta/frameworks}) is read into the log when the store opens.
 *
 * <p>The agent id stays in {@code <work dir>/agent.id} ({@link AgentIdFile}), where agents before this store kept it.
 *
 * <p>Threading: used on the agent's event loop only (and before it runs, to recover); it owns the log.
 */
final class AgentStore {
    private static final Logger LOG = LoggerFactory.getLogger(AgentStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FRAMEWORK_INFO = "framework.info";
    static final String TASK_INFO = "task.info";
    static final String TASK_UPDATES = "task.updates";
    static final String EXECUTOR_INFO = "executor.info";
    private static final Set<String> RECORD_NAMES = Set.of(FRAMEWORK_INFO, TASK_INFO, TASK_UPDATES, EXECUTOR_INFO);

    private final Path meta;
    private final Path frameworks;
    private final CheckpointLog log;

    /** Opens (or creates) the checkpoint of the agent whose work directory is {@code workDir}. */
    AgentStore(Path workDir) {
        this.meta = workDir.resolve("meta");
        this.frameworks = meta.resolve("frameworks");
        try {
            Files.createDirectories(meta);
            boolean fresh = !Files.exists(meta.resolve(CheckpointLog.FILE));
            this.log = CheckpointLog.open(meta.resolve(CheckpointLog.FILE));
            importFiles(fresh);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the agent's checkpoint in " + meta + ": " + e.getMessage(), e);
        }
    }

    /** A task read back with everything the agent had checkpointed for it. */
    record StoredTask(FrameworkID frameworkId, TaskInfo task, String containerId, Path sandbox, Path runDir,
                      TaskStatus latest, List<TaskStatus> pending, Duration killGracePeriod, boolean orphaned) {}

    /** A task whose records could not be read: its ids come from the records' keys. */
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

    /** The key of whatever lies at {@code path} under {@code meta} (a run directory, a record). */
    private String key(Path path) {
        return meta.relativize(path).toString().replace(java.io.File.separatorChar, '/');
    }

    private String taskKey(Path runDir, TaskID taskId, String record) {
        return key(runDir) + "/tasks/" + taskId.getValue() + "/" + record;
    }

    private static String frameworkKey(FrameworkID frameworkId) {
        return "frameworks/" + frameworkId.getValue() + "/" + FRAMEWORK_INFO;
    }

    private static String executorKey(FrameworkID frameworkId, String executorId) {
        return "frameworks/" + frameworkId.getValue() + "/executors/" + executorId + "/" + EXECUTOR_INFO;
    }

    /** Closes the log: what is asked of the store after fails (an agent thrown away, in tests). */
    void close() throws IOException {
        log.close();
    }

    /** Appends {@code changes} (a {@link CheckpointBatch}'s flush): all or nothing. */
    void commit(List<CheckpointLog.Change> changes, boolean force) throws IOException {
        log.append(changes, force);
    }

    /**
     * What a launch must record before anything starts, in one forced append (all of it or none): a new custom or
     * default executor, if any (its ExecutorInfo, container id and sandbox), and its tasks.
     */
    void saveLaunch(Optional<ExecutorRun> newExecutor, List<TaskRun> tasks) throws IOException {
        List<CheckpointLog.Change> changes = new ArrayList<>();
        newExecutor.ifPresent(executor -> changes.add(CheckpointLog.Change.put(
                executorKey(executor.frameworkId, executor.info.getExecutorId().getValue()), executorRecord(executor))));
        tasks.forEach(run -> changes.add(CheckpointLog.Change.put(taskInfoKey(run), taskRecord(run))));
        log.append(changes, true);
    }

    private static byte[] executorRecord(ExecutorRun executor) {
        ObjectNode json = JSON.createObjectNode();
        json.set("executor", MesosJson.toJson(executor.info));
        json.put("container_id", executor.containerId);
        json.put("sandbox", executor.sandbox.toString());
        return bytes(json);
    }

    private void put(String key, byte[] value) throws IOException {
        log.append(List.of(CheckpointLog.Change.put(key, value)), true);
    }

    /** Deletions need not be forced: a record a power cut brings back is one of an ended task, reported again. */
    private void delete(Collection<String> keys) {
        try {
            log.append(keys.stream().map(CheckpointLog.Change::delete).toList(), false);
        } catch (IOException e) {
            LOG.warn("Could not delete {} from the agent's checkpoint: {}", keys, e.getMessage());
        }
    }

    /**
     * The executor ended: a restarted agent must not wait for it. Its tasks' records stay until their last updates
     * are acknowledged ({@link #removeTask}, {@link #remove}).
     */
    void removeExecutor(FrameworkID frameworkId, String executorId) {
        String key = executorKey(frameworkId, executorId);
        if (log.holds(key)) {
            delete(List.of(key));
        }
    }

    /** Forgets one task of a container that other tasks (or a live executor) still use. */
    void removeTask(Path runDir, TaskID taskId) {
        delete(keysUnder(key(runDir) + "/tasks/" + taskId.getValue() + "/"));
    }

    /** Every key under {@code prefix}, readable or damaged. */
    private List<String> keysUnder(String prefix) {
        List<String> keys = new ArrayList<>(log.under(prefix).keySet());
        log.damaged().keySet().stream().filter(key -> key.startsWith(prefix)).forEach(keys::add);
        return keys;
    }

    /** Whether a record under {@code prefix} is not under {@code except}: stops at the first (keys are sorted). */
    private boolean anyKeyUnderBut(String prefix, String except) {
        for (String key : log.under(prefix).keySet()) {
            if (!key.startsWith(except)) {
                return true;
            }
        }
        return log.damaged().keySet().stream().anyMatch(key -> key.startsWith(prefix) && !key.startsWith(except));
    }

    /** Whether the framework's record is kept ({@link #remove} deletes it with the framework's last task). */
    boolean hasFramework(FrameworkID frameworkId) {
        return log.get(frameworkKey(frameworkId)) != null;
    }

    void saveFramework(FrameworkInfo framework) throws IOException {
        put(frameworkKey(framework.getId()), MesosJson.printBytes(framework));
    }

    /** The key of the task as launched (for a {@link CheckpointBatch}): {@link #taskRecord}. */
    String taskInfoKey(TaskRun run) {
        return taskKey(run.runDir, run.task.getTaskId(), TASK_INFO);
    }

    /** The task as launched, written before its container starts: TaskInfo and sandbox. */
    byte[] taskRecord(TaskRun run) {
        ObjectNode json = JSON.createObjectNode();
        json.set("task", MesosJson.toJson(run.task));
        json.put("sandbox", run.sandbox.toString());
        return bytes(json);
    }

    /** The key of what changes over the task's life (for a {@link CheckpointBatch}): {@link #updatesRecord}. */
    String updatesKey(TaskRun run) {
        return taskKey(run.runDir, run.task.getTaskId(), TASK_UPDATES);
    }

    private static byte[] bytes(ObjectNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** Its latest status, its unacknowledged updates (oldest first), a kill requested, its framework shut down. */
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
     * Forgets a container and its tasks (ended, all their updates acknowledged) and its run directory, then its
     * framework's record once no executor or task of it is left. The sandbox is not touched.
     */
    void remove(FrameworkID frameworkId, Path runDir) {
        String run = key(runDir) + "/";
        List<String> gone = keysUnder(run);
        if (!anyKeyUnderBut("frameworks/" + frameworkId.getValue() + "/executors/", run)) {
            gone.add(frameworkKey(frameworkId)); // its last executor or task
        }
        delete(gone);
        deleteTree(runDir);
        Path executor = runDir.getParent().getParent();
        deleteIfEmpty(runDir.getParent());
        deleteIfEmpty(executor);
        deleteIfEmpty(executor.getParent());
        deleteIfEmpty(frameworks.resolve(frameworkId.getValue()));
    }

    /** Reads the whole checkpoint back. Never throws: damaged records come back as {@link Unreadable}. */
    Replay replay() {
        Layout layout = layout();
        List<FrameworkInfo> infos = new ArrayList<>();
        Map<String, String> frameworkProblems = new HashMap<>();
        for (String framework : layout.frameworks()) {
            try {
                infos.add(readFramework(FrameworkID.newBuilder().setValue(framework).build()));
            } catch (IOException | RuntimeException e) {
                frameworkProblems.put(framework, "its framework's record is unreadable: " + e.getMessage());
            }
        }
        List<StoredExecutor> executors = new ArrayList<>();
        for (RunKey executor : layout.executors()) {
            if (frameworkProblems.containsKey(executor.framework())) {
                continue;
            }
            try {
                executors.add(readExecutor(executor.frameworkId(), executor.executor()));
            } catch (IOException | RuntimeException e) {
                // Its tasks are reported failed (their executor is unknown); its container is not found.
                LOG.error("Executor record {} is unreadable: {}",
                        executorKey(executor.frameworkId(), executor.executor()), e.getMessage());
            }
        }
        List<StoredTask> tasks = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        for (RunKey task : layout.tasks()) {
            Path runDir = runDir(task.frameworkId(), task.executor(), task.container());
            TaskID taskId = TaskID.newBuilder().setValue(task.task()).build();
            String frameworkProblem = frameworkProblems.get(task.framework());
            if (frameworkProblem != null) {
                unreadable.add(new Unreadable(task.frameworkId(), taskId, task.container(), runDir, frameworkProblem));
                continue;
            }
            try {
                tasks.add(readTask(task.frameworkId(), taskId, task.container(), runDir));
            } catch (IOException | RuntimeException e) {
                unreadable.add(new Unreadable(task.frameworkId(), taskId, task.container(), runDir, e.getMessage()));
            }
        }
        return new Replay(infos, tasks, unreadable, executors);
    }

    /** The ids a record's key names; {@code container} and {@code task} are null for an executor's record. */
    private record RunKey(String framework, String executor, String container, String task) {
        static final Comparator<RunKey> ORDER = Comparator.comparing(RunKey::framework)
                .thenComparing(RunKey::executor)
                .thenComparing(RunKey::container, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(RunKey::task, Comparator.nullsFirst(Comparator.naturalOrder()));

        FrameworkID frameworkId() {
            return FrameworkID.newBuilder().setValue(framework).build();
        }
    }

    /** What the records' keys name, each in key order: every framework, the executors with a record, the tasks. */
    private record Layout(Set<String> frameworks, Set<RunKey> executors, Set<RunKey> tasks) {}

    /**
     * The frameworks, executors and tasks the records' keys name (readable or damaged). A key this agent does not
     * write, or with a segment that is not a valid Mesos id, is ignored.
     */
    private Layout layout() {
        Layout layout = new Layout(new TreeSet<>(), new TreeSet<>(RunKey.ORDER), new TreeSet<>(RunKey.ORDER));
        Set<String> keys = new TreeSet<>(log.under("frameworks/").keySet());
        keys.addAll(log.damaged().keySet());
        for (String key : keys) {
            String[] parts = key.split("/", -1);
            boolean framework = parts.length == 3 && parts[2].equals(FRAMEWORK_INFO);
            boolean executor = parts.length == 5 && parts[2].equals("executors") && parts[4].equals(EXECUTOR_INFO);
            boolean task = parts.length == 9 && parts[2].equals("executors") && parts[4].equals("runs")
                    && parts[6].equals("tasks") && (parts[8].equals(TASK_INFO) || parts[8].equals(TASK_UPDATES));
            if (!parts[0].equals("frameworks") || !(framework || executor || task)) {
                LOG.warn("Ignoring record {} in the agent's checkpoint: not one this agent writes", key);
            } else if (validIds(key, parts, parts.length - 1)) {
                layout.frameworks().add(parts[1]);
                if (executor) {
                    layout.executors().add(new RunKey(parts[1], parts[3], null, null));
                } else if (task) {
                    layout.tasks().add(new RunKey(parts[1], parts[3], parts[5], parts[7]));
                }
            }
        }
        return layout;
    }

    /** Whether the id segments of {@code parts} (odd places before {@code end}) are valid Mesos ids. */
    private static boolean validIds(String key, String[] parts, int end) {
        for (int i = 1; i < end; i += 2) {
            String invalid = MesosIds.invalidReason(parts[i]);
            if (invalid != null) {
                LOG.warn("Ignoring {} in the agent's checkpoint: {}", key, invalid);
                return false;
            }
        }
        return true;
    }

    private StoredExecutor readExecutor(FrameworkID frameworkId, String executorId) throws IOException {
        String key = executorKey(frameworkId, executorId);
        JsonNode json = readJson(key);
        ExecutorInfo info = MesosJson.merge(require(json, "executor", key), ExecutorInfo.newBuilder()).build();
        if (!info.getExecutorId().getValue().equals(executorId)) {
            throw new IOException(key + " names executor '" + info.getExecutorId().getValue() + "'");
        }
        String containerId = require(json, "container_id", key).asText();
        String invalid = MesosIds.invalidReason(containerId);
        if (invalid != null) {
            throw new IOException(key + " has an invalid container id: " + invalid);
        }
        Path sandbox = Path.of(require(json, "sandbox", key).asText());
        return new StoredExecutor(frameworkId, info, containerId, sandbox, runDir(frameworkId, executorId,
                containerId));
    }

    private FrameworkInfo readFramework(FrameworkID id) throws IOException {
        String key = frameworkKey(id);
        FrameworkInfo info = MesosJson.merge(readJson(key), FrameworkInfo.newBuilder()).build();
        if (!info.getId().equals(id)) {
            throw new IOException(key + " names framework '" + info.getId().getValue() + "'");
        }
        return info;
    }

    private StoredTask readTask(FrameworkID frameworkId, TaskID taskId, String containerId, Path runDir)
            throws IOException {
        String infoKey = taskKey(runDir, taskId, TASK_INFO);
        JsonNode info = readJson(infoKey);
        TaskInfo task = MesosJson.merge(require(info, "task", infoKey), TaskInfo.newBuilder()).build();
        if (!task.getTaskId().equals(taskId)) {
            throw new IOException(infoKey + " names task '" + task.getTaskId().getValue() + "'");
        }
        Path sandbox = Path.of(require(info, "sandbox", infoKey).asText());

        String updatesKey = taskKey(runDir, taskId, TASK_UPDATES);
        if (!log.holds(updatesKey)) {
            // The agent stopped between writing the task and its first update: the container was never started.
            return new StoredTask(frameworkId, task, containerId, sandbox, runDir, null, List.of(), null, false);
        }
        JsonNode updates = readJson(updatesKey);
        TaskStatus latest = updates.has("latest") ? status(updates.get("latest"), taskId, updatesKey) : null;
        List<TaskStatus> pending = new ArrayList<>();
        for (JsonNode update : require(updates, "pending", updatesKey)) {
            TaskStatus status = status(update, taskId, updatesKey);
            if (status.getUuid().size() != 16) {
                throw new IOException(updatesKey + " holds an update without a valid uuid");
            }
            pending.add(status);
        }
        Duration kill = updates.has("kill_grace_period_nanos")
                ? Duration.ofNanos(Math.max(0, updates.get("kill_grace_period_nanos").asLong())) : null;
        boolean orphaned = updates.path("framework_shut_down").asBoolean(false);
        return new StoredTask(frameworkId, task, containerId, sandbox, runDir, latest, List.copyOf(pending), kill,
                orphaned);
    }

    private static TaskStatus status(JsonNode json, TaskID taskId, String key) throws IOException {
        TaskStatus status = MesosJson.merge(json, TaskStatus.newBuilder()).build();
        if (!status.getTaskId().equals(taskId)) {
            throw new IOException(key + " holds a status of task '" + status.getTaskId().getValue() + "'");
        }
        return status;
    }

    private JsonNode readJson(String key) throws IOException {
        String damage = log.damaged().get(key);
        if (damage != null) {
            throw new IOException(key + ": " + damage);
        }
        byte[] value = log.get(key);
        if (value == null) {
            throw new IOException(key + " is missing");
        }
        try {
            JsonNode json = JSON.readTree(value);
            if (json == null || !json.isObject()) {
                throw new IOException(key + " is empty or not a JSON object");
            }
            return json;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(key + " is damaged: " + e.getOriginalMessage());
        }
    }

    private static JsonNode require(JsonNode json, String field, String key) throws IOException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            throw new IOException(key + " has no '" + field + "'");
        }
        return value;
    }

    /**
     * The earlier layout's record files under {@code meta/frameworks}, read into a new log whole (one forced append)
     * and then deleted; their run directories stay (their launchers' files). A log that already existed may still
     * find some, left by a crash during their import: the log holds them, so they only go.
     */
    private void importFiles(boolean freshLog) throws IOException {
        List<Path> files = recordFiles();
        if (files.isEmpty()) {
            return;
        }
        if (freshLog) {
            List<CheckpointLog.Change> records = new ArrayList<>();
            for (Path file : files) {
                if (RECORD_NAMES.contains(file.getFileName().toString())) { // not a write a crash cut short
                    records.add(CheckpointLog.Change.put(key(file), Files.readAllBytes(file)));
                }
            }
            log.append(records, true);
            LOG.info("Read {} record file(s) of the earlier checkpoint layout into {}", files.size(), CheckpointLog.FILE);
        }
        for (Path file : files) {
            Files.deleteIfExists(file);
            if (file.getFileName().toString().startsWith("task.")) {
                deleteIfEmpty(file.getParent());
                deleteIfEmpty(file.getParent().getParent());
            }
        }
    }

    /** Record files (and temporary files a crash left) of the earlier layout. */
    private List<Path> recordFiles() throws IOException {
        if (!Files.isDirectory(frameworks)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(frameworks)) {
            return walk.filter(Files::isRegularFile).filter(file -> {
                String name = file.getFileName().toString();
                return RECORD_NAMES.contains(name) || (name.endsWith(".tmp")
                        && RECORD_NAMES.contains(name.substring(0, name.length() - 4)));
            }).sorted().toList();
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
