package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import io.corral.zookeeper.ZkUnreachableException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ZooKeeperMasterLocatorTest {
    private TestingServer zk;
    private CuratorFramework writer;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
        writer = CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100));
        writer.start();
    }

    @AfterEach
    void stopZooKeeper() throws Exception {
        writer.close();
        zk.close();
    }

    @Test
    void namesTheLowestJsonInfoNodeAsTheLeaderAndFollowsItWhenItGoes() throws Exception {
        String first = announce("127.0.0.1", 5050);
        announce("127.0.0.2", 5051);
        try (ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(
                "zk://" + zk.getConnectString() + "/corral")) {
            assertThat(locator.master(Duration.ofSeconds(10))).isEqualTo(URI.create("http://127.0.0.1:5050"));

            writer.delete().forPath(first); // the leader's session ended
            await().until(() -> locator.master(Duration.ofSeconds(10)).equals(URI.create("http://127.0.0.2:5051")));
        }
    }

    @Test
    void tellsItsListenersOfEachLeaderUntilTheyStop() throws Exception {
        String first = announce("127.0.0.1", 5050);
        try (ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(
                "zk://" + zk.getConnectString() + "/corral")) {
            java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
            Runnable stop = locator.onLeader(told::incrementAndGet);
            await().until(() -> told.get() == 1); // the leader known when it started listening

            announce("127.0.0.2", 5051);
            writer.delete().forPath(first); // a failover: the next master leads
            await().until(() -> told.get() == 2);

            stop.run();
            announce("127.0.0.3", 5052);
            writer.delete().forPath(writer.getChildren().forPath("/corral").stream().sorted().findFirst()
                    .map(node -> "/corral/" + node).orElseThrow());
            await().until(() -> locator.master(Duration.ofSeconds(10)).equals(URI.create("http://127.0.0.3:5052")));
            assertThat(told.get()).as("not told after it stopped").isEqualTo(2);
        }
    }

    @Test
    void noLeaderWithinTheTimeoutIsMasterNotFound() {
        try (ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(
                "zk://" + zk.getConnectString() + "/empty")) {
            assertThatThrownBy(() -> locator.master(Duration.ofMillis(200)))
                    .isInstanceOf(MasterLocator.MasterNotFoundException.class)
                    .hasMessageContaining("names no leading master");
        }
    }

    @Test
    void anUnreachableEnsembleFailsFastWithAPlainMessage() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        assertThatThrownBy(() -> ZooKeeperMasterLocator.connect("zk://127.0.0.1:" + closedPort + "/corral",
                Duration.ofSeconds(2), Duration.ofMillis(500)))
                .isInstanceOf(ZkUnreachableException.class)
                .hasMessageContaining("127.0.0.1:" + closedPort);
    }

    private String announce(String ip, int port) throws Exception {
        byte[] info = MesosJson.printBytes(MasterInfos.create("id-" + port, ip, ip, port, "1.11.0"));
        return writer.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                .forPath("/corral/json.info_", info);
    }
}
