package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Mesos v1 scheduler API end to end, in both encodings: a real ZooKeeper, two masters (requests sent to the
 * standby are redirected), one agent running real processes.
 */
class SchedulerApiTest {
    @TempDir
    static Path workDir;
    static InProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 2, 1);
        cluster.awaitLeader();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    private SchedulerClient subscribe(RecordingScheduler scheduler, Encoding encoding, String name) {
        // Through a standby on purpose when one exists: the client must follow the 307 to the leader.
        String entry = cluster.masters.stream().filter(m -> !m.isLeading()).findFirst()
                .map(m -> "http://127.0.0.1:" + m.port()).orElse(cluster.leaderUrl());
        SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(entry),
                        Tasks.framework(name, 0), scheduler)
                .encoding(encoding)
                .autoAcknowledge(true)
                .build();
        client.start();
        return client;
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void launchesATaskThatFinishesAndWritesItsSandbox(Encoding encoding) throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = subscribe(scheduler, encoding, "finish-" + encoding)) {
            Offer offer = scheduler.nextOffer();
            assertThat(offer.getResourcesList()).extracting(r -> r.getName()).contains("cpus", "mem", "ports");
            String taskId = "hello-" + encoding;
            client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "echo hello from $MESOS_SANDBOX",
                    offer, 0.1, 32))).join();

            TaskStatus finished = scheduler.awaitState(taskId, TaskState.TASK_FINISHED);
            assertThat(scheduler.statesOf(taskId))
                    .containsExactly(TaskState.TASK_STARTING, TaskState.TASK_RUNNING, TaskState.TASK_FINISHED);
            assertThat(finished.getUuid().size()).isEqualTo(16);
            assertThat(finished.getMessage()).isEqualTo("Command exited with status 0");
            Path stdout = findSandboxFile(taskId, "stdout");
            assertThat(Files.readString(stdout)).startsWith("hello from /").contains(taskId);
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void failedTaskReportsItsExitStatus(Encoding encoding) throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = subscribe(scheduler, encoding, "fail-" + encoding)) {
            Offer offer = scheduler.nextOffer();
            String taskId = "exit3-" + encoding;
            client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "exit 3", offer, 0.1, 32))).join();
            TaskStatus failed = scheduler.awaitState(taskId, TaskState.TASK_FAILED);
            assertThat(failed.getMessage()).isEqualTo("Command exited with status 3");
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void killsARunningTaskAndReconciles(Encoding encoding) throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = subscribe(scheduler, encoding, "kill-" + encoding)) {
            Offer offer = scheduler.nextOffer();
            String taskId = "sleeper-" + encoding;
            client.launch(List.of(offer.getId()), List.of(Tasks.shell(taskId, "sleep 100", offer, 0.1, 32))).join();
            TaskStatus running = scheduler.awaitState(taskId, TaskState.TASK_RUNNING);

            // Implicit reconciliation: the master answers with the task's latest state, without a uuid.
            int before = scheduler.updates.size();
            client.reconcile(List.of()).join();
            await().until(() -> scheduler.updates.size() > before);
            TaskStatus reconciled = scheduler.updates.get(before);
            assertThat(reconciled.getState()).isEqualTo(TaskState.TASK_RUNNING);
            assertThat(reconciled.getReason()).isEqualTo(TaskStatus.Reason.REASON_RECONCILIATION);
            assertThat(reconciled.hasUuid()).isFalse();

            client.kill(running.getTaskId(), running.getAgentId()).join();
            TaskStatus killed = scheduler.awaitState(taskId, TaskState.TASK_KILLED);
            assertThat(killed.getMessage()).contains("SIGTERM");

            // Explicit reconciliation of a task nobody knows, on a registered agent: TASK_LOST (not partition-aware).
            int count = scheduler.updates.size();
            client.reconcile(List.of(TaskStatus.newBuilder()
                    .setTaskId(org.apache.mesos.v1.Protos.TaskID.newBuilder().setValue("no-such-task"))
                    .setAgentId(running.getAgentId()).setState(TaskState.TASK_RUNNING).build())).join();
            await().until(() -> scheduler.updates.size() > count);
            assertThat(scheduler.updates.get(count).getState()).isEqualTo(TaskState.TASK_LOST);
        }
    }

    @org.junit.jupiter.api.Test
    void offersLeaveOutWhatRunningTasksUse() throws Exception {
        RecordingScheduler first = new RecordingScheduler();
        RecordingScheduler second = new RecordingScheduler();
        try (SchedulerClient a = subscribe(first, Encoding.JSON, "holder")) {
            Offer offer = first.nextOffer();
            double cpus = offer.getResourcesList().stream().filter(r -> r.getName().equals("cpus"))
                    .mapToDouble(r -> r.getScalar().getValue()).sum();
            a.launch(List.of(offer.getId()), List.of(Tasks.shell("holder-task", "sleep 100", offer, 0.5, 128)))
                    .join();
            first.awaitState("holder-task", TaskState.TASK_RUNNING);
            try (SchedulerClient b = subscribe(second, Encoding.PROTOBUF, "second")) {
                Offer rest = second.nextOffer();
                assertThat(rest.getResourcesList()).filteredOn(r -> r.getName().equals("cpus"))
                        .singleElement().satisfies(r -> assertThat(r.getScalar().getValue()).isEqualTo(cpus - 0.5));
            }
            a.kill(org.apache.mesos.v1.Protos.TaskID.newBuilder().setValue("holder-task").build(),
                    offer.getAgentId()).join();
            first.awaitState("holder-task", TaskState.TASK_KILLED);
        }
    }

    /**
     * Looks only under each agent's {@code slaves/} (the sandboxes): its {@code meta/} checkpoints are written as
     * temporary files renamed into place, which a walk racing the agent would trip over.
     */
    private static Path findSandboxFile(String taskId, String name) throws Exception {
        try (var agents = Files.list(workDir)) {
            for (Path slaves : agents.map(agent -> agent.resolve("slaves")).filter(Files::isDirectory).toList()) {
                try (var files = Files.walk(slaves)) {
                    var found = files.filter(p -> p.getFileName().toString().equals(name)
                            && p.toString().contains("/executors/" + taskId + "/")).findFirst();
                    if (found.isPresent()) {
                        return found.get();
                    }
                }
            }
        }
        throw new AssertionError("no " + name + " for " + taskId);
    }
}
