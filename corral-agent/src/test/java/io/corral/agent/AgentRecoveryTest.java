package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.ManualTimers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that dies as with {@code kill -9} (its event loop and timers stop at once, nothing of it runs again)
 * and starts again on the same work dir, with real task processes: its tasks keep running, their ends are not
 * missed, and every status update reaches the master exactly once acknowledged.
 */
class AgentRecoveryTest {
    private static final AgentID AGENT_ID = AgentID.newBuilder().setValue("M-S1").build();
    private static final FrameworkInfo FRAMEWORK = FrameworkInfo.newBuilder().setUser("u").setName("f")
            .setId(FrameworkID.newBuilder().setValue("F1")).build();
    private static final MasterInfo MASTER = MasterInfo.newBuilder().setId("M").setIp(0).setPort(5050).build();

    @TempDir Path workDir;

    private final List<Incarnation> incarnations = new ArrayList<>();

    /** One run of the agent process: its loop, its timers, its Agent, and a channel recording what it sent. */
    private final class Incarnation {
        final EventLoop loop = new EventLoop("agent-loop-" + incarnations.size());
        final ScheduledExecutorService killTimers = Executors.newSingleThreadScheduledExecutor();
        final RecordingChannel channel = new RecordingChannel();
        final Agent agent;

        Incarnation() {
            this(AgentEvent.registered(AGENT_ID, MASTER, 15));
        }

        /** @param registered the master's REGISTERED event (what it takes: {@code capabilities}) */
        Incarnation(AgentEvent registered) {
            incarnations.add(this);
            AgentInfo info = AgentInfo.newBuilder().setHostname("localhost").setPort(5051).build();
            agent = new Agent(info, workDir, new ProcessContainerizer(killTimers), new ManualTimers(0),
                    loop::execute, id -> { });
            onLoop(() -> {
                agent.recover();
                agent.connected(channel);
                agent.handle(registered, channel);
            });
        }

        /**
         * Hands the agent an event and waits until it has been handled whole: its checkpoint records are written at
         * the end of the loop's burst (CheckpointBatch), by a flush queued behind it, so one more turn of the loop.
         */
        void event(AgentEvent event) {
            onLoop(() -> agent.handle(event, channel));
            onLoop(() -> { });
        }

        void launch(String taskId, String script) {
            event(AgentEvent.launch(FRAMEWORK, TaskInfo.newBuilder().setName(taskId)
                    .setTaskId(TaskID.newBuilder().setValue(taskId)).setAgentId(AGENT_ID)
                    .setCommand(CommandInfo.newBuilder().setValue(script)).build()));
        }

        /** Waits for the update of {@code taskId} in {@code state}, then acknowledges it as the master would. */
        TaskStatus acknowledge(String taskId, TaskState state) {
            TaskStatus status = await().until(() -> channel.update(taskId, state), found -> found != null);
            event(AgentEvent.acknowledge(FRAMEWORK.getId(), status.getTaskId(),
                    Base64.getEncoder().encodeToString(status.getUuid().toByteArray())));
            return status;
        }

        <T> T onLoop(Supplier<T> question) {
            return loop.submit(question).join();
        }

        void onLoop(Runnable action) {
            loop.submit(() -> {
                action.run();
                return null;
            }).join();
        }

        TaskRun task(String taskId) {
            return onLoop(() -> agent.tasks().stream().filter(run -> run.task.getTaskId().getValue().equals(taskId))
                    .findFirst().orElse(null));
        }

        /** kill -9: the loop stops with whatever was queued, the kill timers too; the task processes do not. */
        void crash() {
            loop.close();
            killTimers.shutdownNow();
        }
    }

    /** The master's end: records every call; the agent believes it is registered. */
    private static final class RecordingChannel implements MasterChannel {
        final List<AgentCall> sent = new CopyOnWriteArrayList<>();

        @Override
        public void send(AgentCall call) {
            sent.add(call);
        }

        @Override
        public void registered(AgentID id) {}

        @Override
        public boolean isRegistered() {
            return true;
        }

        List<TaskStatus> updates(String taskId) {
            return sent.stream().flatMap(call -> call.statusUpdates().stream()).map(AgentCall.Update::status)
                    .filter(status -> status.getTaskId().getValue().equals(taskId)).toList();
        }

        TaskStatus update(String taskId, TaskState state) {
            return updates(taskId).stream().filter(status -> status.getState() == state).findFirst().orElse(null);
        }
    }

    @AfterEach
    void stopEverything() {
        incarnations.forEach(Incarnation::crash);
        // Tasks are not the agent's children's business once it is gone: kill what the tests left running, and wait
        // for their launchers, which record the exit in the work dir, to end before it is deleted.
        List<ProcessHandle> launchers = files("launcher.pid").stream().flatMap(file -> pid(file).stream())
                .flatMap(pid -> ProcessHandle.of(pid).stream()).toList();
        for (Path pidFile : files("task.pid")) {
            pid(pidFile).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
        launchers.forEach(launcher -> launcher.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(timedOut -> launcher).join());
    }

    /** The pid a pid file (the task's, or the launcher's "pid start-ticks boot-id") begins with. */
    private static java.util.Optional<Long> pid(Path pidFile) {
        try {
            return java.util.Optional.of(Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]));
        } catch (Exception gone) {
            return java.util.Optional.empty();
        }
    }

    @Test
    void aRestartedAgentKeepsItsRunningTaskAndReportsTheOneThatEndedWhileItWasDown() throws Exception {
        Path release = workDir.resolve("release");
        Incarnation first = new Incarnation();
        first.launch("long", "sleep 1000");
        first.launch("short", "while [ ! -e " + release + " ]; do sleep 0.05; done");
        for (String task : List.of("long", "short")) {
            first.acknowledge(task, TaskState.TASK_STARTING);
            first.acknowledge(task, TaskState.TASK_RUNNING);
        }
        long longPid = first.task("long").container.pid();
        long longLauncher = first.task("long").container.launcherPid();

        first.crash();
        Files.createFile(release);
        await().until(() -> !files("exit_status").isEmpty()); // the short task ended, nobody watching

        Incarnation second = new Incarnation();
        assertThat(second.onLoop(() -> second.agent.id())).isEqualTo(AGENT_ID);
        AgentCall.Register register = second.onLoop(second.agent::registerCall).register();
        assertThat(register.agentInfo().getId()).isEqualTo(AGENT_ID);
        assertThat(register.tasks()).extracting(task -> task.task().getTaskId().getValue() + " "
                + task.latestStatus().getState()).containsExactlyInAnyOrder("long TASK_RUNNING", "short TASK_FINISHED");
        TaskStatus finished = second.acknowledge("short", TaskState.TASK_FINISHED);
        assertThat(finished.getMessage()).isEqualTo("Command exited with status 0");

        assertThat(second.task("short")).isNull(); // acknowledged: forgotten, checkpoint removed
        assertThat(second.channel.updates("short")).containsExactly(finished);
        assertThat(first.channel.update("short", TaskState.TASK_FINISHED)).isNull();
        TaskRun recovered = second.task("long");
        assertThat(recovered.state()).isEqualTo(TaskState.TASK_RUNNING);
        assertThat(recovered.container.pid()).isEqualTo(longPid);
        assertThat(recovered.container.launcherPid()).isEqualTo(longLauncher);
        assertThat(ProcessHandle.of(longPid).map(ProcessHandle::isAlive)).contains(true);
        assertThat(second.channel.updates("long")).isEmpty(); // RUNNING was acknowledged before the crash

        second.event(AgentEvent.kill(FRAMEWORK.getId(), TaskID.newBuilder().setValue("long").build(), 0));
        second.acknowledge("long", TaskState.TASK_KILLED);
        await().until(() -> second.task("long") == null);
        assertThat(checkpointKeys()).isEmpty();
        assertThat(workDir.resolve("meta/frameworks")).isEmptyDirectory(); // no run directory left
    }

    @Test
    void updatesUnacknowledgedAtTheCrashAreResentInOrderExactlyOnceEach() {
        Incarnation first = new Incarnation();
        first.launch("t1", "exit 0");
        TaskStatus starting = await().until(() -> first.channel.update("t1", TaskState.TASK_STARTING),
                found -> found != null);
        await().until(() -> files("exit_status").size() == 1);
        first.crash();

        Incarnation second = new Incarnation();
        assertThat(second.acknowledge("t1", TaskState.TASK_STARTING)).isEqualTo(starting); // same update, same uuid
        second.acknowledge("t1", TaskState.TASK_RUNNING);
        second.acknowledge("t1", TaskState.TASK_FINISHED);

        await().until(() -> second.task("t1") == null);
        assertThat(second.channel.updates("t1")).extracting(TaskStatus::getState)
                .containsExactly(TaskState.TASK_STARTING, TaskState.TASK_RUNNING, TaskState.TASK_FINISHED);
    }

    @Test
    void updatesAcknowledgedBeforeTheCrashAreNotSentAgain() {
        Incarnation first = new Incarnation();
        first.launch("long", "sleep 1000");
        first.acknowledge("long", TaskState.TASK_STARTING);
        first.acknowledge("long", TaskState.TASK_RUNNING);
        first.onLoop(() -> { }); // the acknowledgement's record (not forced to disk) is written by the next flush
        first.crash();

        Incarnation second = new Incarnation();
        second.onLoop(() -> { }); // registered: every pending update would have been resent by now

        assertThat(second.task("long")).isNotNull();
        assertThat(second.channel.updates("long")).isEmpty();
        second.event(AgentEvent.kill(FRAMEWORK.getId(), TaskID.newBuilder().setValue("long").build(), 0));
        second.acknowledge("long", TaskState.TASK_KILLED);
    }

    @Test
    void theUpdatesResentAfterARestartGoToTheMasterInOneCall() {
        List<String> tasks = List.of("a", "b", "c");
        Incarnation first = new Incarnation();
        tasks.forEach(task -> first.launch(task, "sleep 1000"));
        tasks.forEach(task -> await().until(() -> first.channel.update(task, TaskState.TASK_STARTING) != null));
        first.crash();

        Incarnation second = new Incarnation();
        second.onLoop(() -> { }); // registered: the pending heads were resent together

        assertThat(second.channel.sent).singleElement().satisfies(call -> {
            assertThat(call.type()).isEqualTo(AgentCall.Type.UPDATES);
            assertThat(call.updates()).extracting(update -> update.status().getTaskId().getValue())
                    .containsExactlyInAnyOrderElementsOf(tasks);
        });
    }

    @Test
    void aMasterThatDoesNotTakeUpdatesCallsGetsOneUpdateACall() {
        List<String> tasks = List.of("a", "b");
        Incarnation first = new Incarnation();
        tasks.forEach(task -> first.launch(task, "sleep 1000"));
        tasks.forEach(task -> await().until(() -> first.channel.update(task, TaskState.TASK_STARTING) != null));
        first.crash();

        // A master from before UPDATES: its REGISTERED names no capabilities.
        Incarnation second = new Incarnation(new AgentEvent(AgentEvent.Type.REGISTERED,
                new AgentEvent.Registered(AGENT_ID, MASTER, 15, null), null, null, null, null, null));
        second.onLoop(() -> { });

        assertThat(second.channel.sent).hasSize(2).allSatisfy(call ->
                assertThat(call.type()).isEqualTo(AgentCall.Type.UPDATE));
    }

    @Test
    void aKillRequestedBeforeTheCrashIsFinishedByTheRestartedAgent() throws Exception {
        Path ready = workDir.resolve("ready");
        Incarnation first = new Incarnation();
        first.launch("stubborn", "trap '' TERM; touch " + ready + "; while :; do sleep 0.05; done");
        first.acknowledge("stubborn", TaskState.TASK_STARTING);
        first.acknowledge("stubborn", TaskState.TASK_RUNNING);
        await().until(() -> Files.exists(ready));
        first.event(AgentEvent.kill(FRAMEWORK.getId(), TaskID.newBuilder().setValue("stubborn").build(),
                Duration.ofMillis(500).toNanos()));
        first.crash(); // before SIGKILL: the task ignores SIGTERM and keeps running

        Incarnation second = new Incarnation();
        TaskStatus killed = second.acknowledge("stubborn", TaskState.TASK_KILLED);

        assertThat(killed.getMessage()).isEqualTo("Command killed by SIGKILL after the 500ms grace period");
    }

    @Test
    void aTaskOfAFrameworkShutDownBeforeTheCrashIsKilledAfterItAndNeverReported() throws Exception {
        Path ready = workDir.resolve("ready");
        Incarnation first = new Incarnation();
        first.launch("orphan", "trap '' TERM; touch " + ready + "; while :; do sleep 0.05; done");
        first.acknowledge("orphan", TaskState.TASK_STARTING);
        await().until(() -> Files.exists(ready));
        long pid = first.task("orphan").container.pid();
        first.event(AgentEvent.shutdownFramework(FRAMEWORK.getId())); // RUNNING is still unacknowledged
        first.crash();

        Incarnation second = new Incarnation();

        await().until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)); // SIGKILL after 3 s
        await().until(() -> second.task("orphan") == null);
        assertThat(checkpointKeys()).isEmpty();
        assertThat(workDir.resolve("meta/frameworks")).isEmptyDirectory(); // no run directory left
        assertThat(second.channel.updates("orphan")).isEmpty();
    }

    @Test
    void aDamagedCheckpointReportsTheTaskLostKillsItAndDoesNotStopTheAgent() throws Exception {
        Incarnation first = new Incarnation();
        first.launch("t1", "sleep 1000");
        first.acknowledge("t1", TaskState.TASK_STARTING);
        first.acknowledge("t1", TaskState.TASK_RUNNING);
        long pid = first.task("t1").container.pid();
        first.crash();
        damageRecordHolding("sleep 1000"); // t1's task.info, one bit flipped as by a failing disk

        Incarnation second = new Incarnation();
        TaskStatus lost = second.acknowledge("t1", TaskState.TASK_LOST);

        assertThat(lost.getReason()).isEqualTo(TaskStatus.Reason.REASON_AGENT_RESTARTED);
        assertThat(lost.getMessage()).contains("could not read this task's checkpoint").contains("damaged");
        await().until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        await().until(() -> checkpointKeys().stream().noneMatch(key -> key.contains("/tasks/t1/")));
        second.launch("t2", "exit 0"); // and the agent carries on
        second.acknowledge("t2", TaskState.TASK_STARTING);
        second.acknowledge("t2", TaskState.TASK_RUNNING);
        second.acknowledge("t2", TaskState.TASK_FINISHED);
        await().until(() -> second.task("t2") == null);
        second.crash(); // nothing more is written into the work dir the test removes
    }

    /** The keys of the checkpoint's records, read from a copy of its log (the agent may be appending). */
    private java.util.Set<String> checkpointKeys() throws java.io.IOException {
        Path copy = Files.createTempFile("checkpoint", ".log");
        try {
            Files.copy(workDir.resolve("meta").resolve(CheckpointLog.FILE), copy,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (CheckpointLog log = CheckpointLog.open(copy)) {
                return java.util.Set.copyOf(log.under("").keySet());
            }
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Flips a bit of the first record in the checkpoint's log that holds {@code text}. */
    private void damageRecordHolding(String text) throws java.io.IOException {
        Path log = workDir.resolve("meta").resolve(CheckpointLog.FILE);
        byte[] bytes = Files.readAllBytes(log);
        int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf(text);
        assertThat(at).isPositive();
        bytes[at] ^= 0x01;
        Files.write(log, bytes);
    }

    private List<Path> files(String name) {
        Path meta = workDir.resolve("meta");
        if (!Files.isDirectory(meta)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(meta)) {
            return walk.filter(path -> path.getFileName().toString().equals(name)).toList();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return List.of(); // a directory vanished while walking: ask again
        }
    }
}
