package io.corral.it;

import static io.corral.it.CliRun.corral;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.AgentServer;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code corral logs} when the task's agent goes away: a clear message and exit 1, following or not. */
class LogsAgentGoneTest {
    @TempDir
    Path workDir;
    InProcessCluster cluster;

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void followingStopsWithTheReasonWhenTheAgentGoesAway() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 1);
        cluster.awaitLeader();
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("orphaned", 60), scheduler).autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            client.launch(List.of(offer.getId()), List.of(Tasks.shell("lonely", "echo started; sleep 300", offer, 0.1,
                    32))).join();
            scheduler.awaitState("lonely", TaskState.TASK_RUNNING);

            CliWatch follow = CliWatch.start("logs", "lonely", "-f", "--master", cluster.leaderUrl());
            await().atMost(Duration.ofSeconds(30)).until(() -> follow.out().contains("started"));

            AgentServer agent = cluster.agents.remove(0);
            agent.stop(true); // its task killed, its HTTP server gone

            CliRun followed = follow.done().get(30, TimeUnit.SECONDS);
            assertThat(followed.exit()).isEqualTo(1);
            assertThat(followed.out()).isEqualTo("started\n");
            assertThat(followed.err()).startsWith("corral logs: cannot reach the agent at http://127.0.0.1:");

            CliRun after = corral("logs", "lonely", "--master", cluster.leaderUrl());
            assertThat(after.exit()).isEqualTo(1);
            assertThat(after.err()).contains("corral logs: cannot reach the agent at");
        }
    }
}
