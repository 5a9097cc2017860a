package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.corral.protocol.json.MesosJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
            return new TaskRun(FRAMEWORK, task, container, workDir.resolve("sandboxes").resolve(id),
                    store().runDir(FRAMEWORK, id, container));
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

    @Test
    void whatIsWrittenIsReadBack() throws Exception {
        AgentStore store = fixture.store();
        TaskRun run = fixture.task("t1");
        store.saveFramework(framework());
        store.saveTask(run);
        run.latestStatus = status(run, TaskState.TASK_RUNNING, 2);
        run.killGracePeriod = Duration.ofMillis(1500);
        run.orphaned = true;
        store.saveUpdates(run, List.of(status(run, TaskState.TASK_STARTING, 1), run.latestStatus));

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
    }

    @Test
    void aTaskWithoutUpdatesYetIsReadBackAsNeverStarted() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        store.saveTask(fixture.task("t1"));

        AgentStore.StoredTask stored = store.replay().tasks().get(0);

        assertThat(stored.latest()).isNull();
        assertThat(stored.pending()).isEmpty();
        assertThat(stored.killGracePeriod()).isNull();
        assertThat(stored.orphaned()).isFalse();
    }

    @Test
    void truncatedOrGarbledRecordsComeBackUnreadableWithTheirIdsAndAReason() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun truncated = fixture.task("truncated");
        TaskRun garbled = fixture.task("garbled");
        TaskRun fine = fixture.task("fine");
        for (TaskRun run : List.of(truncated, garbled, fine)) {
            store.saveTask(run);
            run.latestStatus = status(run, TaskState.TASK_RUNNING, 1);
            store.saveUpdates(run, List.of());
        }
        Path info = truncated.runDir.resolve("tasks/truncated/task.info");
        byte[] whole = Files.readAllBytes(info);
        Files.write(info, java.util.Arrays.copyOf(whole, whole.length / 2));
        Files.writeString(garbled.runDir.resolve("tasks/garbled/task.updates"), "\u0000\u0001 not json");

        AgentStore.Replay replay = store.replay();

        assertThat(replay.tasks()).extracting(task -> task.task().getTaskId().getValue()).containsExactly("fine");
        assertThat(replay.unreadable()).extracting(task -> task.taskId().getValue())
                .containsExactlyInAnyOrder("truncated", "garbled");
        assertThat(replay.unreadable()).allSatisfy(task -> {
            assertThat(task.frameworkId()).isEqualTo(FRAMEWORK);
            assertThat(task.containerId()).isEqualTo("c-" + task.taskId().getValue());
            assertThat(task.reason()).contains("damaged");
        });
    }

    @Test
    void aRecordOfAnotherTaskOrAnUpdateWithoutUuidIsUnreadable() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun run = fixture.task("t1");
        store.saveTask(run);
        TaskStatus noUuid = TaskStatus.newBuilder().setTaskId(run.task.getTaskId())
                .setState(TaskState.TASK_RUNNING).build();
        store.saveUpdates(run, List.of(noUuid));
        TaskRun other = fixture.task("t2");
        store.saveTask(other);
        // t2's directory now holds t1's record, as if files were moved around by hand.
        Files.copy(run.runDir.resolve("tasks/t1/task.info"), other.runDir.resolve("tasks/t2/task.info"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

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
        store.saveTask(fixture.task("t1"));
        Files.writeString(workDir.resolve("meta/frameworks/F1/framework.info"), "");

        AgentStore.Replay replay = store.replay();

        assertThat(replay.frameworks()).isEmpty();
        assertThat(replay.unreadable()).singleElement()
                .satisfies(task -> assertThat(task.reason()).contains("framework's record is unreadable"));
    }

    @Test
    void aCrashBetweenWritingTheTemporaryFileAndRenamingLeavesTheOldRecord() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun run = fixture.task("t1");
        store.saveTask(run);
        run.latestStatus = status(run, TaskState.TASK_RUNNING, 1);
        store.saveUpdates(run, List.of());
        // What a crash in the middle of the next write leaves: a partial temporary file beside the record.
        Files.writeString(run.runDir.resolve("tasks/t1/task.updates.tmp"), "{\"latest\":{\"task_id\"");

        AgentStore.Replay replay = store.replay();

        assertThat(replay.unreadable()).isEmpty();
        assertThat(replay.tasks().get(0).latest().getState()).isEqualTo(TaskState.TASK_RUNNING);
    }

    @Test
    void directoriesThatAreNotValidIdsAreIgnored() throws Exception {
        AgentStore store = fixture.store();
        Files.createDirectories(workDir.resolve("meta/frameworks/bad\u0001id/executors/e/runs/c/tasks/t"));

        assertThat(store.replay().isEmpty()).isTrue();
    }

    @Test
    void removingTheLastTaskOfAFrameworkRemovesTheFrameworkButNotTheSandbox() throws Exception {
        AgentStore store = fixture.store();
        store.saveFramework(framework());
        TaskRun first = fixture.task("t1");
        TaskRun second = fixture.task("t2");
        store.saveTask(first);
        store.saveTask(second);
        Files.createDirectories(first.sandbox);

        store.remove(FRAMEWORK, first.runDir);
        assertThat(first.runDir).doesNotExist();
        assertThat(store.replay().tasks()).hasSize(1);
        assertThat(workDir.resolve("meta/frameworks/F1/framework.info")).exists();

        store.remove(FRAMEWORK, second.runDir);
        assertThat(workDir.resolve("meta/frameworks/F1")).doesNotExist();
        assertThat(first.sandbox).exists();
        assertThat(store.replay().isEmpty()).isTrue();
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
        store.saveExecutor(executor);

        AgentStore.StoredExecutor stored = fixture.store().replay().executors().get(0);
        assertThat(MesosJson.print(stored.info())).isEqualTo(MesosJson.print(info));
        assertThat(stored.containerId()).isEqualTo("c-e1");
        assertThat(stored.sandbox()).isEqualTo(executor.sandbox);
        assertThat(stored.runDir()).isEqualTo(executor.runDir);

        Path record = workDir.resolve("meta/frameworks/F1/executors/e1/executor.info");
        Files.writeString(record, "{\"executor\": {\"executor_id\": {\"value\": \"e1\"}}, \"container_id\": \"../x\"");
        assertThat(fixture.store().replay().executors()).isEmpty(); // damaged: skipped, never thrown
        Files.writeString(record, "{\"executor\": {\"executor_id\": {\"value\": \"e1\"}}, \"container_id\":"
                + " \"../../elsewhere\", \"sandbox\": \"/tmp\"}");
        assertThat(fixture.store().replay().executors()).isEmpty(); // a container id that is no id: refused

        store.saveExecutor(executor);
        store.removeExecutor(FRAMEWORK, "e1");
        assertThat(fixture.store().replay().executors()).isEmpty();
    }
}
