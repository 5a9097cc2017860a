package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.corral.protocol.json.MesosJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint on a real file system: what is written comes back, and what is damaged never throws. */
class AgentStoreTest {
    private static final FrameworkID FRAMEWORK = FrameworkID.newBuilder().setValue("F1").build();

    @TempDir Path workDir;

    private final AgentStoreTest.Fixture fixture = new Fixture();

    private final class Fixture {
        AgentStore store() {
            return new AgentStore(workDir);
        }

        TaskRun task(String id) {
            TaskInfo task = TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                    .setAgentId(org.apache.mesos.v1.Protos.AgentID.newBuilder().setValue("S1"))
                    .setCommand(CommandInfo.newBuilder().setValue("sleep 1")).build();
            String container = "c-" + id;
            // Where AgentStore.runDir puts it, spelled out: a store opened here would make the log early.
            return new TaskRun(FRAMEWORK, task, container, workDir.resolve("sandboxes").resolve(id),
                    workDir.resolve("meta/frameworks/F1/executors").resolve(id).resolve("runs").resolve(container));
        }
    }

    private static TaskStatus status(TaskRun run, TaskState state, int uuid) {
        byte[] bytes = new byte[16];
        bytes[0] = (byte) uuid;
        return TaskStatus.newBuilder().setTaskId(run.task.getTaskId()).setState(state)
                .setUuid(ByteString.copyFrom(bytes)).build();
    }

    private static FrameworkInfo framework() {
        return FrameworkInfo.newBuilder().setId(FRAMEWORK).setUser("u").setName("the framework").build();
    }

    private static void saveTask(AgentStore store, TaskRun run) throws Exception {
        store.saveLaunch(Optional.empty(), List.of(run));
    }

    /** What the agent's loop writes for a task's updates (through a {@link CheckpointBatch}). */
    private static void saveUpdates(AgentStore store, TaskRun run, List<TaskStatus> pending) throws Exception {
        store.commit(List.of(CheckpointLog.Change.put(store.updatesKey(run), store.updatesRecord(run, pending))), true);
    }

    /** A record with the content given, under {@code key}: what a damaged or hand-edited checkpoint may hold. */
    private static void putRaw(AgentStore store, String key, String content) throws Exception {
        store.commit(List.of(CheckpointLog.Change.put(key, content.getBytes(StandardCharsets.UTF_8))), true);
    }

    private Path logFile() {
        return workDir.resolve("meta").resolve(CheckpointLog.FILE);
    }

    @Test
    void whatIsWrittenIsReadBack() throws Exception {
        AgentStore store = fixture.store();
        TaskRun run = fixture.task("t1");
        store.saveFramework(framework());
        saveTask(store, run);
        run.latestStatus = status(run, TaskState.TASK_RUNNING, 2);
        run.killGracePeriod = Duration.ofMillis(1500);
        run.orphaned = true;
        saveUpdates(store, run, List.of(status(run, TaskState.TASK_STARTING, 1), run.latestStatus));

        AgentStore.Replay replay = fixture.store().replay();

        // Compared as Mesos JSON: the JSON form spells out default values, which protobuf equality tells apart.
        assertThat(replay.frameworks()).extracting(MesosJson::print).containsExactly(MesosJson.print(framework()));
        assertThat(replay.unreadable()).isEmpty();
        AgentStore.StoredTask stored = replay.tasks().get(0);
        assertThat(MesosJson.print(stored.task())).isEqualTo(MesosJson.print(run.task));
        assertThat(stored.containerId()).isEqualTo("c-t1");
        assertThat(stored.sandbox()).isEqualTo(run.sandbox);
        assertThat(stored.runDir()).isEqualTo(run.runDir);
        assertThat(stored.latest()).isEqualTo(run.latestStatus);
        assertThat(stored.pending()).containsExactly(status(run, TaskState.TASK_STARTING, 1), run.latestStatus);
        assertThat(stored.killGracePeriod()).isEqualTo(Duration.ofMillis(1500));
        assertThat(stored.orphaned()).isTrue();
        assertThat(workDir.resolve("meta/frameworks")).as("records are in the log, not files").doesNotExist();
    }

    @Test
    void aTaskWithoutUpdatesYetIsReadBackAsNeverStarted() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        saveTask(store, fixture.task("t1"));

        AgentStore.StoredTask stored = store.replay().tasks().get(0);

        assertThat(stored.latest()).isNull();
        assertThat(stored.pending()).isEmpty();
        assertThat(stored.killGracePeriod()).isNull();
        assertThat(stored.orphaned()).isFalse();
    }

    @Test
    void aDamagedOrGarbledRecordComesBackUnreadableWithItsIdsAndAReason() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun damaged = fixture.task("damaged");
        TaskRun garbled = fixture.task("garbled");
        TaskRun fine = fixture.task("fine");
        for (TaskRun run : List.of(damaged, garbled, fine)) {
            saveTask(store, run);
            run.latestStatus = status(run, TaskState.TASK_RUNNING, 1);
            saveUpdates(store, run, List.of());
        }
        putRaw(store, store.updatesKey(garbled), "\u0000\u0001 not json");
        byte[] log = Files.readAllBytes(logFile());
        int at = indexOf(log, "\"damaged\"", indexOf(log, store.taskInfoKey(damaged), 0)); // inside its value
        log[at] ^= 0x20; // one flipped bit on a failing disk
        Files.write(logFile(), log);

        AgentStore.Replay replay = fixture.store().replay();

        assertThat(replay.tasks()).extracting(task -> task.task().getTaskId().getValue()).containsExactly("fine");
        assertThat(replay.unreadable()).extracting(task -> task.taskId().getValue())
                .containsExactlyInAnyOrder("damaged", "garbled");
        assertThat(replay.unreadable()).allSatisfy(task -> {
            assertThat(task.frameworkId()).isEqualTo(FRAMEWORK);
            assertThat(task.containerId()).isEqualTo("c-" + task.taskId().getValue());
            assertThat(task.runDir()).isEqualTo(fixture.task(task.taskId().getValue()).runDir);
            assertThat(task.reason()).contains("damaged");
        });
    }

    @Test
    void aRecordOfAnotherTaskOrAnUpdateWithoutUuidIsUnreadable() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun run = fixture.task("t1");
        saveTask(store, run);
        TaskStatus noUuid = TaskStatus.newBuilder().setTaskId(run.task.getTaskId())
                .setState(TaskState.TASK_RUNNING).build();
        saveUpdates(store, run, List.of(noUuid));
        TaskRun other = fixture.task("t2");
        // t2's key holds t1's record, as if records were moved around by hand.
        putRaw(store, store.taskInfoKey(other), new String(store.taskRecord(run), StandardCharsets.UTF_8));

        AgentStore.Replay replay = store.replay();

        assertThat(replay.tasks()).isEmpty();
        assertThat(replay.unreadable()).extracting(AgentStore.Unreadable::reason).anySatisfy(
                reason -> assertThat(reason).contains("without a valid uuid")).anySatisfy(
                reason -> assertThat(reason).contains("names task 't1'"));
    }

    @Test
    void anUnreadableFrameworkMakesEachOfItsTasksUnreadable() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        saveTask(store, fixture.task("t1"));
        putRaw(store, "frameworks/F1/framework.info", "");

        AgentStore.Replay replay = store.replay();

        assertThat(replay.frameworks()).isEmpty();
        assertThat(replay.unreadable()).singleElement()
                .satisfies(task -> assertThat(task.reason()).contains("framework's record is unreadable"));
    }

    @Test
    void aCrashDuringAnAppendLeavesTheRecordsBeforeIt() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun run = fixture.task("t1");
        saveTask(store, run);
        run.latestStatus = status(run, TaskState.TASK_RUNNING, 1);
        saveUpdates(store, run, List.of());
        long whole = Files.size(logFile());
        run.latestStatus = status(run, TaskState.TASK_FINISHED, 2);
        saveUpdates(store, run, List.of(run.latestStatus));
        // What a crash in the middle of the last append leaves: part of its record.
        try (var channel = java.nio.channels.FileChannel.open(logFile(), java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(whole + 20);
        }

        AgentStore reopened = fixture.store();
        AgentStore.Replay replay = reopened.replay();

        assertThat(replay.unreadable()).isEmpty();
        assertThat(replay.tasks().get(0).latest().getState()).isEqualTo(TaskState.TASK_RUNNING);
        assertThat(Files.size(logFile())).as("the torn tail is cut off").isEqualTo(whole);
        saveUpdates(reopened, run, List.of(run.latestStatus)); // and appends after it read back
        assertThat(fixture.store().replay().tasks().get(0).latest().getState()).isEqualTo(TaskState.TASK_FINISHED);
    }

    @Test
    void recordsWhoseKeysAreNotValidIdsAreIgnored() throws Exception {
        AgentStore store = fixture.store();
        putRaw(store, "frameworks/bad\u0001id/framework.info", "{}");
        putRaw(store, "frameworks/F1/executors/../runs/c/tasks/t/task.info", "{}");
        putRaw(store, "frameworks/F1/somewhere/else", "{}");

        assertThat(store.replay().isEmpty()).isTrue();
    }

    @Test
    void removingTheLastTaskOfAFrameworkRemovesTheFrameworkButNotTheSandbox() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun first = fixture.task("t1");
        TaskRun second = fixture.task("t2");
        saveTask(store, first);
        saveTask(store, second);
        Files.createDirectories(first.sandbox);
        Files.createDirectories(first.runDir); // what the containerizer makes for the launcher's files
        Files.writeString(first.runDir.resolve("task.pid"), "1\n");

        store.remove(FRAMEWORK, first.runDir);
        assertThat(first.runDir).doesNotExist();
        assertThat(fixture.store().replay().tasks()).hasSize(1);
        assertThat(store.hasFramework(FRAMEWORK)).isTrue();

        store.remove(FRAMEWORK, second.runDir);
        assertThat(store.hasFramework(FRAMEWORK)).isFalse();
        assertThat(workDir.resolve("meta/frameworks/F1")).doesNotExist();
        assertThat(first.sandbox).exists();
        assertThat(fixture.store().replay().isEmpty()).isTrue();
        assertThat(fixture.store().replay().frameworks()).isEmpty();
    }

    @Test
    void anExecutorIsReadBackUntilItIsRemovedAndADamagedRecordIsSkipped() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        org.apache.mesos.v1.Protos.ExecutorInfo info = org.apache.mesos.v1.Protos.ExecutorInfo.newBuilder()
                .setType(org.apache.mesos.v1.Protos.ExecutorInfo.Type.CUSTOM)
                .setExecutorId(org.apache.mesos.v1.Protos.ExecutorID.newBuilder().setValue("e1"))
                .setFrameworkId(FRAMEWORK).setCommand(CommandInfo.newBuilder().setValue("./executor")).build();
        ExecutorRun executor = new ExecutorRun(FRAMEWORK, info, "c-e1", workDir.resolve("sandboxes/e1"),
                store.runDir(FRAMEWORK, "e1", "c-e1"));
        store.saveLaunch(Optional.of(executor), List.of());

        AgentStore.StoredExecutor stored = fixture.store().replay().executors().get(0);
        assertThat(MesosJson.print(stored.info())).isEqualTo(MesosJson.print(info));
        assertThat(stored.containerId()).isEqualTo("c-e1");
        assertThat(stored.sandbox()).isEqualTo(executor.sandbox);
        assertThat(stored.runDir()).isEqualTo(executor.runDir);

        String key = "frameworks/F1/executors/e1/executor.info";
        putRaw(store, key, "{\"executor\": {\"executor_id\": {\"value\": \"e1\"}}, \"container_id\": \"../x\"");
        assertThat(fixture.store().replay().executors()).isEmpty(); // damaged: skipped, never thrown
        putRaw(store, key, "{\"executor\": {\"executor_id\": {\"value\": \"e1\"}}, \"container_id\":"
                + " \"../../elsewhere\", \"sandbox\": \"/tmp\"}");
        assertThat(fixture.store().replay().executors()).isEmpty(); // a container id that is no id: refused

        store.saveLaunch(Optional.of(executor), List.of());
        store.removeExecutor(FRAMEWORK, "e1");
        assertThat(fixture.store().replay().executors()).isEmpty();
    }

    @Test
    void aCheckpointOfTheEarlierLayoutIsReadIntoTheLogAndItsFilesGo() throws Exception {
        // An agent of the earlier release left one file per record; its task's launcher files sit in the run dir.
        TaskRun run = fixture.task("t1");
        Path frameworkDir = workDir.resolve("meta/frameworks/F1");
        Files.createDirectories(frameworkDir);
        Files.write(frameworkDir.resolve("framework.info"), MesosJson.printBytes(framework()));
        Path taskDir = Files.createDirectories(run.runDir.resolve("tasks/t1"));
        run.latestStatus = status(run, TaskState.TASK_RUNNING, 1);
        AgentStore scratch = new AgentStore(workDir.resolve("scratch")); // only to make the records' content
        Files.write(taskDir.resolve("task.info"), scratch.taskRecord(run));
        Files.write(taskDir.resolve("task.updates"), scratch.updatesRecord(run, List.of(run.latestStatus)));
        Files.writeString(taskDir.resolve("task.updates.tmp"), "{\"latest\""); // a write a crash cut short
        Files.writeString(run.runDir.resolve("task.pid"), "4242\n");

        AgentStore.Replay replay = fixture.store().replay();

        assertThat(replay.frameworks()).extracting(MesosJson::print).containsExactly(MesosJson.print(framework()));
        assertThat(replay.unreadable()).isEmpty();
        AgentStore.StoredTask stored = replay.tasks().get(0);
        assertThat(stored.runDir()).isEqualTo(run.runDir);
        assertThat(stored.latest()).isEqualTo(run.latestStatus);
        assertThat(stored.pending()).containsExactly(run.latestStatus);
        assertThat(frameworkDir.resolve("framework.info")).doesNotExist();
        assertThat(run.runDir.resolve("tasks")).doesNotExist();
        assertThat(run.runDir.resolve("task.pid")).hasContent("4242");
        assertThat(fixture.store().replay().tasks()).hasSize(1); // read from the log from now on
    }

    private static int indexOf(byte[] haystack, String needle, int from) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = from; i <= haystack.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(needle + " not found");
    }
}
