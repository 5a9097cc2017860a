package io.corral.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real ZooKeeper servers started through ZooKeeper's embedding API, standalone and as a 3-member ensemble. */
class EmbeddedZooKeeperTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @BeforeAll
    static void neverExitTheTestJvm() {
        // ZooKeeper calls System.exit on some fatal server errors; in tests, log instead.
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }

    @Test
    void standaloneServesAndKeepsDataAcrossARestart() throws Exception {
        ZkServerConfig config = ZkServerConfig.standalone(tmp.resolve("zk"), InstanceSpec.getRandomPort());

        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(config)) {
            zk.awaitServing(WAIT);
            assertThat(zk.fourLetterWord("ruok").strip()).isEqualTo("imok");
            assertThat(zk.fourLetterWord("srvr")).contains("Mode: standalone");
            try (CuratorFramework client = connect(zk.connectString(), Duration.ofSeconds(5))) {
                client.create().creatingParentsIfNeeded().forPath("/corral/registry/meta", "v1".getBytes(UTF_8));
            }
        }

        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(config);
             CuratorFramework client = connect(zk.connectString(), Duration.ofSeconds(5))) {
            assertThat(new String(client.getData().forPath("/corral/registry/meta"), UTF_8)).isEqualTo("v1");
        }
    }

    @Test
    void grantsSessionsFromOneToSixtySeconds() throws Exception {
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(ZkServerConfig.standalone(tmp, InstanceSpec.getRandomPort()));
             CuratorFramework shortSession = connect(zk.connectString(), Duration.ofMillis(200));
             CuratorFramework mesosSession = connect(zk.connectString(), Duration.ofSeconds(10));
             CuratorFramework longSession = connect(zk.connectString(), Duration.ofMinutes(5))) {
            assertThat(shortSession.getZookeeperClient().getZooKeeper().getSessionTimeout()).isEqualTo(1_000);
            assertThat(mesosSession.getZookeeperClient().getZooKeeper().getSessionTimeout()).isEqualTo(10_000);
            assertThat(longSession.getZookeeperClient().getZooKeeper().getSessionTimeout()).isEqualTo(60_000);
        }
    }

    @Test
    void threeMembersFormAQuorumServeAndKeepDataAcrossARestart() throws Exception {
        List<String> servers = new ArrayList<>();
        List<ZkServerConfig> configs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            servers.add("127.0.0.1:" + InstanceSpec.getRandomPort() + ":" + InstanceSpec.getRandomPort());
        }
        for (int id = 1; id <= 3; id++) {
            configs.add(ZkServerConfig.member(id, tmp.resolve("zk" + id), InstanceSpec.getRandomPort(), servers));
        }
        String connectString = String.join(",", configs.stream().map(c -> "127.0.0.1:" + c.clientPort()).toList());

        List<EmbeddedZooKeeper> ensemble = startAll(configs);
        try {
            List<String> modes = new ArrayList<>();
            for (EmbeddedZooKeeper member : ensemble) {
                modes.add(mode(member.fourLetterWord("srvr")));
            }
            assertThat(modes).containsExactlyInAnyOrder("leader", "follower", "follower");
            try (CuratorFramework client = connect(connectString, Duration.ofSeconds(5))) {
                client.create().creatingParentsIfNeeded().forPath("/corral/config/x", "42".getBytes(UTF_8));
            }
        } finally {
            ensemble.forEach(EmbeddedZooKeeper::close);
        }

        List<EmbeddedZooKeeper> restarted = startAll(configs);
        try (CuratorFramework client = connect(connectString, Duration.ofSeconds(5))) {
            assertThat(new String(client.getData().forPath("/corral/config/x"), UTF_8)).isEqualTo("42");
        } finally {
            restarted.forEach(EmbeddedZooKeeper::close);
        }
    }

    @Test
    void aTakenClientPortFailsTheStartWithTheCause() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ZkServerConfig config = ZkServerConfig.standalone(tmp, taken.getLocalPort());

            assertThatThrownBy(() -> EmbeddedZooKeeper.start(config))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("failed to start on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void configurationMistakesAreExplained() {
        Path dir = tmp;
        assertThatThrownBy(() -> ZkServerConfig.member(4, dir, 2181, List.of("h:1:2", "h:3:4", "h:5:6")))
                .hasMessageContaining("server id 4 has no entry");
        assertThatThrownBy(() -> ZkServerConfig.member(1, dir, 2181, List.of("h:1")))
                .hasMessageContaining("host:quorumPort:electionPort");
        assertThatThrownBy(() -> new ZkServerConfig(0, dir, null, 2181, List.of("h:1:2")))
                .hasMessageContaining("standalone");
        assertThatThrownBy(() -> ZkServerConfig.standalone(dir, 0)).hasMessageContaining("1..65535");
        assertThat(new ZkServerConfig(0, dir, null, 2181, null).clientHost()).isEqualTo("127.0.0.1");
    }

    private static List<EmbeddedZooKeeper> startAll(List<ZkServerConfig> configs) throws Exception {
        List<EmbeddedZooKeeper> members = new ArrayList<>();
        try {
            for (ZkServerConfig config : configs) {
                members.add(EmbeddedZooKeeper.start(config));
            }
            for (EmbeddedZooKeeper member : members) {
                member.awaitServing(WAIT);
            }
            return members;
        } catch (Exception e) {
            members.forEach(EmbeddedZooKeeper::close);
            throw e;
        }
    }

    private static String mode(String srvr) {
        return srvr.lines().filter(l -> l.startsWith("Mode: ")).map(l -> l.substring("Mode: ".length()))
                .findFirst().orElse("none: " + srvr);
    }

    private static CuratorFramework connect(String connectString, Duration session) {
        return ZkClients.connect(ZkUrl.parse("zk://" + connectString + "/corral"), session, WAIT);
    }
}
