package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.resources.ResourceSet;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskGroupInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors end to end: a framework on a real master, an agent running real processes. The custom executor is the
 * agent module's JDK-only test executor ({@code TestExecutor}), started by the agent as a framework's program would
 * be: {@code java} on its source file.
 */
class ExecutorsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TEST_EXECUTOR = Path.of("..", "corral-agent", "src", "test", "java", "io", "corral",
            "agent", "testexecutor", "TestExecutor.java").toAbsolutePath().normalize();

    @TempDir
    static Path workDir;
    static InProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 1);
        cluster.awaitLeader();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    private static SchedulerClient subscribe(RecordingScheduler scheduler, String name) {
        SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                        Tasks.framework(name, 0), scheduler)
                .encoding(Encoding.PROTOBUF)
                .autoAcknowledge(true)
                .build();
        client.start();
        return client;
    }

    private static TaskInfo task(String id, String command, Offer offer, ExecutorInfo executor) {
        TaskInfo.Builder task = Tasks.shell(id, command, offer, 0.1, 16).toBuilder();
        if (executor != null) { // Mesos wants no CommandInfo with an executor: the test executor runs the data
            task.clearCommand().setExecutor(executor).setData(ByteString.copyFromUtf8(command));
        }
        return task.build();
    }

    private static ExecutorInfo.Builder executor(String id, Offer offer, String resources) {
        return ExecutorInfo.newBuilder().setExecutorId(ExecutorID.newBuilder().setValue(id))
                .addAllResources(ResourceSet.parse(resources)
                        .withAllocationRole(offer.getAllocationInfo().getRole()).toList());
    }

    private static JsonNode frameworkState(String frameworkId) throws Exception {
        HttpResponse<String> state = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(cluster.leaderUrl() + "/master/state")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode framework : JSON.readTree(state.body()).path("frameworks")) {
            if (framework.path("id").asText().equals(frameworkId)) {
                return framework;
            }
        }
        throw new AssertionError("framework " + frameworkId + " not in /master/state");
    }

    @Test
    void aCustomExecutorRunsTwoTasksTalksWithItsFrameworkAndIsShutDown() throws Exception {
        assertThat(TEST_EXECUTOR).exists();
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = subscribe(scheduler, "custom-executor")) {
            Offer offer = scheduler.nextOffer();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ExecutorInfo executor = executor("echo-executor", offer, "cpus:0.1;mem:64")
                    .setType(ExecutorInfo.Type.CUSTOM)
                    .setCommand(CommandInfo.newBuilder().setShell(true).setValue("exec '" + java + "' -Xmx48m"
                            + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC '" + TEST_EXECUTOR + "'"))
                    .build();
            Path release = workDir.resolve("release-custom");
            String wait = "while [ ! -e " + release + " ]; do sleep 0.05; done";
            client.launch(List.of(offer.getId()), List.of(task("first", wait, offer, executor),
                    task("second", wait, offer, executor))).join();

            scheduler.awaitState("first", TaskState.TASK_RUNNING);
            scheduler.awaitState("second", TaskState.TASK_RUNNING);
            String frameworkId = scheduler.frameworkId.getValue();
            JsonNode framework = frameworkState(frameworkId);
            assertThat(framework.path("executors")).hasSize(1);
            // The executor is charged once: two tasks (0.1 cpus each) and one executor (0.1 cpus).
            assertThat(framework.path("used_resources").path("cpus").asDouble()).isCloseTo(0.3, within(1e-9));

            Files.writeString(release, "");
            for (String taskId : List.of("first", "second")) {
                TaskStatus finished = scheduler.awaitState(taskId, TaskState.TASK_FINISHED);
                assertThat(finished.getExecutorId().getValue()).isEqualTo("echo-executor");
                assertThat(scheduler.statesOf(taskId)).containsExactly(TaskState.TASK_RUNNING,
                        TaskState.TASK_FINISHED);
            }
            // Every update was acknowledged by the framework and the acknowledgement reached the executor.
            await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.messageTexts().stream()
                    .filter(text -> text.startsWith("acknowledged ")).count() == 4);
            Event.Message fromExecutor = scheduler.messages.get(0);
            assertThat(fromExecutor.getExecutorId().getValue()).isEqualTo("echo-executor");
            AgentID agentId = fromExecutor.getAgentId();
            assertThat(agentId).isEqualTo(offer.getAgentId());

            client.send(Call.newBuilder().setType(Call.Type.MESSAGE).setMessage(Call.Message.newBuilder()
                    .setAgentId(agentId).setExecutorId(executor.getExecutorId())
                    .setData(ByteString.copyFromUtf8("hello executor"))).build()).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.messageTexts()
                    .contains("echo: hello executor"));

            client.send(Call.newBuilder().setType(Call.Type.SHUTDOWN).setShutdown(Call.Shutdown.newBuilder()
                    .setAgentId(agentId).setExecutorId(executor.getExecutorId())).build()).join();
            Event.Failure failure = await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.failures.stream()
                    .findFirst().orElse(null), found -> found != null);
            assertThat(failure.getExecutorId().getValue()).isEqualTo("echo-executor");
            assertThat(failure.getAgentId()).isEqualTo(agentId);
            assertThat(failure.getStatus()).isZero(); // it exits 0 on SHUTDOWN
            await().atMost(Duration.ofSeconds(30)).until(() -> frameworkState(frameworkId).path("executors")
                    .isEmpty());
        }
    }

    @Test
    void aTaskGroupUnderTheDefaultExecutorDiesWhenOneOfItsTasksFails() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = subscribe(scheduler, "task-group")) {
            Offer offer = scheduler.nextOffer();
            ExecutorInfo executor = executor("group", offer, "cpus:0.1;mem:32;disk:10")
                    .setType(ExecutorInfo.Type.DEFAULT).build();
            Path release = workDir.resolve("release-group");
            TaskGroupInfo group = TaskGroupInfo.newBuilder()
                    .addTasks(task("fails", "while [ ! -e " + release + " ]; do sleep 0.05; done; exit 1", offer,
                            null))
                    .addTasks(task("sleeps", "sleep 1000", offer, null))
                    .build();
            client.send(Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder()
                    .addOfferIds(offer.getId())
                    .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH_GROUP)
                            .setLaunchGroup(Offer.Operation.LaunchGroup.newBuilder().setExecutor(executor)
                                    .setTaskGroup(group)))).build()).join();

            TaskStatus running = scheduler.awaitState("sleeps", TaskState.TASK_RUNNING);
            assertThat(running.getExecutorId().getValue()).isEqualTo("group");
            scheduler.awaitState("fails", TaskState.TASK_RUNNING);
            Files.writeString(release, "");

            assertThat(scheduler.awaitState("fails", TaskState.TASK_FAILED).getMessage())
                    .isEqualTo("Command exited with status 1");
            scheduler.awaitState("sleeps", TaskState.TASK_KILLED);
            Event.Failure failure = await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.failures.stream()
                    .findFirst().orElse(null), found -> found != null);
            assertThat(failure.getExecutorId().getValue()).isEqualTo("group");
            await().atMost(Duration.ofSeconds(30)).until(() -> frameworkState(scheduler.frameworkId.getValue())
                    .path("executors").isEmpty());
            assertThat(TaskID.newBuilder().setValue("sleeps").build()).isEqualTo(running.getTaskId());
        }
    }
}
