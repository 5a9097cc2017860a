package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.HealthCheck;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reconciliation answers with the task's latest health, as Mesos does: a framework leader that takes over (Services
 * after a failover) learns which instances are healthy from it, since the agent reports health only when it changes.
 */
class ReconcileHealthTest {
    @TempDir
    Path dir;
    private InProcessCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessCluster.start(dir, 1, 1);
        cluster.awaitLeader();
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void reconciliationCarriesTheLatestHealthVerdict() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                        Tasks.framework("health", 0), scheduler)
                .encoding(Encoding.JSON).autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            TaskInfo task = Tasks.shell("checked", "sleep 600", offer, 0.1, 16).toBuilder()
                    .setHealthCheck(HealthCheck.newBuilder().setType(HealthCheck.Type.COMMAND)
                            .setCommand(CommandInfo.newBuilder().setShell(true).setValue("true"))
                            .setDelaySeconds(0).setIntervalSeconds(0.2).setGracePeriodSeconds(10))
                    .build();
            client.launch(List.of(offer.getId()), List.of(task)).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.updates.stream()
                    .anyMatch(s -> s.getTaskId().getValue().equals("checked") && s.hasHealthy() && s.getHealthy()));

            client.reconcile(List.of()).join();

            TaskStatus answer = await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.updates.stream()
                    .filter(s -> s.getReason() == TaskStatus.Reason.REASON_RECONCILIATION)
                    .findFirst().orElse(null), java.util.Objects::nonNull);
            assertThat(answer.getState()).isEqualTo(TaskState.TASK_RUNNING);
            assertThat(answer.hasHealthy()).as(answer.toString()).isTrue();
            assertThat(answer.getHealthy()).isTrue();
        }
    }
}
