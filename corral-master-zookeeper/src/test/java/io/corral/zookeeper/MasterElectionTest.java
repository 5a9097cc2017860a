package io.corral.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Contenders and the detector against a real ZooKeeper server. */
class MasterElectionTest {

    private static final String ROOT = "/corral";
    private static final Duration SESSION = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(15);

    private TestingServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        // Corral's tick and session bounds, so the server grants the 2 s sessions these tests use.
        server = new TestingServer(TestEnsembles.standalone(), true);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        server.close();
    }

    @Test
    void theLowestNodeLeadsAndClosingItPromotesTheNext() throws Exception {
        MasterContender first = contend(newClient(), master("m1", 5051));
        MasterContender second = contend(newClient(), master("m2", 5052));
        MasterContender third = contend(newClient(), master("m3", 5053));
        MasterDetector detector = detector(newClient());

        MasterDetector.Leader leader = detector.awaitLeader(WAIT);
        assertThat(leader.nodeName()).isEqualTo(first.ownNodeName());
        assertThat(leader.info()).isEqualTo(MesosJson.parse(MesosJson.print(master("m1", 5051)), MasterInfo.getDefaultInstance()));
        assertThat(List.of(first.ownNodeName(), second.ownNodeName(), third.ownNodeName()))
                .allMatch(name -> name.matches("json\\.info_\\d{10}"))
                .isSorted();

        first.close();

        await().atMost(WAIT).until(() -> leaderName(detector).equals(second.ownNodeName()));
        assertThat(detector.current().orElseThrow().info().getId()).isEqualTo("m2");
        assertThat(third.hasCandidacy()).isTrue();
    }

    @Test
    void anExpiredLeaderSessionLosesCandidacyAndTheNextLeadsWithinTheSessionTimeout() throws Exception {
        CuratorFramework leaderClient = newClient();
        MasterContender first = contend(leaderClient, master("m1", 5051));
        CountDownLatch lost = new CountDownLatch(1);
        first.addListener(lost::countDown);
        MasterContender second = contend(newClient(), master("m2", 5052));
        MasterDetector detector = detector(newClient());
        assertThat(detector.awaitLeader(WAIT).nodeName()).isEqualTo(first.ownNodeName());

        long killedAt = System.nanoTime();
        KillSession.kill(leaderClient.getZookeeperClient().getZooKeeper());

        assertThat(lost.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        await().atMost(WAIT).until(() -> leaderName(detector).equals(second.ownNodeName()));
        // The server removes the dead session's node after the session timeout (plus at most a tick or two).
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(SESSION.multipliedBy(3));
        assertThat(first.hasCandidacy()).isFalse();
    }

    @Test
    void deletingTheNodeEndsTheCandidacyOnce() throws Exception {
        CuratorFramework admin = newClient();
        MasterContender contender = contend(newClient(), master("m1", 5051));
        AtomicInteger losses = new AtomicInteger();
        contender.addListener(losses::incrementAndGet);

        admin.delete().forPath(contender.ownNodePath());

        await().atMost(WAIT).until(() -> losses.get() == 1);
        contender.close(); // no second call, no failure although the node is gone
        assertThat(losses).hasValue(1);
    }

    @Test
    void closingWithdrawsWithoutCallingListeners() throws Exception {
        CuratorFramework client = newClient();
        MasterContender contender = contend(client, master("m1", 5051));
        AtomicInteger losses = new AtomicInteger();
        contender.addListener(losses::incrementAndGet);

        contender.close();

        assertThat(client.checkExists().forPath(contender.ownNodePath())).isNull();
        assertThat(losses).hasValue(0);
        assertThatThrownBy(contender::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theZnodeIsMasterInfoJsonThatARawZooKeeperClientCanFollow() throws Exception {
        contend(newClient(), master("m1", 5051));
        contend(newClient(), master("m2", 5052));
        CuratorFramework admin = newClient();
        admin.create().forPath(ROOT + "/log_replicas"); // other children a Mesos reader must skip
        admin.create().forPath(ROOT + "/log_replicas/0000000000");

        // What third-party Mesos detectors do: list, keep json.info_, take the lowest sequence, parse its data.
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper raw = new ZooKeeper(server.getConnectString(), 10_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        try {
            assertThat(connected.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            String lowest = raw.getChildren(ROOT, false).stream()
                    .filter(name -> name.startsWith("json.info_"))
                    .min(Comparator.comparingLong(name -> Long.parseLong(name.substring("json.info_".length()))))
                    .orElseThrow();
            byte[] data = raw.getData(ROOT + "/" + lowest, false, null);
            JsonNode json = new ObjectMapper().readTree(data);

            assertThat(json.at("/address/hostname").asText()).isEqualTo("m1.example");
            assertThat(json.at("/address/ip").asText()).isEqualTo("127.0.0.1");
            assertThat(json.at("/address/port").asInt()).isEqualTo(5051);
            assertThat(json.get("hostname").asText()).isEqualTo("m1.example");
            assertThat(json.get("port").asInt()).isEqualTo(5051);
            assertThat(json.get("ip").asLong()).isEqualTo(16777343L);
            assertThat(MesosJson.parse(new String(data, UTF_8), MasterInfo.getDefaultInstance()).getId()).isEqualTo("m1");
        } finally {
            raw.close();
        }
    }

    @Test
    void theDetectorWaitsForTheRootPathToAppear() throws Exception {
        MasterDetector detector = detector(newClient());
        assertThatThrownBy(() -> detector.awaitLeader(Duration.ofMillis(300))).isInstanceOf(TimeoutException.class)
                .hasMessageContaining(ROOT);

        MasterContender contender = contend(newClient(), master("m1", 5051));

        assertThat(detector.awaitLeader(WAIT).nodeName()).isEqualTo(contender.ownNodeName());
    }

    @Test
    void corruptDataIsSkippedAndTheNextValidNodeLeads() throws Exception {
        CuratorFramework admin = newClient();
        admin.create().creatingParentsIfNeeded().forPath(ROOT + "/json.info_0000000000", "not json".getBytes(UTF_8));
        admin.create().forPath(ROOT + "/json.info_0000000001", "{\"port\":\"x\"".getBytes(UTF_8));
        admin.create().forPath(ROOT + "/json.info_oops", "{}".getBytes(UTF_8));
        MasterDetector detector = detector(newClient());
        MasterContender contender = contend(newClient(), master("m1", 5051));

        assertThat(detector.awaitLeader(WAIT).nodeName()).isEqualTo(contender.ownNodeName());

        // Still alive and following changes afterwards.
        contender.close();
        await().atMost(WAIT).until(() -> detector.current().isEmpty());
    }

    @Test
    void aPlantedPersistentNodeWithValidDataCannotDeposeTheLeader() throws Exception {
        // Anyone who can write the root could plant a persistent node sorting first, with a master's data.
        CuratorFramework attacker = newClient();
        attacker.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                .forPath(ROOT + "/json.info_0000000000", MesosJson.print(master("evil", 6666)).getBytes(UTF_8));
        MasterDetector detector = detector(newClient());
        MasterContender contender = contend(newClient(), master("m1", 5051));

        assertThat(detector.awaitLeader(WAIT).info().getId()).isEqualTo("m1");
        assertThat(contender.ownNodeName()).isNotEqualTo("json.info_0000000000");
        assertThat(contender.hasCandidacy()).isTrue();
    }

    @Test
    void listenersSeeEveryChangeInOrder() throws Exception {
        MasterDetector detector = detector(newClient());
        List<Optional<String>> seen = new CopyOnWriteArrayList<>();
        detector.addListener(leader -> seen.add(leader.map(MasterDetector.Leader::nodeName)));
        await().atMost(WAIT).until(() -> seen.size() == 1); // the initial state: nobody leads

        MasterContender first = contend(newClient(), master("m1", 5051));
        await().atMost(WAIT).until(() -> detector.current().isPresent());
        MasterContender second = contend(newClient(), master("m2", 5052));
        first.close();
        await().atMost(WAIT).until(() -> leaderName(detector).equals(second.ownNodeName()));
        second.close();
        await().atMost(WAIT).until(() -> detector.current().isEmpty());

        await().atMost(WAIT).untilAsserted(() -> assertThat(seen).containsExactly(
                Optional.empty(), Optional.of(first.ownNodeName()), Optional.of(second.ownNodeName()), Optional.empty()));
    }

    @Test
    void theDetectorFollowsTheLeaderAcrossAServerRestart() throws Exception {
        List<CuratorFramework> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CuratorFramework client = ZkClients.connect(url(), Duration.ofSeconds(10), WAIT); // outlives the restart
            closeables.add(client);
            clients.add(client);
        }
        MasterContender first = contend(clients.get(0), master("m1", 5051));
        MasterContender second = contend(clients.get(1), master("m2", 5052));
        MasterDetector detector = detector(clients.get(2));
        assertThat(detector.awaitLeader(WAIT).nodeName()).isEqualTo(first.ownNodeName());

        server.restart();
        await().atMost(WAIT).until(() -> clients.stream().allMatch(c -> c.getZookeeperClient().isConnected()));
        assertThat(detector.current().map(MasterDetector.Leader::nodeName)).hasValue(first.ownNodeName());
        first.close();

        await().atMost(WAIT).until(() -> leaderName(detector).equals(second.ownNodeName()));
    }

    @Test
    void afterAConnectionLossItFindsTheNodeItsSessionCreatedInsteadOfCreatingAnother() throws Exception {
        CuratorFramework client = newClient();
        byte[] data = MesosJson.print(master("m1", 5051)).getBytes(UTF_8);
        MasterContender contender = new MasterContender(client, ROOT, data);
        closeables.add(contender);
        long session = client.getZookeeperClient().getZooKeeper().getSessionId();
        assertThat(contender.findOwnNode(session)).isEmpty(); // no root yet

        CuratorFramework other = newClient();
        other.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(ROOT + "/json.info_", data);
        client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(ROOT + "/json.info_", "other".getBytes(UTF_8));
        assertThat(contender.findOwnNode(session)).as("same data but another session, or same session other data").isEmpty();

        String ours = client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(ROOT + "/json.info_", data);

        assertThat(contender.findOwnNode(session)).hasValue(ours);
    }

    private static String leaderName(MasterDetector detector) {
        return detector.current().map(MasterDetector.Leader::nodeName).orElse("");
    }

    private static MasterInfo master(String id, int port) {
        return MasterInfos.create(id, id + ".example", "127.0.0.1", port, "1.11.0");
    }

    private ZkUrl url() {
        return ZkUrl.parse("zk://" + server.getConnectString() + ROOT);
    }

    private CuratorFramework newClient() {
        CuratorFramework client = ZkClients.connect(url(), SESSION, WAIT);
        closeables.add(client);
        return client;
    }

    private MasterContender contend(CuratorFramework client, MasterInfo info) throws Exception {
        MasterContender contender = new MasterContender(client, ROOT, MesosJson.print(info).getBytes(UTF_8));
        closeables.add(contender);
        contender.start();
        return contender;
    }

    private MasterDetector detector(CuratorFramework client) {
        MasterDetector detector = new MasterDetector(client, ROOT);
        closeables.add(detector);
        return detector;
    }
}
