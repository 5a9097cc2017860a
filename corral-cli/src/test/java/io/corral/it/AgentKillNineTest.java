package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.corral.cli.CorralProcesses;
import io.corral.master.MasterServer;
import io.corral.protocol.resources.ResourceSet;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.ZooKeeperMasterLocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.curator.test.KillSession;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md's "agent restarts" row with every part real: {@code corral agent} as its own JVM process, {@code kill
 * -9}ed while it runs two tasks, one of which ends while no agent is there; a new {@code corral agent} on the same
 * work dir re-registers with the same id, keeps the running task (the same process) and reports the other's real end
 * to the framework, through a real master. And the same with a master failover while the agent is down.
 */
class AgentKillNineTest {
    @TempDir Path workDir;

    private final List<Process> agents = new ArrayList<>();

    @AfterEach
    void stopProcesses() {
        // Wait for each agent to be gone: one still writing its checkpoint races JUnit's deletion of the work dir.
        for (Process agent : agents) {
            try {
                agent.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Path pidFile : files("task.pid")) {
            try {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                        .ifPresent(ProcessHandle::destroyForcibly);
            } catch (IOException | NumberFormatException gone) {
                // nothing left to stop
            }
        }
    }

    @Test
    void tasksOutliveTheAgentsKillNineAndTheRestartedAgentReportsTheirRealEnds() throws Exception {
        Path release = workDir.resolve("release");
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 0)) {
            cluster.awaitLeader();
            Process first = startAgent(cluster, "agent-1.log");
            RecordingScheduler scheduler = new RecordingScheduler();
            FrameworkInfo framework = Tasks.framework("kill-nine", 600).toBuilder()
                    .addCapabilities(FrameworkInfo.Capability.newBuilder()
                            .setType(FrameworkInfo.Capability.Type.PARTITION_AWARE))
                    .build();
            try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                    framework, scheduler).autoAcknowledge(true).build()) {
                client.start();
                Offer offer = scheduler.nextOffer();
                client.launch(List.of(offer.getId()), List.of(
                        Tasks.shell("long", "sleep 1000", offer, 0.5, 32),
                        Tasks.shell("short", "while [ ! -e " + release + " ]; do sleep 0.05; done", offer, 0.5,
                                32))).join();
                scheduler.awaitState("long", TaskState.TASK_RUNNING);
                scheduler.awaitState("short", TaskState.TASK_RUNNING);
                String agentId = scheduler.awaitState("long", TaskState.TASK_RUNNING).getAgentId().getValue();
                long longPid = taskPid("long");

                first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, nothing flushed or killed
                Files.createFile(release);
                await().atMost(Duration.ofSeconds(30)).until(() -> files("exit_status").size() == 1);
                startAgent(cluster, "agent-2.log");

                TaskStatus finished = scheduler.awaitState("short", TaskState.TASK_FINISHED);
                assertThat(finished.getAgentId().getValue()).isEqualTo(agentId);
                assertThat(ProcessHandle.of(longPid).map(ProcessHandle::isAlive)).contains(true);
                assertThat(taskPid("long")).isEqualTo(longPid); // the same container, not a new one
                client.kill(finished.getTaskId().toBuilder().setValue("long").build(), finished.getAgentId())
                        .join();
                TaskStatus killed = scheduler.awaitState("long", TaskState.TASK_KILLED);
                assertThat(killed.getMessage()).isEqualTo("Command terminated by SIGTERM");
                assertThat(scheduler.statesOf("short")).doesNotContain(TaskState.TASK_FAILED, TaskState.TASK_LOST);
            }
        }
    }

    @Test
    void anUpdateIsNotLostWhenTheAgentIsKilledAndTheLeaderFailsOverWhileItIsDown() throws Exception {
        Path release = workDir.resolve("release");
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 2, 0)) {
            cluster.awaitLeader();
            Process first = startAgent(cluster, "agent-1.log");
            RecordingScheduler scheduler = new RecordingScheduler();
            // The client does not close its locator: closed here, so its ZooKeeper client does not outlive the test.
            try (ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(cluster.zk.toString());
                 SchedulerClient client = SchedulerClient.builder(locator, Tasks.framework("both", 600), scheduler)
                         .autoAcknowledge(true).build()) {
                client.start();
                Offer offer = scheduler.nextOffer();
                client.launch(List.of(offer.getId()), List.of(Tasks.shell("gated",
                        "while [ ! -e " + release + " ]; do sleep 0.05; done; exit 3", offer, 0.5, 32))).join();
                scheduler.awaitState("gated", TaskState.TASK_RUNNING);

                first.destroyForcibly().waitFor();
                Files.createFile(release);
                await().atMost(Duration.ofSeconds(30)).until(() -> files("exit_status").size() == 1);
                MasterServer oldLeader = cluster.leader().orElseThrow();
                KillSession.kill(oldLeader.zookeeper().getZookeeperClient().getZooKeeper());
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> cluster.leader().filter(master -> master != oldLeader).isPresent());
                startAgent(cluster, "agent-2.log");

                TaskStatus failed = scheduler.awaitState("gated", TaskState.TASK_FAILED);
                assertThat(failed.getMessage()).isEqualTo("Command exited with status 3");
                assertThat(scheduler.statesOf("gated")).doesNotContain(TaskState.TASK_FINISHED,
                        TaskState.TASK_KILLED);
            }
        }
    }

    @Test
    void aCustomExecutorOutlivesTheAgentsKillNineAndSubscribesToTheRestartedAgent() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort(); // the executor finds the restarted agent at the same host:port
        }
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 0)) {
            cluster.awaitLeader();
            Process first = startAgent(cluster, "agent-1.log", port);
            RecordingScheduler scheduler = new RecordingScheduler();
            try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                    Tasks.framework("executor-survives", 600).toBuilder()
                            .addCapabilities(FrameworkInfo.Capability.newBuilder()
                                    .setType(FrameworkInfo.Capability.Type.PARTITION_AWARE)).build(),
                    scheduler).autoAcknowledge(true).build()) {
                client.start();
                Offer offer = scheduler.nextOffer();
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                Path source = Path.of("..", "corral-agent", "src", "test", "java", "io", "corral", "agent",
                        "testexecutor", "TestExecutor.java").toAbsolutePath().normalize();
                ExecutorInfo executor = ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.CUSTOM)
                        .setExecutorId(ExecutorID.newBuilder().setValue("survivor"))
                        .setCommand(CommandInfo.newBuilder().setValue("exec '" + java + "' -Xmx48m"
                                + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC '" + source + "'"))
                        .addAllResources(ResourceSet.parse("cpus:0.1;mem:64")
                                .withAllocationRole(offer.getAllocationInfo().getRole()).toList())
                        .build();
                TaskInfo task = Tasks.shell("long", "unused", offer, 0.1, 16).toBuilder().clearCommand()
                        .setExecutor(executor).setData(ByteString.copyFromUtf8("sleep 1000")).build();
                client.launch(List.of(offer.getId()), List.of(task)).join();
                TaskStatus running = scheduler.awaitState("long", TaskState.TASK_RUNNING);
                await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.messageTexts()
                        .contains("acknowledged long"));

                first.destroyForcibly().waitFor(); // SIGKILL: the executor loses its agent and keeps trying
                startAgent(cluster, "agent-2.log", port);

                // Only a re-subscribed executor can take the kill and report it.
                client.kill(running.getTaskId(), running.getAgentId()).join();
                // (The master may also tell the framework the state the re-registered agent reported.) The kill may
                // reach the new agent before the executor subscribes to it again: it waits for the executor there
                // (it was once dropped, and this test timed out in CI).
                TaskStatus killed = await().atMost(Duration.ofSeconds(60)).until(() -> scheduler.updates.stream()
                        .filter(s -> s.getState() == TaskState.TASK_KILLED
                                && s.getSource() == TaskStatus.Source.SOURCE_EXECUTOR).findFirst().orElse(null),
                        found -> found != null);
                assertThat(killed.getExecutorId().getValue()).isEqualTo("survivor");
                // While the agent was down the master reported it unreachable; the task itself never failed.
                assertThat(scheduler.statesOf("long")).doesNotContain(TaskState.TASK_FAILED, TaskState.TASK_LOST,
                        TaskState.TASK_GONE);
                client.send(org.apache.mesos.v1.scheduler.Protos.Call.newBuilder()
                        .setType(org.apache.mesos.v1.scheduler.Protos.Call.Type.SHUTDOWN)
                        .setShutdown(org.apache.mesos.v1.scheduler.Protos.Call.Shutdown.newBuilder()
                                .setAgentId(running.getAgentId()).setExecutorId(executor.getExecutorId()))
                        .build()).join();
                await().atMost(Duration.ofSeconds(30)).until(() -> !scheduler.failures.isEmpty());
                assertThat(scheduler.failures.get(0).getStatus()).isZero();
            }
        }
    }

    private Process startAgent(InProcessCluster cluster, String log) throws IOException {
        return startAgent(cluster, log, 0);
    }

    private Process startAgent(InProcessCluster cluster, String log, int port) throws IOException {
        Process agent = CorralProcesses.start(workDir.resolve(log), "agent", "--zk", cluster.zk.toString(),
                "--port", String.valueOf(port), "--work-dir", workDir.resolve("agent").toString(), "--resources",
                InProcessCluster.AGENT_RESOURCES, "--insecure");
        agents.add(agent);
        return agent;
    }

    /** The pid its launcher recorded for the task (the checkpoint names the executor after the task). */
    private long taskPid(String taskId) throws IOException {
        Path pidFile = files("task.pid").stream()
                .filter(file -> file.toString().contains("/executors/" + taskId + "/")).findFirst().orElseThrow();
        return Long.parseLong(Files.readString(pidFile).trim());
    }

    private List<Path> files(String name) {
        Path meta = workDir.resolve("agent").resolve("meta");
        if (!Files.isDirectory(meta)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(meta)) {
            return walk.filter(path -> path.getFileName().toString().equals(name)).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // a directory vanished while walking
        }
    }
}
