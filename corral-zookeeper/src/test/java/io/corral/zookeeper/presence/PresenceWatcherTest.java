package io.corral.zookeeper.presence;

import static io.corral.zookeeper.presence.ZooKeeperFixture.ROOT;
import static io.corral.zookeeper.presence.ZooKeeperFixture.SESSION;
import static io.corral.zookeeper.presence.ZooKeeperFixture.WAIT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Agents announcing themselves and a master-side watcher, against a real ZooKeeper server. */
class PresenceWatcherTest {

    /** What presence promises: a disappearance is seen within the agent's session timeout plus about a second. */
    private static final Duration DETECTION_BOUND = SESSION.plusSeconds(1);

    private ZooKeeperFixture zk;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new ZooKeeperFixture();
    }

    @AfterEach
    void stopZooKeeper() throws Exception {
        zk.close();
    }

    @Test
    void aWatcherStartedBeforeAnyAgentReportsAnEmptySnapshotThenTheAgentsThatAppear() throws Exception {
        RecordingListener events = watch(zk.client()); // not even /corral exists yet

        await().atMost(WAIT).until(() -> events.events().equals(List.of("present []")));
        announce(zk.client(), "a1", "10.0.0.1:5051");
        announce(zk.client(), "a2", "10.0.0.2:5051");

        await().atMost(WAIT).until(() -> events.events().size() == 3);
        assertThat(events.events()).containsExactly(
                "present []", "appeared a1 at 10.0.0.1:5051", "appeared a2 at 10.0.0.2:5051");
        assertThat(events.callingThreads()).hasSize(1);
    }

    @Test
    void aWatcherStartedAfterAgentsAnnouncedGetsThemInItsSnapshot() throws Exception {
        announce(zk.client(), "a1", "10.0.0.1:5051");
        announce(zk.client(), "a2", "10.0.0.2:5051");

        RecordingListener events = new RecordingListener();
        PresenceWatcher watcher = zk.track(new PresenceWatcher(zk.client(), ROOT, events));
        watcher.start();

        await().atMost(WAIT).until(() -> !events.events().isEmpty());
        assertThat(events.events()).containsExactly("present [a1, a2]");
        assertThat(watcher.current()).isEqualTo(Map.of("a1", "10.0.0.1:5051", "a2", "10.0.0.2:5051"));
    }

    @Test
    void anAgentWhoseClientClosesDisappearsAtOnce() throws Exception {
        CuratorFramework agentClient = zk.client();
        announce(agentClient, "a1", "10.0.0.1:5051");
        RecordingListener events = watch(zk.client());
        await().atMost(WAIT).until(() -> events.events().equals(List.of("present [a1]")));

        long closedAt = System.nanoTime();
        agentClient.close(); // ends the session: ZooKeeper deletes its ephemeral znodes immediately

        await().atMost(WAIT).until(() -> events.disappearedAtNanos("a1") != null);
        assertThat(Duration.ofNanos(events.disappearedAtNanos("a1") - closedAt)).isLessThan(SESSION);
        assertThat(events.events()).containsExactly("present [a1]", "disappeared a1");
    }

    @Test
    void anExpiredAgentSessionIsSeenWithinTheSessionTimeoutAndTheAgentComesBackInItsNewSession() throws Exception {
        CuratorFramework agentClient = zk.client();
        announce(agentClient, "a1", "10.0.0.1:5051");
        RecordingListener events = watch(zk.client());
        await().atMost(WAIT).until(() -> events.events().equals(List.of("present [a1]")));
        long oldSession = agentClient.getZookeeperClient().getZooKeeper().getSessionId();

        long expiredAt = System.nanoTime();
        // The client believes its session expired and opens a new one at once; the server keeps the old session,
        // and its znode, until the session times out.
        agentClient.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

        await().atMost(WAIT).until(() -> events.disappearedAtNanos("a1") != null);
        assertThat(Duration.ofNanos(events.disappearedAtNanos("a1") - expiredAt)).isLessThan(DETECTION_BOUND);
        await().atMost(WAIT).until(() -> events.events().size() == 3);
        assertThat(events.events()).containsExactly("present [a1]", "disappeared a1", "appeared a1 at 10.0.0.1:5051");
        long newSession = agentClient.getZookeeperClient().getZooKeeper().getSessionId();
        assertThat(newSession).isNotEqualTo(oldSession);
        assertThat(agentClient.checkExists().forPath(ROOT + "/presence/a1").getEphemeralOwner()).isEqualTo(newSession);
    }

    @Test
    void aFrozenAgentIsSeenAsGoneWithinTheSessionTimeoutAndAppearsAgainWhenThawed() throws Exception {
        FreezableProxy agentLink = zk.proxy();
        announce(zk.clientBehind(agentLink), "a1", "10.0.0.1:5051");
        announce(zk.client(), "a2", "10.0.0.2:5051");
        RecordingListener events = watch(zk.client());
        await().atMost(WAIT).until(() -> events.events().equals(List.of("present [a1, a2]")));

        long frozenAt = System.nanoTime();
        agentLink.freeze(); // what the server sees of a SIGSTOPped agent: silence on an open connection

        await().atMost(WAIT).until(() -> events.disappearedAtNanos("a1") != null);
        assertThat(Duration.ofNanos(events.disappearedAtNanos("a1") - frozenAt)).isLessThan(DETECTION_BOUND);
        agentLink.thaw();

        await().atMost(WAIT).until(() -> events.events().size() == 3);
        assertThat(events.events()).containsExactly("present [a1, a2]", "disappeared a1", "appeared a1 at 10.0.0.1:5051");
    }

    @Test
    void whileItsOwnSessionIsLostTheWatcherReportsNothingAndAfterwardsOnlyWhatChanged() throws Exception {
        AgentPresence leaving = announce(zk.client(), "a1", "10.0.0.1:5051");
        announce(zk.client(), "a2", "10.0.0.2:5051");
        FreezableProxy masterLink = zk.proxy();
        CuratorFramework masterClient = zk.clientBehind(masterLink);
        CountDownLatch lost = new CountDownLatch(1);
        masterClient.getConnectionStateListenable().addListener((client, state) -> {
            if (state == ConnectionState.LOST) {
                lost.countDown();
            }
        });
        RecordingListener events = watch(masterClient);
        await().atMost(WAIT).until(() -> events.events().equals(List.of("present [a1, a2]")));

        masterLink.freeze();
        assertThat(lost.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        leaving.close();
        announce(zk.client(), "a3", "10.0.0.3:5051");

        await().during(Duration.ofMillis(500)).atMost(WAIT)
                .until(() -> events.events().equals(List.of("present [a1, a2]")));
        masterLink.thaw();

        await().atMost(WAIT).until(() -> events.events().size() == 3);
        assertThat(events.events()).containsExactly("present [a1, a2]", "disappeared a1", "appeared a3 at 10.0.0.3:5051");
    }

    @Test
    void aZnodeReCreatedBetweenTwoReadsIsReportedAsGoneThenBack() throws Exception {
        CuratorFramework admin = zk.client();
        String path = ROOT + "/presence/a1";
        admin.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                .forPath(path, new PresenceDocument("a1", "10.0.0.1:5051", 1).toJson());
        RecordingListener events = watch(zk.client());
        await().atMost(WAIT).until(() -> events.events().equals(List.of("present [a1]")));

        // One transaction: no listing can ever show a1 missing; only the znode's identity tells.
        admin.transaction().forOperations(
                admin.transactionOp().delete().forPath(path),
                admin.transactionOp().create().withMode(CreateMode.EPHEMERAL)
                        .forPath(path, new PresenceDocument("a1", "10.0.0.9:5051", 2).toJson()));

        await().atMost(WAIT).until(() -> events.events().size() == 3);
        assertThat(events.events()).containsExactly("present [a1]", "disappeared a1", "appeared a1 at 10.0.0.9:5051");
    }

    @Test
    void aZnodeWithoutPresenceJsonStillCountsAsPresentWithoutAnAddress() throws Exception {
        RecordingListener events = watch(zk.client());
        await().atMost(WAIT).until(() -> events.events().equals(List.of("present []")));

        zk.client().create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                .forPath(ROOT + "/presence/odd", "not json".getBytes(UTF_8));

        await().atMost(WAIT).until(() -> events.events().size() == 2);
        assertThat(events.events()).containsExactly("present []", "appeared odd at ");
    }

    private AgentPresence announce(CuratorFramework client, String agentId, String address) throws Exception {
        AgentPresence presence = zk.track(new AgentPresence(client, ROOT));
        presence.announce(agentId, address);
        assertThat(presence.awaitAnnounced(WAIT)).isTrue();
        return presence;
    }

    private RecordingListener watch(CuratorFramework client) {
        RecordingListener events = new RecordingListener();
        zk.track(new PresenceWatcher(client, ROOT, events)).start();
        return events;
    }
}
