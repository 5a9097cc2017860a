package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.MasterServer;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.ZooKeeperMasterLocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.KillSession;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leading master dies while a task runs (its ZooKeeper session ends, as with kill -9): a standby takes over, the
 * agent re-registers with its running task, the framework resubscribes with its id, and the task's TASK_FINISHED
 * reaches the framework as it would have without the failover.
 */
class MasterFailoverTest {
    @TempDir
    Path workDir;

    @Test
    void taskKeepsRunningAndItsFinalUpdateArrivesAfterLeaderDies() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 3, 1)) {
            cluster.awaitLeader();
            RecordingScheduler scheduler = new RecordingScheduler();
            Path go = workDir.resolve("go");
            // The client does not close its locator: its ZooKeeper client, left running, logged reconnection
            // attempts into the stderr that later tests' CLI runs capture.
            try (ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(cluster.zk.toString());
                 SchedulerClient client = SchedulerClient.builder(locator,
                            Tasks.framework("failover-test", 60), scheduler)
                    .encoding(Encoding.JSON).autoAcknowledge(true).build()) {
                client.start();
                Offer offer = scheduler.nextOffer();
                String command = "while [ ! -f " + go + " ]; do sleep 0.05; done; echo done";
                client.launch(List.of(offer.getId()), List.of(Tasks.shell("gated", command, offer, 0.1, 32))).join();
                scheduler.awaitState("gated", TaskState.TASK_RUNNING);

                MasterServer oldLeader = cluster.leader().orElseThrow();
                long killedAt = System.nanoTime();
                KillSession.kill(oldLeader.zookeeper().getZookeeperClient().getZooKeeper());

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> cluster.leader().filter(m -> m != oldLeader).isPresent());
                await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.subscriptions.size() >= 2);
                long failoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
                System.out.println("failover: new leader subscribed the framework " + failoverMillis + " ms after"
                        + " the old leader's session was killed");
                assertThat(cluster.deposed).contains(oldLeader);
                assertThat(scheduler.subscriptions.get(1).getId()).isNotEqualTo(oldLeader.info().getId());

                Files.createFile(go);
                TaskStatus finished = scheduler.awaitState("gated", TaskState.TASK_FINISHED);
                assertThat(finished.getMessage()).isEqualTo("Command exited with status 0");
                assertThat(scheduler.statesOf("gated")).doesNotContain(TaskState.TASK_LOST, TaskState.TASK_FAILED,
                        TaskState.TASK_KILLED);
                assertThat(scheduler.errors).isEmpty();
            }
        }
    }
}
