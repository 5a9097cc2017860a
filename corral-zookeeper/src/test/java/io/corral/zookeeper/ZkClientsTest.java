package io.corral.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.Test;

class ZkClientsTest {

    @Test
    void nothingListeningFailsFastWithAnActionableMessage() {
        int port = InstanceSpec.getRandomPort(); // free: nothing listens there
        ZkUrl url = ZkUrl.parse("zk://127.0.0.1:" + port + "/corral");
        long start = System.nanoTime();

        assertThatThrownBy(() -> ZkClients.connect(url, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(ZkUnreachableException.class)
                .hasMessage("ZooKeeper at 127.0.0.1:" + port + " is unreachable (no connection within 1s): "
                        + "check that the servers in zk://127.0.0.1:" + port + "/corral are running");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void theUnreachableMessageMasksThePassword() {
        int port = InstanceSpec.getRandomPort();
        ZkUrl url = ZkUrl.parse("zk://alice:s3cret@127.0.0.1:" + port + "/corral");

        assertThatThrownBy(() -> ZkClients.connect(url, Duration.ofSeconds(2), Duration.ofMillis(500)))
                .isInstanceOf(ZkUnreachableException.class)
                .hasMessageContaining("within 500ms")
                .hasMessageContaining("zk://alice:****@127.0.0.1:" + port + "/corral")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }

    @Test
    void connectsWithDigestCredentialsAndCreatesNodesOnlyItsIdentityMayUse() throws Exception {
        try (TestingServer server = new TestingServer(true);
             CuratorFramework client = ZkClients.connect(
                     ZkUrl.parse("zk://alice:s3cret@" + server.getConnectString() + "/corral"),
                     Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            client.create().forPath("/probe", "x".getBytes(UTF_8));

            assertThat(client.getACL().forPath("/probe")).containsExactly(
                    new ACL(ZooDefs.Perms.ALL, ZkAcls.identity(new ZkUrl.Credentials("alice", "s3cret"))));
            assertThat(client.getData().forPath("/probe")).isEqualTo("x".getBytes(UTF_8));
            assertThat(client.getZookeeperClient().isConnected()).isTrue();
        }
    }

    @Test
    void rejectsNonPositiveTimeouts() {
        ZkUrl url = ZkUrl.parse("zk://127.0.0.1:2181/corral");
        assertThatThrownBy(() -> ZkClients.connect(url, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("sessionTimeout must be a positive duration");
    }
}
