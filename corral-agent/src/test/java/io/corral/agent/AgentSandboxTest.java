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
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CheckInfo;
import org.apache.mesos.v1.Protos.CheckStatusInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.HealthCheck;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with real task processes, its fetcher, health checks, checks and sandbox GC: the clock is manual
 * (advanced on the agent's loop), the probes and fetches run on their real workers, and every status update goes
 * through the reliable path (the test acknowledges each one as the master would, or the next is not sent).
 */
class AgentSandboxTest {
    private static final AgentID AGENT_ID = AgentID.newBuilder().setValue("M-S1").build();
    private static final FrameworkInfo FRAMEWORK = FrameworkInfo.newBuilder().setUser("u").setName("f")
            .setId(FrameworkID.newBuilder().setValue("F1")).build();
    private static final MasterInfo MASTER = MasterInfo.newBuilder().setId("M").setIp(0).setPort(5050).build();
    private static final Duration GC_DELAY = Duration.ofHours(1);

    @TempDir Path workDir;
    private final List<Incarnation> incarnations = new ArrayList<>();

    private final class Incarnation {
        final EventLoop loop = new EventLoop("agent-loop-" + incarnations.size());
        final ScheduledExecutorService killTimers = Executors.newSingleThreadScheduledExecutor();
        final ManualTimers timers = new ManualTimers(System.currentTimeMillis());
        final List<AgentCall> sent = new CopyOnWriteArrayList<>();
        final MasterChannel channel = new MasterChannel() {
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
        };
        final Agent agent;

        Incarnation() {
            incarnations.add(this);
            AgentInfo info = AgentInfo.newBuilder().setHostname("localhost").setPort(5051).build();
            // No headroom and an empty disk, whatever the machine's: the disk watermark shortens gc_delay by both
            // (Mesos's gc_delay x (1 - headroom - usage)); with the default headroom of 0.1 the check at minute 54
            // removed a sandbox "early", whenever it beat the test's look at minute 59 (once in CI).
            AgentServices services = AgentServices.create(workDir, 1 << 20, Duration.ofSeconds(10), 1 << 20,
                    new SandboxGc.Policy(GC_DELAY, 0.0, Duration.ofMinutes(1)));
            services = new AgentServices(services.fetcher(), services.worker(), services.gcPolicy(), () -> 0.0,
                    services.executorTokens());
            agent = new Agent(info, workDir, new ProcessContainerizer(killTimers), timers, loop::execute, id -> { },
                    Agent.DEFAULT_EXECUTOR_REGISTRATION_TIMEOUT, services);
            onLoop(() -> {
                agent.recover();
                agent.connected(channel);
                agent.handle(AgentEvent.registered(AGENT_ID, MASTER, 15), channel);
            });
        }

        void launch(TaskInfo.Builder task) {
            TaskInfo info = task.setAgentId(AGENT_ID).setName(task.getTaskId().getValue()).build();
            onLoop(() -> agent.handle(AgentEvent.launch(FRAMEWORK, info), channel));
        }

        List<TaskStatus> updates(String taskId) {
            return sent.stream().flatMap(call -> call.statusUpdates().stream()).map(AgentCall.Update::status)
                    .filter(status -> status.getTaskId().getValue().equals(taskId)).toList();
        }

        /** Waits for the {@code n}th update (from 1) of the task and acknowledges it. */
        TaskStatus acknowledge(String taskId, int n) {
            TaskStatus status = await().until(() -> updates(taskId).size() >= n ? updates(taskId).get(n - 1) : null,
                    found -> found != null);
            onLoop(() -> agent.handle(AgentEvent.acknowledge(FRAMEWORK.getId(), status.getTaskId(),
                    Base64.getEncoder().encodeToString(status.getUuid().toByteArray())), channel));
            return status;
        }

        void advance(Duration step) {
            onLoop(() -> timers.advance(step));
        }

        TaskRun task(String taskId) {
            return onLoop(() -> agent.tasks().stream().filter(run -> run.task.getTaskId().getValue().equals(taskId))
                    .findFirst().orElse(null));
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

        void crash() {
            loop.close();
            killTimers.shutdownNow();
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        incarnations.forEach(Incarnation::crash);
        // Kill what the tests left running, launchers included, and wait: a launcher writing its exit status while
        // the temporary directory is deleted would make the deletion fail.
        List<ProcessHandle> stopped = new ArrayList<>();
        try (var files = Files.walk(workDir)) {
            for (Path pidFile : files.filter(path -> path.getFileName().toString().equals("task.pid")
                    || path.getFileName().toString().equals("launcher.pid")).toList()) {
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]))
                            .ifPresent(process -> {
                                process.destroyForcibly();
                                stopped.add(process);
                            });
                } catch (Exception ignored) {
                    // already gone
                }
            }
        }
        stopped.forEach(process -> process.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(timeout -> null).join());
    }

    private static TaskInfo.Builder task(String id, String command) {
        return TaskInfo.newBuilder().setTaskId(TaskID.newBuilder().setValue(id))
                .setCommand(CommandInfo.newBuilder().setValue(command));
    }

    @Test
    void uriFetchedIntoTheSandboxBeforeTheTaskStarts() throws Exception {
        Path tool = Files.writeString(workDir.resolve("tool.sh"), "#!/bin/sh\necho fetched > out.txt\n");
        Incarnation agent = new Incarnation();
        TaskInfo.Builder task = task("t1", "./tool.sh");
        task.getCommandBuilder().addUris(CommandInfo.URI.newBuilder().setValue(tool.toString()).setExecutable(true));
        agent.launch(task);
        assertThat(agent.acknowledge("t1", 1).getState()).isEqualTo(TaskState.TASK_STARTING);
        assertThat(agent.acknowledge("t1", 2).getState()).isEqualTo(TaskState.TASK_RUNNING);
        TaskStatus finished = agent.acknowledge("t1", 3);
        assertThat(finished.getState()).isEqualTo(TaskState.TASK_FINISHED);
        Path sandbox = workDir.resolve("slaves/M-S1/frameworks/F1/executors/t1/runs");
        try (var runs = Files.list(sandbox)) {
            assertThat(runs.findFirst().orElseThrow().resolve("out.txt")).hasContent("fetched");
        }
    }

    @Test
    void aFailedFetchFailsTheTaskWithTheCauseAndStartsNothing() {
        Incarnation agent = new Incarnation();
        TaskInfo.Builder task = task("t1", "touch started");
        task.getCommandBuilder().addUris(CommandInfo.URI.newBuilder()
                .setValue(workDir.resolve("missing.tar.gz").toString()));
        agent.launch(task);
        TaskStatus failed = agent.acknowledge("t1", 1);
        assertThat(failed.getState()).isEqualTo(TaskState.TASK_FAILED);
        assertThat(failed.getReason()).isEqualTo(Reason.REASON_CONTAINER_LAUNCH_FAILED);
        assertThat(failed.getMessage()).startsWith("Failed to fetch all URIs for container")
                .contains("missing.tar.gz").contains("does not exist");
        await().until(() -> agent.task("t1") == null);
        assertThat(agent.updates("t1")).hasSize(1);
    }

    @Test
    void aKillDuringTheFetchEndsTheTaskAtOnceAndStartsNothing() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/slow", exchange -> {
            try {
                release.await();
                exchange.sendResponseHeaders(200, 2);
                exchange.getResponseBody().write("ok".getBytes());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        try {
            Incarnation agent = new Incarnation();
            TaskInfo.Builder task = task("t1", "touch started");
            task.getCommandBuilder().addUris(CommandInfo.URI.newBuilder()
                    .setValue("http://127.0.0.1:" + server.getAddress().getPort() + "/slow"));
            agent.launch(task);
            await().until(() -> agent.task("t1") != null && agent.task("t1").fetch != null);
            agent.onLoop(() -> agent.agent.handle(AgentEvent.kill(FRAMEWORK.getId(),
                    TaskID.newBuilder().setValue("t1").build(), 0), agent.channel));
            TaskStatus killed = agent.acknowledge("t1", 1);
            assertThat(killed.getState()).isEqualTo(TaskState.TASK_KILLED);
            assertThat(killed.getReason()).isEqualTo(Reason.REASON_TASK_KILLED_DURING_LAUNCH);
            Path sandbox = agent.task("t1") == null ? null : agent.task("t1").sandbox;
            release.countDown();
            await().until(() -> agent.task("t1") == null);
            // The download ends in the background: it must start and report nothing.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> agent.updates("t1").size() == 1);
            if (sandbox != null) {
                assertThat(sandbox.resolve("started")).doesNotExist();
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aTaskFailingItsHealthCheckIsReportedUnhealthyThenKilled() throws Exception {
        Incarnation agent = new Incarnation();
        agent.launch(task("web", "sleep 1000").setHealthCheck(HealthCheck.newBuilder()
                .setType(HealthCheck.Type.COMMAND).setCommand(CommandInfo.newBuilder().setValue("test -e healthy"))
                .setDelaySeconds(1).setIntervalSeconds(1).setGracePeriodSeconds(0).setConsecutiveFailures(2)));
        agent.acknowledge("web", 1); // STARTING
        TaskStatus running = agent.acknowledge("web", 2);
        assertThat(running.hasHealthy()).isFalse();
        Path sandbox = agent.task("web").sandbox;
        Files.createFile(sandbox.resolve("healthy"));

        agent.advance(Duration.ofSeconds(1));
        TaskStatus healthy = agent.acknowledge("web", 3);
        assertThat(healthy.getState()).isEqualTo(TaskState.TASK_RUNNING);
        assertThat(healthy.getHealthy()).isTrue();
        assertThat(healthy.getReason()).isEqualTo(Reason.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);

        Files.delete(sandbox.resolve("healthy"));
        agent.advance(Duration.ofSeconds(1));
        TaskStatus unhealthy = agent.acknowledge("web", 4);
        assertThat(unhealthy.getHealthy()).isFalse();
        assertThat(unhealthy.getState()).isEqualTo(TaskState.TASK_RUNNING);
        assertThat(unhealthy.getMessage()).contains("exit code 1");

        agent.advance(Duration.ofSeconds(1)); // the second failure in a row: the task is killed
        TaskStatus lastUnhealthy = agent.acknowledge("web", 5);
        assertThat(lastUnhealthy.getHealthy()).isFalse();
        TaskStatus killed = agent.acknowledge("web", 6);
        assertThat(killed.getState()).isEqualTo(TaskState.TASK_KILLED);
        assertThat(killed.getHealthy()).isFalse();
        agent.advance(Duration.ofSeconds(5));
        assertThat(agent.updates("web")).hasSize(6); // nothing after the kill
    }

    @Test
    void aCheckResultGoesOutAsACheckStatusUpdate() {
        Incarnation agent = new Incarnation();
        CheckInfo check = CheckInfo.newBuilder().setType(CheckInfo.Type.COMMAND)
                .setCommand(CheckInfo.Command.newBuilder().setCommand(CommandInfo.newBuilder().setValue("exit 3")))
                .setDelaySeconds(1).setIntervalSeconds(1).build();
        agent.launch(task("t1", "sleep 1000").setCheck(check));
        assertThat(agent.acknowledge("t1", 1).getCheckStatus().getType()).isEqualTo(CheckInfo.Type.COMMAND);
        TaskStatus running = agent.acknowledge("t1", 2);
        assertThat(running.getCheckStatus().getCommand().hasExitCode()).isFalse();

        agent.advance(Duration.ofSeconds(1));
        TaskStatus checked = agent.acknowledge("t1", 3);
        assertThat(checked.getState()).isEqualTo(TaskState.TASK_RUNNING);
        assertThat(checked.getReason()).isEqualTo(Reason.REASON_TASK_CHECK_STATUS_UPDATED);
        assertThat(checked.getCheckStatus()).isEqualTo(CheckStatusInfo.newBuilder().setType(CheckInfo.Type.COMMAND)
                .setCommand(CheckStatusInfo.Command.newBuilder().setExitCode(3)).build());

        agent.advance(Duration.ofSeconds(1)); // the same result again: no update
        agent.onLoop(() -> agent.agent.handle(AgentEvent.kill(FRAMEWORK.getId(),
                TaskID.newBuilder().setValue("t1").build(), 0), agent.channel));
        TaskStatus killed = agent.acknowledge("t1", 4);
        assertThat(killed.getState()).isEqualTo(TaskState.TASK_KILLED);
        assertThat(killed.hasHealthy()).isFalse();
    }

    @Test
    void anEndedTasksSandboxIsRemovedAfterGcDelayAndARunningOnesNever() throws Exception {
        Incarnation agent = new Incarnation();
        agent.launch(task("done", "exit 0"));
        agent.launch(task("running", "sleep 1000"));
        for (int n = 1; n <= 3; n++) {
            agent.acknowledge("done", n);
        }
        agent.acknowledge("running", 1);
        agent.acknowledge("running", 2);
        await().until(() -> agent.task("done") == null);
        Path done = workDir.resolve("slaves/M-S1/frameworks/F1/executors/done");
        Path running = agent.task("running").sandbox;
        assertThat(done).isDirectory();

        agent.advance(GC_DELAY.minusSeconds(1));
        assertThat(done).isDirectory();
        agent.advance(Duration.ofSeconds(1));
        await().until(() -> !Files.exists(done)); // its runs/ and executor directories went with it
        agent.advance(GC_DELAY.multipliedBy(10));
        assertThat(running).isDirectory();
        assertThat(workDir.resolve("slaves/M-S1/frameworks/F1/executors")).isDirectory();
    }

    @Test
    void aRestartedAgentSchedulesOldSandboxesByTheirAge() throws Exception {
        Incarnation first = new Incarnation();
        first.launch(task("old", "exit 0"));
        first.launch(task("new", "exit 0"));
        for (String id : List.of("old", "new")) {
            for (int n = 1; n <= 3; n++) {
                first.acknowledge(id, n);
            }
        }
        await().until(() -> first.task("old") == null && first.task("new") == null);
        first.crash(); // nothing of the GC's schedule is checkpointed
        Path old;
        try (var runs = Files.list(workDir.resolve("slaves/M-S1/frameworks/F1/executors/old/runs"))) {
            old = runs.findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(old, FileTime.fromMillis(System.currentTimeMillis()
                - GC_DELAY.toMillis() + 60_000)); // due in a minute

        Incarnation second = new Incarnation();
        assertThat(second.onLoop(() -> second.agent.tasks())).isEmpty();
        second.advance(Duration.ofMinutes(2));
        await().until(() -> !Files.exists(old));
        assertThat(workDir.resolve("slaves/M-S1/frameworks/F1/executors/new")).isDirectory();
    }

    @Test
    void aFullDiskShortensTheDelay() throws Exception {
        Incarnation agent = new Incarnation();
        agent.launch(task("done", "exit 0"));
        for (int n = 1; n <= 3; n++) {
            agent.acknowledge("done", n);
        }
        await().until(() -> agent.task("done") == null);
        Path done = workDir.resolve("slaves/M-S1/frameworks/F1/executors/done");
        SandboxGc gc = new SandboxGc(workDir, new SandboxGc.Policy(GC_DELAY, 0.1, Duration.ofMinutes(1)),
                agent.timers, Runnable::run, Runnable::run, () -> 0.95, sandbox -> false);
        agent.onLoop(() -> {
            gc.schedule(done.resolve("runs").toFile().listFiles()[0].toPath());
            gc.checkDiskUsage(); // 95 % used, headroom 0.1: nothing is kept
        });
        assertThat(done).doesNotExist();
    }
}
