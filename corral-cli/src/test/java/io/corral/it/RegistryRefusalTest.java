package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.zookeeper.ZkClients;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SUBSCRIBE whose registry write a real ZooKeeper refuses (here: an operator made the registry's frameworks znode
 * read-only) answers 503 with the reason and leaves no framework behind, in memory or in {@code /master/state}; the
 * same SUBSCRIBE succeeds once ZooKeeper accepts the write again.
 */
class RegistryRefusalTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String SUBSCRIBE = """
            {"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"nobody","name":"refused",
             "failover_timeout":60}}}""";

    @TempDir
    Path workDir;

    @Test
    void aSubscribeZooKeeperRefusesLeavesNoTrace() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 0);
             CuratorFramework operator = ZkClients.connect(cluster.zk, Duration.ofSeconds(5), Duration.ofSeconds(15))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent()
                    && get(cluster.leaderUrl() + "/master/state").statusCode() == 200);
            String frameworks = "/corral/registry/frameworks";
            operator.setACL().withACL(List.of(new ACL(ZooDefs.Perms.READ | ZooDefs.Perms.ADMIN,
                    ZooDefs.Ids.ANYONE_ID_UNSAFE))).forPath(frameworks);

            HttpResponse<String> refused = HTTP.send(subscribe(cluster.leaderUrl()),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("could not record").contains("NOAUTH").contains("retry");
            assertThat(new ObjectMapper().readTree(get(cluster.leaderUrl() + "/master/state").body())
                    .path("frameworks")).isEmpty();
            assertThat(operator.getChildren().forPath(frameworks)).isEmpty();

            operator.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(frameworks);
            HttpResponse<InputStream> accepted = HTTP.send(subscribe(cluster.leaderUrl()),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream stream = accepted.body()) {
                assertThat(accepted.statusCode()).isEqualTo(200);
                assertThat(new ObjectMapper().readTree(firstRecord(stream)).path("type").asText())
                        .isEqualTo("SUBSCRIBED");
            }
            assertThat(operator.getChildren().forPath(frameworks)).hasSize(1);
        }
    }

    /** The first RecordIO record of a stream: its length in decimal, a newline, then that many bytes. */
    private static String firstRecord(InputStream stream) throws Exception {
        StringBuilder length = new StringBuilder();
        for (int c = stream.read(); c != '\n'; c = stream.read()) {
            assertThat(c).as("a RecordIO length").isBetween((int) '0', (int) '9');
            length.append((char) c);
        }
        return new String(stream.readNBytes(Integer.parseInt(length.toString())), StandardCharsets.UTF_8);
    }

    private static HttpRequest subscribe(String leaderUrl) {
        return HttpRequest.newBuilder(URI.create(leaderUrl + "/api/v1/scheduler"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SUBSCRIBE))
                .build();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
