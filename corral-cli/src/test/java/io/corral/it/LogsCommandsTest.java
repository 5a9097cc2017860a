package io.corral.it;

import static io.corral.it.CliRun.corral;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral run} streaming a task's output and {@code corral logs} reading it back, end to end on a real cluster
 * (a master and an agent in this JVM, tasks as real processes), the CLI going through a master as a user's would.
 */
class LogsCommandsTest {
    private static final Pattern LAUNCHED = Pattern.compile("Launching (\\S+) on");

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

    @Test
    void runShowsTheTasksOutputAndLogsPrintsItAgainAfterTheTaskEnded() {
        CliRun run = corral("run", "--master", cluster.leaderUrl(), "--", "echo", "hello");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).as("the task's stdout, and nothing else").isEqualTo("hello\n");
        assertThat(run.err()).contains("TASK_RUNNING", "TASK_FINISHED");

        String taskId = launchedTask(run);
        CliRun logs = corral("logs", taskId, "--master", cluster.leaderUrl());
        assertThat(logs.exit()).as(logs.err()).isZero();
        assertThat(logs.out()).isEqualTo("hello\n");
    }

    @Test
    void runSendsTheTasksStderrToStderrAndKeepsItsExitCode() {
        CliRun run = corral("run", "--name", "noisy", "--master", cluster.leaderUrl(), "--", "sh", "-c",
                "echo out-1; echo err-1 >&2; echo out-2; exit 3");

        assertThat(run.exit()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).isEqualTo("out-1\nout-2\n");
        assertThat(run.err()).contains("err-1").contains("TASK_FAILED");

        String taskId = launchedTask(run);
        CliRun stderr = corral("logs", taskId, "--stderr", "--master", cluster.leaderUrl());
        assertThat(stderr.exit()).as(stderr.err()).isZero();
        assertThat(stderr.out()).isEqualTo("err-1\n");
    }

    @Test
    void runStreamsOutputLargerThanOneRead() {
        CliRun run = corral("run", "--master", cluster.leaderUrl(), "--", "seq", "1", "30000");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().lines().count()).isEqualTo(30000);
        assertThat(run.out()).startsWith("1\n2\n").endsWith("\n29999\n30000\n");
    }

    @Test
    void logsFollowsARunningTaskUntilItEnds() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("follower", 60), scheduler).autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            // The task waits for the follower to have printed its first line before it writes more and ends.
            Path go = workDir.resolve("go");
            client.launch(List.of(offer.getId()), List.of(Tasks.shell("ticker", "echo first; while [ ! -e " + go
                    + " ]; do sleep 0.1; done; echo second; echo third", offer, 0.1, 32))).join();
            scheduler.awaitState("ticker", TaskState.TASK_RUNNING);

            CliWatch watch = CliWatch.start("logs", "ticker", "-f", "--master", cluster.leaderUrl());
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.out().contains("first"));
            assertThat(watch.done()).as("still following the running task").isNotDone();
            java.nio.file.Files.createFile(go); // the task writes the rest and ends

            CliRun follow = watch.done().get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(follow.exit()).as(follow.err()).isZero();
            assertThat(follow.out()).isEqualTo("first\nsecond\nthird\n");
            assertThat(scheduler.statesOf("ticker")).contains(TaskState.TASK_FINISHED);
        }
    }

    @Test
    void logsReadsEachTaskOfAGroupFromItsOwnSandbox() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("grouper", 60), scheduler).autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            org.apache.mesos.v1.Protos.ExecutorInfo executor = org.apache.mesos.v1.Protos.ExecutorInfo.newBuilder()
                    .setExecutorId(org.apache.mesos.v1.Protos.ExecutorID.newBuilder().setValue("pair"))
                    .setFrameworkId(scheduler.frameworkId)
                    .setType(org.apache.mesos.v1.Protos.ExecutorInfo.Type.DEFAULT)
                    .addAllResources(io.corral.protocol.resources.ResourceSet.parse("cpus:0.1;mem:32;disk:10")
                            .withAllocationRole(offer.getAllocationInfo().getRole()).toList())
                    .build();
            client.send(org.apache.mesos.v1.scheduler.Protos.Call.newBuilder()
                    .setType(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACCEPT)
                    .setAccept(org.apache.mesos.v1.scheduler.Protos.Call.Accept.newBuilder()
                            .addOfferIds(offer.getId())
                            .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH_GROUP)
                                    .setLaunchGroup(Offer.Operation.LaunchGroup.newBuilder().setExecutor(executor)
                                            .setTaskGroup(org.apache.mesos.v1.Protos.TaskGroupInfo.newBuilder()
                                                    .addTasks(Tasks.shell("left", "echo from-left", offer, 0.1, 32))
                                                    .addTasks(Tasks.shell("right", "echo from-right", offer, 0.1,
                                                            32))))))
                    .build()).join();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(scheduler.updates)
                    .extracting(s -> s.getTaskId().getValue() + " " + s.getState() + " " + s.getMessage())
                    .contains("left TASK_FINISHED Command exited with status 0",
                            "right TASK_FINISHED Command exited with status 0"));

            CliRun left = corral("logs", "left", "--master", cluster.leaderUrl());
            assertThat(left.exit()).as(left.err()).isZero();
            assertThat(left.out()).isEqualTo("from-left\n");
            CliRun right = corral("logs", "right", "--master", cluster.leaderUrl());
            assertThat(right.out()).isEqualTo("from-right\n");
        }
    }

    @Test
    void logsSaysWhatIsWrongWhenThereIsNothingToRead() {
        CliRun missing = corral("logs", "no-such-task", "--master", cluster.leaderUrl());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("no task 'no-such-task'");

        CliRun noCluster = corral("logs", "x", "--master", "http://127.0.0.1:1");
        assertThat(noCluster.exit()).isEqualTo(1);
        assertThat(noCluster.err()).contains("corral logs:");
    }

    private static String launchedTask(CliRun run) {
        Matcher launched = LAUNCHED.matcher(run.err());
        assertThat(launched.find()).as(run.err()).isTrue();
        return launched.group(1);
    }
}
