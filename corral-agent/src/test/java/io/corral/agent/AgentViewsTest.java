package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.http.AgentMetrics;
import io.corral.agent.http.SandboxFiles;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.protocol.resources.ResourceSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The views the agent's loop publishes: current after every change, the same value while nothing changed, and
 * tasks the agent forgot kept as completed executors with their sandboxes, whose files stay readable. A real agent
 * (its loop, its containerizer, real processes); a recording channel stands for the master.
 */
class AgentViewsTest {
    private static final AgentID AGENT_ID = AgentID.newBuilder().setValue("M-S1").build();
    private static final FrameworkInfo FRAMEWORK = FrameworkInfo.newBuilder().setUser("u").setName("viewed")
            .setId(FrameworkID.newBuilder().setValue("F1")).build();

    @TempDir Path workDir;
    EventLoop loop;
    SystemTimers timers;
    ScheduledExecutorService killTimers;
    Agent agent;
    AgentViews views;
    final List<TaskStatus> sent = new CopyOnWriteArrayList<>();
    volatile boolean acknowledging;
    MasterChannel channel;

    @BeforeEach
    void startAgent() {
        loop = new EventLoop("agent-loop");
        timers = new SystemTimers(loop, "agent-timers");
        killTimers = Executors.newSingleThreadScheduledExecutor();
        agent = new Agent(AgentInfo.newBuilder().setHostname("127.0.0.1").setPort(5051)
                .addAllResources(ResourceSet.parse("cpus:2;mem:1024").toList()).build(), workDir,
                new ProcessContainerizer(killTimers), timers, loop::execute, id -> { });
        views = AgentViews.attach(agent, loop, System.currentTimeMillis());
        channel = new MasterChannel() {
            @Override
            public void send(AgentCall call) {
                for (AgentCall.Update update : call.statusUpdates()) {
                    TaskStatus status = update.status();
                    sent.add(status);
                    if (acknowledging) {
                        loop.execute(() -> agent.handle(AgentEvent.acknowledge(FRAMEWORK.getId(),
                                status.getTaskId(), Base64.getEncoder().encodeToString(status.getUuid()
                                        .toByteArray())), this));
                    }
                }
            }

            @Override
            public void registered(AgentID id) {}

            @Override
            public boolean isRegistered() {
                return true;
            }
        };
        loop.submit(() -> {
            agent.recover();
            agent.connected(channel);
            agent.handle(AgentEvent.registered(AGENT_ID, MasterInfo.newBuilder().setId("M").setIp(0).setPort(5050)
                    .build(), 15), channel);
            return null;
        }).join();
    }

    @AfterEach
    void stop() {
        loop.submit(() -> {
            agent.killAll();
            return null;
        }).join();
        // Their launchers write the exit into the work dir, which is deleted after this: let them finish first.
        await().atMost(Duration.ofSeconds(15)).until(() -> loop.submit(() -> agent.tasks().stream()
                .allMatch(TaskRun::isTerminal)).join());
        timers.close();
        loop.close();
        killTimers.shutdownNow();
    }

    @Test
    void aViewIsReusedWhileNothingRanAndRenewedAfterAChange() {
        AgentView first = views.view().join();
        assertThat(views.view().join()).isSameAs(first);

        launch("sleeper", "sleep 300");
        AgentView after = await().atMost(Duration.ofSeconds(10)).until(() -> views.view().join(),
                view -> view.executors().stream().anyMatch(e -> e.tasks().get(0).state() == TaskState.TASK_RUNNING));
        assertThat(after).isNotSameAs(first);
        AgentView.ExecutorView executor = after.executors().get(0);
        assertThat(executor.commandTask()).isTrue();
        assertThat(executor.id()).isEqualTo("sleeper");
        assertThat(executor.launcherPid()).isPositive();
        assertThat(executor.directory().toString()).endsWith("/runs/" + executor.containerId())
                .startsWith(workDir.toAbsolutePath().toString());
        assertThat(AgentMetrics.snapshot(after, System.currentTimeMillis()))
                .containsEntry("slave/tasks_running", 1).containsEntry("slave/cpus_used", 0.5)
                .containsEntry("slave/registered", 1);
    }

    @Test
    void aForgottenTaskStaysAsACompletedExecutorWithItsFilesAndIsCounted() {
        acknowledging = true;
        launch("greeter", "echo hello");
        // Finished, acknowledged, forgotten: gone from the agent's tasks, but not from the views.
        AgentView view = await().atMost(Duration.ofSeconds(10)).until(() -> views.view().join(),
                v -> v.executors().isEmpty() && !v.completedExecutors().isEmpty());
        assertThat(loop.submit(() -> agent.tasks()).join()).isEmpty();

        AgentView.ExecutorView completed = view.completedExecutors().get(0);
        assertThat(completed.id()).isEqualTo("greeter");
        assertThat(completed.completedTasks()).singleElement().satisfies(task -> {
            assertThat(task.state()).isEqualTo(TaskState.TASK_FINISHED);
            assertThat(task.launcherPid()).isEqualTo(-1);
        });
        assertThat(view.terminalCounts()).containsEntry(TaskState.TASK_FINISHED, 1L);
        assertThat(AgentMetrics.snapshot(view, System.currentTimeMillis()))
                .containsEntry("slave/tasks_finished", 1L).containsEntry("slave/tasks_running", 0);

        SandboxFiles files = SandboxFiles.of(view);
        String latest = "/frameworks/F1/executors/greeter/runs/latest/stdout";
        assertThat(new String(files.read(latest, 0, null).data(), StandardCharsets.UTF_8)).isEqualTo("hello\n");
        assertThat(files.debug()).containsKey(completed.directory().toString())
                .containsKey(workDir.toAbsolutePath().normalize() + "/slaves/M-S1/frameworks/F1/executors/greeter"
                        + "/runs/latest");
    }

    @Test
    void aShutDownFrameworksExecutorsAreListedUnderCompletedFrameworks() {
        acknowledging = true;
        launch("lingerer", "sleep 300");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.stream()
                .anyMatch(status -> status.getState() == TaskState.TASK_RUNNING));
        assertThat(views.view().join().frameworks()).extracting(FrameworkInfo::getName).containsExactly("viewed");

        loop.execute(() -> agent.handle(AgentEvent.shutdownFramework(FRAMEWORK.getId()), channel));

        AgentView view = await().atMost(Duration.ofSeconds(15)).until(() -> views.view().join(),
                v -> v.executors().isEmpty() && !v.completedExecutors().isEmpty());
        assertThat(view.frameworks()).isEmpty();
        assertThat(view.completedFrameworks()).extracting(FrameworkInfo::getName).containsExactly("viewed");
        assertThat(view.completedExecutors().get(0).id()).isEqualTo("lingerer");
    }

    private void launch(String taskId, String command) {
        TaskInfo task = TaskInfo.newBuilder().setName(taskId).setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(AGENT_ID)
                .setCommand(CommandInfo.newBuilder().setShell(true).setValue(command))
                .addAllResources(ResourceSet.parse("cpus:0.5;mem:32").toList())
                .build();
        loop.execute(() -> agent.handle(AgentEvent.launch(FRAMEWORK, task), channel));
    }
}
