package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.ZooKeeperMasterLocator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A framework's failover timeout survives a master failover (Mesos loses it, MESOS-4659): the framework disconnects,
 * the leader dies, and the new leader tears the framework down at the deadline the old one recorded, not later and
 * not before.
 */
class FailoverDeadlineTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path workDir;

    @Test
    void newLeaderTearsDownAtTheRecordedDeadline() throws Exception {
        // The locator is closed with the cluster: the client does not close it, and its ZooKeeper client, left
        // running, logged reconnection attempts into the stderr that later tests' CLI runs capture.
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 2, 0);
             ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(cluster.zk.toString())) {
            cluster.awaitLeader();
            RecordingScheduler scheduler = new RecordingScheduler();
            SchedulerClient client = SchedulerClient.builder(locator,
                    Tasks.framework("deadline", 8), scheduler).encoding(Encoding.JSON).build();
            client.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.frameworkId != null);
            String frameworkId = scheduler.frameworkId.getValue();

            MasterServer oldLeader = cluster.leader().orElseThrow();
            client.close(); // disconnects: the 8 s failover timeout starts
            long disconnectedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> !isConnected(cluster.leaderUrl(), frameworkId));
            KillSession.kill(oldLeader.zookeeper().getZookeeperClient().getZooKeeper());

            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.leader().filter(m -> m != oldLeader).isPresent());
            await().atMost(Duration.ofSeconds(10)).until(() -> state(cluster.leaderUrl()) != null);
            assertThat(listed(state(cluster.leaderUrl()), "frameworks", frameworkId))
                    .as("the new leader knows the disconnected framework").isTrue();

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> listed(state(cluster.leaderUrl()), "completed_frameworks", frameworkId));
            double seconds = (System.nanoTime() - disconnectedAt) / 1e9;
            System.out.printf("framework removed %.2f s after it disconnected (failover_timeout 8 s)%n", seconds);
            assertThat(seconds).isBetween(7.5, 14.0);
        }
    }

    private static boolean isConnected(String leaderUrl, String frameworkId) throws Exception {
        JsonNode state = state(leaderUrl);
        for (JsonNode framework : state.path("frameworks")) {
            if (framework.path("id").asText().equals(frameworkId)) {
                return framework.path("connected").asBoolean();
            }
        }
        return false;
    }

    private static boolean listed(JsonNode state, String key, String frameworkId) {
        for (JsonNode framework : state.path(key)) {
            if (framework.path("id").asText().equals(frameworkId)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode state(String leaderUrl) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(leaderUrl + "/master/state"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? new ObjectMapper().readTree(response.body()) : null;
    }
}
