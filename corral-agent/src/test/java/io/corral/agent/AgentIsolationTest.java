package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.DiskUsageIsolator;
import io.corral.agent.containerizer.Isolators;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.TaskUsers;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.ManualTimers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of isolation: a limitation an isolator found becomes TASK_FAILED with its Mesos reason, from the
 * agent (SOURCE_AGENT, v0 SOURCE_SLAVE); a task for a user this machine lacks fails with a clear message.
 */
class AgentIsolationTest {
    private static final AgentID AGENT_ID = AgentID.newBuilder().setValue("M-S1").build();
    private static final MasterInfo MASTER = MasterInfo.newBuilder().setId("M").setIp(0).setPort(5050).build();
    private static final Duration DISK_INTERVAL = Duration.ofSeconds(15);

    @TempDir Path workDir;

    private final EventLoop loop = new EventLoop("agent-loop");
    private final ScheduledExecutorService killTimers = Executors.newSingleThreadScheduledExecutor();
    private final ManualTimers diskClock = new ManualTimers(0);
    private Agent agent;
    private MasterChannel channel;

    @BeforeEach
    void startAgent() throws Exception {
        Isolators isolators = new Isolators(List.of(
                new DiskUsageIsolator(diskClock, DISK_INTERVAL, workDir.resolve("disk-state"))));
        agent = new Agent(AgentInfo.newBuilder().setHostname("localhost").setPort(5051).build(), workDir,
                new ProcessContainerizer(killTimers, isolators, TaskUsers.switchingWhenRoot(true)),
                new ManualTimers(0), loop::execute, id -> { });
        MasterChannel channel = new MasterChannel() {
            @Override
            public void send(AgentCall call) {
                // the agent's records are read instead
            }

            @Override
            public void registered(AgentID id) {}

            @Override
            public boolean isRegistered() {
                return true;
            }
        };
        onLoop(() -> {
            agent.recover();
            agent.connected(channel);
            agent.handle(AgentEvent.registered(AGENT_ID, MASTER, 15), channel);
        });
        this.channel = channel;
    }

    @AfterEach
    void stop() throws Exception {
        try (Stream<Path> files = Files.walk(workDir)) {
            files.filter(path -> path.getFileName().toString().equals("task.pid")).forEach(pidFile -> {
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                            .ifPresent(ProcessHandle::destroyForcibly);
                } catch (Exception ignored) {
                    // already gone
                }
            });
        }
        loop.close();
        killTimers.shutdownNow();
    }

    @Test
    void aTaskOverItsDiskEndsFailedWithTheDiskLimitationFromTheAgent() throws Exception {
        launch("root", "big", "dd if=/dev/zero of=big bs=1M count=2 2>/dev/null; : > written; exec sleep 1000",
                Resource.newBuilder().setName("disk").setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(1)).build());
        await().until(() -> update("big", TaskState.TASK_RUNNING), found -> found != null);
        await().until(() -> find("written"), found -> found != null);

        diskClock.advance(DISK_INTERVAL);

        TaskStatus failed = await().until(() -> update("big", TaskState.TASK_FAILED), found -> found != null);
        assertThat(failed.getReason()).isEqualTo(TaskStatus.Reason.REASON_CONTAINER_LIMITATION_DISK);
        assertThat(failed.getSource()).isEqualTo(TaskStatus.Source.SOURCE_AGENT);
        assertThat(failed.getMessage()).isEqualTo("Disk limit exceeded: the sandbox uses 2.0 MB of its 1.0 MB");
    }

    @Test
    void aTaskForAnUnknownUserFailsSayingSo() {
        assumeThat(System.getProperty("user.name")).as("an agent running as root switches users").isEqualTo("root");

        launch("no-such-user-x", "t1", "true");

        TaskStatus failed = await().until(() -> update("t1", TaskState.TASK_FAILED), found -> found != null);
        assertThat(failed.getMessage()).contains("user 'no-such-user-x' does not exist on this agent");
        assertThat(failed.getReason()).isEqualTo(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED);
    }

    private void launch(String user, String taskId, String script, Resource... resources) {
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser(user).setName("f")
                .setId(FrameworkID.newBuilder().setValue("F1")).build();
        onLoop(() -> agent.handle(AgentEvent.launch(framework, TaskInfo.newBuilder().setName(taskId)
                .setTaskId(TaskID.newBuilder().setValue(taskId)).setAgentId(AGENT_ID)
                .setCommand(CommandInfo.newBuilder().setValue(script)).addAllResources(List.of(resources))
                .build()), channel));
    }

    private Path find(String name) throws Exception {
        try (Stream<Path> files = Files.walk(workDir)) {
            return files.filter(path -> path.getFileName().toString().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * The task's latest status when it is in {@code state}, else null. (Updates reach the master one at a time as
     * each is acknowledged; the agent's own record is what the test reads.)
     */
    private TaskStatus update(String taskId, TaskState state) {
        return loop.submit(() -> agent.tasks().stream()
                .filter(run -> run.task.getTaskId().getValue().equals(taskId))
                .map(run -> run.latestStatus)
                .filter(status -> status != null && status.getState() == state)
                .findFirst().orElse(null)).join();
    }

    private void onLoop(Runnable action) {
        loop.submit(() -> {
            action.run();
            return null;
        }).join();
    }
}
