package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.AgentServer;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent stopped for a restart (what {@code corral agent} does on SIGTERM) tells the master first, so its running
 * tasks are neither reported lost while it is away nor disturbed when it comes back; an agent that vanishes without
 * a word (a crash) is judged by its presence, as before.
 */
class AgentRestartTest {
    @TempDir
    Path workDir;

    @Test
    void aRestartingAgentsTasksAreNotReportedLostWhileItIsAway() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            AgentDrainTest.Fixture f = AgentDrainTest.Fixture.withRunningTask(cluster);
            AgentServer agent = cluster.agents.remove(0);

            agent.stopForRestart();
            // Well past the master's presence grace (500 ms) and the agents' session timeout (2 s).
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                    .until(() -> !f.scheduler().statesOf("sleeper").contains(TaskState.TASK_LOST));
            assertThat(AgentDrainTest.stateJson(f.url())).contains("\"active\":false");

            cluster.startAgent(0); // the same work dir: it recovers the task
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> AgentDrainTest.stateJson(f.url()).contains("\"active\":true"));
            assertThat(f.scheduler().statesOf("sleeper")).containsOnly(TaskState.TASK_STARTING, TaskState.TASK_RUNNING);
            f.client().close();
        }
    }

    @Test
    void anAgentThatVanishesWithoutAWordHasItsTasksReportedLost() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            AgentDrainTest.Fixture f = AgentDrainTest.Fixture.withRunningTask(cluster);
            cluster.agents.remove(0).close(); // its presence ends at once, and the master was not told why

            f.scheduler().awaitState("sleeper", TaskState.TASK_LOST);
            f.client().close();
        }
    }
}
