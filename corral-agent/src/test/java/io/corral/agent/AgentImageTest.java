package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.Isolators;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.TaskUsers;
import io.corral.agent.image.ImageRootIsolator;
import io.corral.agent.image.ImageStore;
import io.corral.agent.image.RegistryClient;
import io.corral.agent.image.TestImage;
import io.corral.agent.image.TestRegistry;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.ManualTimers;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ContainerInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Image;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Volume;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks with a container image, through a real agent: the image (Debian's static busybox, built at test time) is
 * pulled from a registry on loopback, and the task runs in it as root of new mount, pid, uts and ipc namespaces, with
 * its sandbox at /mnt/mesos/sandbox and the volumes it asked for; an image that cannot be pulled fails the task with
 * the reason. Needs root (mounts) and util-linux's unshare.
 */
class AgentImageTest {
    private static final AgentID AGENT_ID = AgentID.newBuilder().setValue("M-S1").build();
    private static final MasterInfo MASTER = MasterInfo.newBuilder().setId("M").setIp(0).setPort(5050).build();

    @TempDir Path workDir;
    @TempDir Path hostDir;

    private final List<Incarnation> incarnations = new ArrayList<>();
    private TestRegistry registry;
    private ImageStore store;
    private Incarnation agent;

    /** One run of the agent: its loop, timers and image store, and a channel that records nothing. */
    private final class Incarnation {
        final EventLoop loop = new EventLoop("agent-loop-" + incarnations.size());
        final ScheduledExecutorService killTimers = Executors.newSingleThreadScheduledExecutor();
        final Agent agent;
        final MasterChannel channel = new MasterChannel() {
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

        Incarnation() throws Exception {
            incarnations.add(this);
            store = new ImageStore(workDir.resolve("provisioner"),
                    new RegistryClient(Set.of(registry.address()), Duration.ofSeconds(10)), 64L << 20, 64L << 20);
            Isolators isolators = Isolators.none().with(new ImageRootIsolator(store));
            agent = new Agent(AgentInfo.newBuilder().setHostname("localhost").setPort(5051).build(), workDir,
                    new ProcessContainerizer(killTimers, isolators, TaskUsers.switchingWhenRoot(true)),
                    new ManualTimers(0), loop::execute, id -> { }, Duration.ofMinutes(1),
                    AgentServices.defaults(workDir).withImages(store));
            onLoop(() -> {
                agent.recover();
                agent.connected(channel);
                agent.handle(AgentEvent.registered(AGENT_ID, MASTER, 15), channel);
            });
        }

        void onLoop(Runnable action) {
            loop.submit(() -> {
                action.run();
                return null;
            }).join();
        }

        /** kill -9: the loop and the kill timers stop; the tasks do not. */
        void crash() {
            loop.close();
            killTimers.shutdownNow();
        }
    }

    @BeforeAll
    static void needsRoot() {
        TestImage.requireRoot();
    }

    @BeforeEach
    void startAgent() throws Exception {
        registry = new TestRegistry().put("busybox", "latest", TestImage.busybox());
        agent = new Incarnation();
    }

    @AfterEach
    void stop() throws Exception {
        incarnations.forEach(Incarnation::crash);
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
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aTaskRunsInTheImageAsItsRootWithItsSandboxAndVolumesMounted() throws Exception {
        Files.writeString(hostDir.resolve("shared.txt"), "from the host");
        ContainerInfo container = image(registry.address() + "/busybox:latest")
                .addVolumes(Volume.newBuilder().setContainerPath("/data").setHostPath(hostDir.toString())
                        .setMode(Volume.Mode.RO))
                .addVolumes(Volume.newBuilder().setContainerPath("scratch").setMode(Volume.Mode.RW)
                        .setSource(Volume.Source.newBuilder().setType(Volume.Source.Type.SANDBOX_PATH)
                                .setSandboxPath(Volume.Source.SandboxPath.newBuilder()
                                        .setType(Volume.Source.SandboxPath.Type.SELF).setPath("scratch-on-host"))))
                .build();

        launch("t1", "cat /etc/os-release; echo pid=$$; echo host=$(hostname); echo sandbox=$MESOS_SANDBOX;"
                + " echo var=$IMAGE_VAR; test -e /etc/removed || echo whiteout-honoured; cat /etc/second;"
                + " cat /data/shared.txt; echo; touch /data/nope 2>/dev/null || echo data-read-only;"
                + " echo written-inside > $MESOS_SANDBOX/out; echo in-scratch > $MESOS_SANDBOX/scratch/f;"
                + " echo resolv=$(cat /etc/resolv.conf)", container);

        TaskStatus finished = await().atMost(Duration.ofSeconds(30))
                .until(() -> update("t1", TaskState.TASK_FINISHED, TaskState.TASK_FAILED), found -> found != null);
        Path sandbox = find("stdout").getParent();
        String stdout = Files.readString(sandbox.resolve("stdout"));
        assertThat(finished.getState()).as(stdout + Files.readString(sandbox.resolve("stderr")))
                .isEqualTo(TaskState.TASK_FINISHED);
        assertThat(stdout).contains("NAME=" + TestImage.MARKER)
                .contains("pid=1\n")
                .doesNotContain("host=" + InetAddress.getLocalHost().getHostName() + "\n")
                .contains("sandbox=/mnt/mesos/sandbox\n")
                .contains("var=from-image\n")
                .contains("whiteout-honoured\n")
                .contains("second layer\n")
                .contains("from the host")
                .contains("data-read-only\n")
                .contains("resolv=" + Files.readString(Path.of("/etc/resolv.conf")).replace("\n", " ").trim());
        assertThat(sandbox.resolve("out")).hasContent("written-inside");
        assertThat(sandbox.resolve("scratch-on-host/f")).hasContent("in-scratch");
        assertThat(hostDir.resolve("nope")).doesNotExist();
        await().untilAsserted(() -> assertThat(store.rootfs(containerOf(sandbox))).doesNotExist());
    }

    @Test
    void aTaskRunsAsItsFrameworksUserInsideTheImage() throws Exception {
        launch("nobody", "t4", "id -u; echo mine > $MESOS_SANDBOX/by-nobody", image(registry.address() + "/busybox")
                .build());

        TaskStatus finished = await().atMost(Duration.ofSeconds(30))
                .until(() -> update("t4", TaskState.TASK_FINISHED, TaskState.TASK_FAILED), found -> found != null);
        Path sandbox = sandboxOf("t4");
        assertThat(finished.getState()).as(Files.readString(sandbox.resolve("stderr")))
                .isEqualTo(TaskState.TASK_FINISHED);
        int nobody = (Integer) Files.getAttribute(sandbox.resolve("by-nobody"), "unix:uid");
        assertThat(sandbox.resolve("stdout")).content().isEqualTo(nobody + "\n");
        assertThat(nobody).isNotZero();
    }

    @Test
    void eachTaskOfAGroupRunsInItsOwnImage() throws Exception {
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser("root").setName("f")
                .setId(FrameworkID.newBuilder().setValue("F1")).build();
        ExecutorInfo executor = ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.DEFAULT)
                .setExecutorId(ExecutorID.newBuilder().setValue("group")).setFrameworkId(framework.getId()).build();
        TaskInfo inImage = TaskInfo.newBuilder().setName("g1").setTaskId(TaskID.newBuilder().setValue("g1"))
                .setAgentId(AGENT_ID).setCommand(CommandInfo.newBuilder().setValue("cat /etc/os-release"))
                .setContainer(image(registry.address() + "/busybox")).build();
        TaskInfo onHost = inImage.toBuilder().setName("g2").setTaskId(TaskID.newBuilder().setValue("g2"))
                .clearContainer().build();

        agent.onLoop(() -> agent.agent.handle(AgentEvent.launchGroup(framework, executor, List.of(inImage, onHost)),
                agent.channel));

        for (String task : List.of("g1", "g2")) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> update(task, TaskState.TASK_FINISHED), found -> found != null);
        }
        assertThat(groupTaskStdout("g1")).content().contains(TestImage.MARKER);
        assertThat(groupTaskStdout("g2")).content().doesNotContain(TestImage.MARKER);
    }

    @Test
    void anImageThatCannotBePulledFailsTheTaskSayingWhy() {
        launch("t2", "true", image(registry.address() + "/no-such-image:1").build());

        TaskStatus failed = await().atMost(Duration.ofSeconds(30))
                .until(() -> update("t2", TaskState.TASK_FAILED), found -> found != null);
        assertThat(failed.getReason()).isEqualTo(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED);
        assertThat(failed.getMessage()).startsWith("Failed to launch container: Failed to provision image '"
                + registry.address() + "/no-such-image:1': ").contains("was not found in the registry");
    }

    @Test
    void aVolumeThisAgentCannotMountFailsTheTaskBeforeAnyPull() {
        launch("t5", "true", image(registry.address() + "/busybox").addVolumes(Volume.newBuilder()
                .setContainerPath("/data").setHostPath("/no/such/dir").setMode(Volume.Mode.RW)).build());

        TaskStatus failed = await().atMost(Duration.ofSeconds(30))
                .until(() -> update("t5", TaskState.TASK_FAILED), found -> found != null);
        assertThat(failed.getMessage()).isEqualTo("Failed to launch container: volume host_path '/no/such/dir' does"
                + " not exist on this agent");
        assertThat(registry.blobDownloads).hasValue(0);
    }

    @Test
    void aTaskWithoutACommandRunsTheImagesCmd() throws Exception {
        launch("t3", null, image(registry.address() + "/busybox").build());

        await().atMost(Duration.ofSeconds(30))
                .until(() -> update("t3", TaskState.TASK_FINISHED), found -> found != null);
        assertThat(find("stdout")).content().contains("from-cmd");
    }

    @Test
    void aKilledTaskGetsSigtermWhenItHandlesItElseSigkillAfterTheGracePeriod() throws Exception {
        launch("polite", "trap 'echo got-sigterm; exit 0' TERM; touch $MESOS_SANDBOX/ready;"
                + " while :; do sleep 0.05; done", image(registry.address() + "/busybox").build());
        launch("deaf", "touch $MESOS_SANDBOX/ready; exec sleep 1000", image(registry.address() + "/busybox").build());
        await().atMost(Duration.ofSeconds(30)).until(() -> readyFiles() == 2);

        kill("polite", Duration.ofSeconds(20));
        kill("deaf", Duration.ofMillis(300));

        TaskStatus polite = await().atMost(Duration.ofSeconds(15))
                .until(() -> update("polite", TaskState.TASK_KILLED), found -> found != null);
        TaskStatus deaf = await().atMost(Duration.ofSeconds(15))
                .until(() -> update("deaf", TaskState.TASK_KILLED), found -> found != null);
        assertThat(polite.getMessage()).isEqualTo("Command exited with status 0 after a kill request");
        assertThat(deaf.getMessage()).as("pid 1 of a pid namespace has no default SIGTERM action")
                .isEqualTo("Command killed by SIGKILL after the 300ms grace period");
        assertThat(sandboxOf("polite").resolve("stdout")).content().contains("got-sigterm");
        await().untilAsserted(() -> assertThat(workDir.resolve("provisioner/containers")).isEmptyDirectory());
    }

    @Test
    void aRestartedAgentRecoversATaskInAnImageAndRemovesTheRootsOfContainersItLost() throws Exception {
        launch("long", "touch $MESOS_SANDBOX/ready; while [ ! -e $MESOS_SANDBOX/release ]; do sleep 0.05; done;"
                + " echo released", image(registry.address() + "/busybox").build());
        await().atMost(Duration.ofSeconds(30)).until(() -> readyFiles() == 1);
        Path sandbox = sandboxOf("long");
        Path lost = Files.createDirectories(workDir.resolve("provisioner/containers/lost-container/rootfs/etc"));

        agent.crash();
        agent = new Incarnation();

        assertThat(lost.getParent()).doesNotExist();
        assertThat(store.rootfs(containerOf(sandbox))).isDirectory();
        assertThat(update("long", TaskState.TASK_RUNNING)).isNotNull();
        Files.createFile(sandbox.resolve("release"));
        await().atMost(Duration.ofSeconds(15))
                .until(() -> update("long", TaskState.TASK_FINISHED), found -> found != null);
        assertThat(sandbox.resolve("stdout")).content().contains("released");
        await().untilAsserted(() -> assertThat(store.rootfs(containerOf(sandbox))).doesNotExist());
    }

    private void kill(String taskId, Duration grace) {
        agent.onLoop(() -> agent.agent.handle(AgentEvent.kill(FrameworkID.newBuilder().setValue("F1").build(),
                TaskID.newBuilder().setValue(taskId).build(), grace.toNanos()), agent.channel));
    }

    private long readyFiles() throws Exception {
        try (Stream<Path> files = Files.walk(workDir.resolve("slaves"))) {
            return files.filter(path -> path.getFileName().toString().equals("ready")).count();
        }
    }

    private Path groupTaskStdout(String taskId) throws Exception {
        try (Stream<Path> files = Files.walk(workDir.resolve("slaves"))) {
            return files.filter(path -> path.endsWith(Path.of("tasks", taskId, "stdout"))).findFirst().orElseThrow();
        }
    }

    private Path sandboxOf(String taskId) throws Exception {
        try (Stream<Path> files = Files.walk(workDir.resolve("slaves"))) {
            return files.filter(path -> path.getFileName().toString().equals("stdout"))
                    .filter(path -> path.toString().contains("/executors/" + taskId + "/"))
                    .findFirst().orElseThrow().getParent();
        }
    }

    private static ContainerInfo.Builder image(String name) {
        return ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
                .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder().setType(Image.Type.DOCKER)
                        .setDocker(Image.Docker.newBuilder().setName(name))));
    }

    private void launch(String taskId, String script, ContainerInfo container) {
        launch("root", taskId, script, container);
    }

    private void launch(String user, String taskId, String script, ContainerInfo container) {
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser(user).setName("f")
                .setId(FrameworkID.newBuilder().setValue("F1")).build();
        CommandInfo.Builder command = CommandInfo.newBuilder();
        if (script != null) {
            command.setValue(script);
        } else {
            command.setShell(false);
        }
        agent.onLoop(() -> agent.agent.handle(AgentEvent.launch(framework, TaskInfo.newBuilder().setName(taskId)
                .setTaskId(TaskID.newBuilder().setValue(taskId)).setAgentId(AGENT_ID)
                .setCommand(command).setContainer(container).build()), agent.channel));
    }

    private static String containerOf(Path sandbox) {
        return sandbox.getFileName().toString();
    }

    private Path find(String name) throws Exception {
        try (Stream<Path> files = Files.walk(workDir)) {
            return files.filter(path -> path.getFileName().toString().equals(name))
                    .filter(path -> path.toString().contains("/frameworks/")).findFirst().orElse(null);
        }
    }

    private TaskStatus update(String taskId, TaskState... states) {
        return agent.loop.submit(() -> agent.agent.tasks().stream()
                .filter(run -> run.task.getTaskId().getValue().equals(taskId))
                .map(run -> run.latestStatus)
                .filter(status -> status != null && List.of(states).contains(status.getState()))
                .findFirst().orElse(null)).join();
    }
}
