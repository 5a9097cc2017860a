package io.corral.compat.rxjava;

import static org.apache.mesos.v1.Protos.TaskState.TASK_FINISHED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_KILLED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mesosphere.mesos.rx.java.protobuf.SchedulerCalls;
import io.corral.compat.cluster.CorralCluster;
import io.corral.compat.rxjava.RxJavaFramework.TaskRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * mesos-rxjava 0.2.0 (com.mesosphere.mesos.rx.java:mesos-rxjava-protobuf-client, from Maven Central, with its own
 * Mesos 1.0 protos) as a scheduler against a real Corral cluster: it speaks protobuf and, before subscribing, asks
 * {@code GET /redirect} on the configured master, so it is pointed at the standby master to exercise that path.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MesosRxJavaClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static CorralCluster cluster;
    private RxJavaFramework framework;

    @RegisterExtension
    final TestWatcher printLogsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (framework != null) {
                System.err.println("Framework failures: " + framework.failures());
            }
            if (cluster != null) {
                cluster.printLogTails();
            }
        }
    };

    @BeforeAll
    static void startCluster() {
        cluster = CorralCluster.start("rxjava-cluster");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void closeFramework() {
        if (framework != null) {
            framework.close();
        }
    }

    @Test
    void runsACommandTaskToFinishedThroughTheStandbysRedirect() throws IOException {
        // The client's own helper, as its Sleepy example uses it: the framework picks its id, so SUBSCRIBE carries it
        // both at the top level and in framework_info (Corral adopts an id it does not know, as Mesos does).
        String chosenId = "rxjava-" + UUID.randomUUID();
        Call subscribe = SchedulerCalls.subscribe(chosenId, System.getProperty("user.name"), "rxjava-echo", 0);
        framework = new RxJavaFramework(standbySchedulerUri(), subscribe);
        framework.launchOnNextOffer(new TaskRequest("echo-task", "echo hello-from-rxjava"));
        framework.open();

        // A standby answers SUBSCRIBE itself with 307, which this client treats as an error: being subscribed at
        // all means it found the leader through the standby's /redirect.
        awaitFramework("SUBSCRIBED", () -> framework.frameworkId().isPresent());
        assertThat(framework.frameworkId()).map(FrameworkID::getValue).contains(chosenId);
        assertThat(cluster.leaderState()).as("the leader's /master/state").contains(chosenId);

        awaitState("echo-task", TASK_FINISHED);
        assertThat(framework.states("echo-task")).containsSubsequence(TASK_RUNNING, TASK_FINISHED);
        awaitAllAcknowledged("echo-task");
        assertThat(sandboxStdoutContaining("hello-from-rxjava"))
                .as("a sandbox stdout file under %s holding the task's output", cluster.agentWorkDir())
                .isTrue();
        tearDownAndExpectNoFailures();
    }

    @Test
    void killsARunningTask() {
        // The recommended Mesos way: a first SUBSCRIBE without an id; the id comes back in SUBSCRIBED.
        Call subscribe = Call.newBuilder()
                .setType(Call.Type.SUBSCRIBE)
                .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(FrameworkInfo.newBuilder()
                        .setUser(System.getProperty("user.name"))
                        .setName("rxjava-kill")))
                .build();
        framework = new RxJavaFramework(standbySchedulerUri(), subscribe);
        framework.launchOnNextOffer(new TaskRequest("sleep-task", "sleep 100"));
        framework.open();

        awaitState("sleep-task", TASK_RUNNING);
        framework.kill("sleep-task");
        awaitState("sleep-task", TASK_KILLED);
        awaitAllAcknowledged("sleep-task");
        tearDownAndExpectNoFailures();
    }

    /**
     * A stateful framework on Mesos 1.0's protos (old reservation format): RESERVE, CREATE a persistent volume and
     * LAUNCH a writer in one ACCEPT; once the writer finished, the volume is offered again, reserved for its role, and
     * a reader finds what the writer left there.
     */
    @Test
    void reservesCreatesAVolumeAndAReaderFindsWhatTheWriterLeft() {
        Call subscribe = Call.newBuilder()
                .setType(Call.Type.SUBSCRIBE)
                .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(FrameworkInfo.newBuilder()
                        .setUser(System.getProperty("user.name"))
                        .setName("rxjava-volume")
                        .setRole("compat")
                        .setPrincipal("compat-principal")))
                .build();
        framework = new RxJavaFramework(standbySchedulerUri(), subscribe);
        framework.answerOffersWith(new VolumePlan("compat", "compat-principal",
                "echo kept-between-tasks > data/note", "grep -q kept-between-tasks data/note"));
        framework.open();

        awaitState("writer", TASK_FINISHED);
        awaitState("reader", TASK_FINISHED);
        assertThat(cluster.leaderState()).as("the leader's /master/state")
                .contains("\"reserved_resources\":{\"compat\":")
                .contains(VolumePlan.VOLUME_ID);
        tearDownAndExpectNoFailures();
    }

    /**
     * The exact probe mesos-rxjava sends before subscribing (MesosClient.resolveMesosUri): RxNetty writes the request
     * target in absolute form, {@code GET http://host:port/redirect HTTP/1.1}, which HTTP/1.1 servers must accept
     * (RFC 9112 section 3.2.2). Any answer but 307 makes the client keep the standby's URI and fail on SUBSCRIBE.
     */
    @Test
    void standbyAnswersTheClientsAbsoluteFormRedirectProbeWith307() throws IOException {
        int standby = cluster.standbyPort();
        String request = "GET http://127.0.0.1:" + standby + "/redirect HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + standby + "\r\n"
                + "User-Agent: RxNetty Client\r\n"
                + "Connection: close\r\n\r\n";
        String response;
        try (Socket socket = new Socket("127.0.0.1", standby)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(response.lines().findFirst().orElse(""))
                .as("status line; full response:%n%s", response)
                .startsWith("HTTP/1.1 307");
        assertThat(response.lines())
                .as("headers; full response:%n%s", response)
                .anySatisfy(line -> assertThat(line).isEqualToIgnoringCase("Location: //127.0.0.1:" + cluster.leaderPort()));
    }

    private static URI standbySchedulerUri() {
        return URI.create("http://127.0.0.1:" + cluster.standbyPort() + "/api/v1/scheduler");
    }

    private void awaitState(String taskId, TaskState state) {
        awaitFramework(taskId + " reaching " + state,
                () -> framework.states(taskId).contains(state));
    }

    private void awaitAllAcknowledged(String taskId) {
        awaitFramework("every update of " + taskId + " acknowledged with 202",
                () -> framework.acknowledged(taskId) == framework.updatesWithUuid(taskId));
        assertThat(framework.updatesWithUuid(taskId)).as("updates carrying a uuid").isPositive();
    }

    /** Waits for {@code condition}, but stops at once with the framework's failures if it has any. */
    private void awaitFramework(String what, Callable<Boolean> condition) {
        try {
            await(what)
                    .atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!framework.failures().isEmpty()) {
                            throw new IllegalStateException("Waiting for " + what + ", the client failed: "
                                    + framework.failures());
                        }
                        return condition.call();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("No " + what + " within " + WAIT.toSeconds() + " s. Framework id: "
                    + framework.frameworkId().map(FrameworkID::getValue).orElse("none (not subscribed)")
                    + "; task states seen: " + framework.allStates(), e);
        }
    }

    private void tearDownAndExpectNoFailures() {
        assertThat(framework.teardown())
                .as("TEARDOWN answered with 202")
                .succeedsWithin(WAIT);
        assertThat(framework.failures()).isEmpty();
    }

    private static boolean sandboxStdoutContaining(String text) throws IOException {
        try (Stream<Path> files = Files.walk(cluster.agentWorkDir())) {
            return files.filter(file -> file.getFileName().toString().equals("stdout"))
                    .anyMatch(file -> read(file).contains(text));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
