package io.corral.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ACLs and the wrong-password check against a real ZooKeeper server: with credentials, clients without any can find
 * the leader as Mesos detectors do and can change nothing; a wrong password is refused at connect with one line;
 * without credentials everything stays open.
 */
class ZkAccessControlTest {

    /** Nested, so that the root's parent is one Corral creates too. */
    private static final String ROOT = "/apps/corral";
    private static final Duration SESSION = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private TestingServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        server.close();
    }

    @Test
    void withCredentialsAClientWithoutAnyReadsTheLeaderLikeAMesosDetectorButChangesNothing() throws Exception {
        CuratorFramework corral = connect(url("corral:s3cret@"));
        MasterContender contender = contend(corral, master("m1"));
        corral.create().creatingParentsIfNeeded().forPath(ROOT + "/registry/meta", "v1".getBytes(UTF_8));
        ZooKeeper anonymous = anonymousClient();

        // Mesos detection: list the root's children, take the lowest json.info_, read its MasterInfo JSON.
        assertThat(anonymous.getChildren("/apps", false)).containsExactly("corral");
        String lowest = anonymous.getChildren(ROOT, false).stream()
                .filter(name -> name.startsWith(MasterDetector.NODE_PREFIX))
                .min(Comparator.naturalOrder()).orElseThrow();
        assertThat(lowest).isEqualTo(contender.ownNodeName());
        assertThat(new String(anonymous.getData(ROOT + "/" + lowest, false, null), UTF_8))
                .isEqualTo(MesosJson.print(master("m1")));

        // Nothing else is readable, and nothing at all writable.
        assertNoAuth(() -> anonymous.getData(ROOT + "/registry/meta", false, null));
        assertNoAuth(() -> anonymous.getChildren(ROOT + "/registry", false));
        assertNoAuth(() -> anonymous.create(ROOT + "/intruder", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT));
        assertNoAuth(() -> anonymous.create(ROOT + "/json.info_", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.EPHEMERAL_SEQUENTIAL));
        assertNoAuth(() -> anonymous.create("/apps/intruder", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT));
        assertNoAuth(() -> anonymous.setData(ROOT, new byte[0], -1));
        assertNoAuth(() -> anonymous.setData(contender.ownNodePath(), new byte[0], -1));
        assertNoAuth(() -> anonymous.delete(contender.ownNodePath(), -1));
        assertNoAuth(() -> anonymous.delete(ROOT + "/registry/meta", -1));
        assertNoAuth(() -> anonymous.setACL(ROOT, ZooDefs.Ids.OPEN_ACL_UNSAFE, -1));
        assertThat(contender.hasCandidacy()).isTrue();
    }

    @Test
    void withCredentialsEveryZnodeGetsCorralsIdentityAndOnlyTheDetectionPathIsPublic() throws Exception {
        CuratorFramework corral = connect(url("corral:s3cret@"));
        MasterContender contender = contend(corral, master("m1"));
        corral.create().creatingParentsIfNeeded().forPath(ROOT + "/presence/a1");
        ACL corralAll = new ACL(ZooDefs.Perms.ALL, ZkAcls.identity(new ZkUrl.Credentials("corral", "s3cret")));
        ACL everyoneRead = new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE);

        for (String publicPath : List.of("/apps", ROOT, contender.ownNodePath())) {
            assertThat(corral.getACL().forPath(publicPath)).as(publicPath).containsExactly(everyoneRead, corralAll);
        }
        for (String privatePath : List.of(ROOT + "/presence", ROOT + "/presence/a1")) {
            assertThat(corral.getACL().forPath(privatePath)).as(privatePath).containsExactly(corralAll);
        }
    }

    @Test
    void anUnauthenticatedCorralDetectorFindsTheLeader() throws Exception {
        contend(connect(url("corral:s3cret@")), master("m1"));
        MasterDetector detector = new MasterDetector(connect(url("")), ROOT);
        closeables.add(detector);

        assertThat(detector.awaitLeader(WAIT).info().getId()).isEqualTo("m1");
    }

    @Test
    void aWrongPasswordIsRefusedAtConnectWithOneLineThatHidesThePassword() throws Exception {
        contend(connect(url("corral:s3cret@")), master("m1"));

        assertThatThrownBy(() -> ZkClients.connect(url("corral:wrong@"), SESSION, WAIT))
                .isInstanceOf(ZkAccessDeniedException.class)
                .hasMessage("ZooKeeper denied access to " + ROOT + ": check the user and password in zk://corral:****@"
                        + server.getConnectString() + ROOT)
                .hasNoCause();
        assertThatThrownBy(() -> ZkClients.connect(url("mallory:s3cret@"), SESSION, WAIT))
                .isInstanceOf(ZkAccessDeniedException.class)
                .hasMessageStartingWith("ZooKeeper denied access to " + ROOT + ": check the user and password");
    }

    @Test
    void aWrongPasswordIsRefusedAtTheNearestExistingParentWhenTheRootIsNotCreatedYet() throws Exception {
        contend(connect(url("corral:s3cret@")), master("m1")); // creates /apps, protected
        ZkUrl sibling = ZkUrl.parse("zk://corral:wrong@" + server.getConnectString() + "/apps/other/corral");

        assertThatThrownBy(() -> ZkClients.connect(sibling, SESSION, WAIT))
                .isInstanceOf(ZkAccessDeniedException.class)
                .hasMessageStartingWith("ZooKeeper denied access to /apps: ");
        try (CuratorFramework right = ZkClients.connect(ZkUrl.parse(
                "zk://corral:s3cret@" + server.getConnectString() + "/apps/other/corral"), SESSION, WAIT)) {
            assertThat(right.checkExists().forPath("/apps/other")).as("the check creates nothing").isNull();
        }
    }

    @Test
    void theAccessCheckOfTheRightPasswordWritesNothing() throws Exception {
        CuratorFramework corral = connect(url("corral:s3cret@"));
        contend(corral, master("m1"));
        Stat before = corral.checkExists().forPath(ROOT);

        connect(url("corral:s3cret@"));

        Stat after = corral.checkExists().forPath(ROOT);
        assertThat(after.getVersion()).isEqualTo(before.getVersion());
        assertThat(after.getMzxid()).isEqualTo(before.getMzxid());
    }

    @Test
    void aContenderWithoutCredentialsOnAProtectedClusterIsDeniedWithOneLine() throws Exception {
        contend(connect(url("corral:s3cret@")), master("m1"));
        MasterContender anonymous = new MasterContender(connect(url("")), ROOT,
                MesosJson.print(master("m2")).getBytes(UTF_8));
        closeables.add(anonymous);

        assertThatThrownBy(anonymous::start)
                .isInstanceOf(ZkAccessDeniedException.class)
                .hasMessage("ZooKeeper denied access to " + ROOT + "/json.info_: check the user and password of the"
                        + " zk:// URL (zk://USER:PASSWORD@host:port/path)");
    }

    @Test
    void withoutCredentialsEverythingStaysOpen() throws Exception {
        CuratorFramework corral = connect(url(""));
        MasterContender contender = contend(corral, master("m1"));
        corral.create().creatingParentsIfNeeded().forPath(ROOT + "/registry/meta");
        for (String path : List.of("/apps", ROOT, contender.ownNodePath(), ROOT + "/registry", ROOT + "/registry/meta")) {
            assertThat(corral.getACL().forPath(path)).as(path).isEqualTo(ZooDefs.Ids.OPEN_ACL_UNSAFE);
        }

        ZooKeeper anonymous = anonymousClient();
        anonymous.create(ROOT + "/other", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        anonymous.setData(ROOT + "/registry/meta", "x".getBytes(UTF_8), -1);
        anonymous.delete(ROOT + "/other", -1);
        assertThat(anonymous.getData(ROOT + "/registry/meta", false, null)).isEqualTo("x".getBytes(UTF_8));
    }

    private interface ZkCall {
        void run() throws Exception;
    }

    private static void assertNoAuth(ZkCall call) {
        assertThatThrownBy(call::run).isInstanceOf(KeeperException.NoAuthException.class);
    }

    private static MasterInfo master(String id) {
        return MasterInfos.create(id, id + ".example", "127.0.0.1", 5050, "1.11.0");
    }

    /** The test server's URL with ROOT, and {@code userInfo} ("user:password@" or "") before the hosts. */
    private ZkUrl url(String userInfo) {
        return ZkUrl.parse("zk://" + userInfo + server.getConnectString() + ROOT);
    }

    private CuratorFramework connect(ZkUrl url) {
        CuratorFramework client = ZkClients.connect(url, SESSION, WAIT);
        closeables.add(client);
        return client;
    }

    private MasterContender contend(CuratorFramework client, MasterInfo info) throws Exception {
        MasterContender contender = new MasterContender(client, ROOT, MesosJson.print(info).getBytes(UTF_8));
        closeables.add(contender);
        contender.start();
        return contender;
    }

    /** A plain ZooKeeper client with no credentials at all, as a Mesos detector connects. */
    private ZooKeeper anonymousClient() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper client = new ZooKeeper(server.getConnectString(), (int) SESSION.toMillis(), event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        closeables.add(client);
        assertThat(connected.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("connected").isTrue();
        return client;
    }
}
