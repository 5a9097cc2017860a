package io.corral.zookeeper.presence;

import static io.corral.zookeeper.presence.ZooKeeperFixture.ROOT;
import static io.corral.zookeeper.presence.ZooKeeperFixture.WAIT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent side: what the presence znode holds and who owns it. */
class AgentPresenceTest {

    private static final String PATH = ROOT + "/presence/a1";
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_123L), ZoneOffset.UTC);

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
    void theZnodeIsEphemeralInTheAgentsSessionAndHoldsItsIdAddressAndStartTime() throws Exception {
        CuratorFramework client = zk.client();
        AgentPresence presence = zk.track(new AgentPresence(client, ROOT, CLOCK));

        presence.announce("a1", "10.0.0.1:5051");

        assertThat(presence.awaitAnnounced(WAIT)).isTrue();
        Stat stat = new Stat();
        JsonNode json = new ObjectMapper().readTree(client.getData().storingStatIn(stat).forPath(PATH));
        assertThat(json.get("version").asInt()).isEqualTo(1);
        assertThat(json.get("agent_id").asText()).isEqualTo("a1");
        assertThat(json.get("address").asText()).isEqualTo("10.0.0.1:5051");
        assertThat(json.get("since").asLong()).isEqualTo(1_700_000_000_123L);
        assertThat(stat.getEphemeralOwner()).isEqualTo(sessionOf(client));
        // A plain persistent parent, not a container ZooKeeper would delete when the last agent leaves.
        assertThat(client.checkExists().forPath(ROOT + "/presence").getEphemeralOwner()).isZero();
    }

    @Test
    void closeDeletesTheZnode() throws Exception {
        CuratorFramework client = zk.client();
        AgentPresence presence = zk.track(new AgentPresence(client, ROOT));
        presence.announce("a1", "10.0.0.1:5051");
        assertThat(presence.awaitAnnounced(WAIT)).isTrue();

        presence.close();

        assertThat(client.checkExists().forPath(PATH)).isNull();
        assertThatThrownBy(() -> presence.announce("a1", "10.0.0.1:5051"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void manyAgentsShareOneSessionAndOneExecutorWhichClosingOneLeavesRunning() throws Exception {
        CuratorFramework client = zk.client();
        java.util.concurrent.ExecutorService shared = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            AgentPresence first = zk.track(new AgentPresence(client, ROOT, CLOCK, shared));
            AgentPresence second = zk.track(new AgentPresence(client, ROOT, CLOCK, shared));
            first.announce("a1", "10.0.0.1:5051");
            second.announce("a2", "10.0.0.2:5051");
            assertThat(first.awaitAnnounced(WAIT)).isTrue();
            assertThat(second.awaitAnnounced(WAIT)).isTrue();

            first.close();

            assertThat(client.checkExists().forPath(PATH)).isNull();
            assertThat(client.checkExists().forPath(ROOT + "/presence/a2").getEphemeralOwner())
                    .isEqualTo(sessionOf(client));
            assertThat(shared.isShutdown()).as("an executor given is not this class's to shut down").isFalse();
        } finally {
            shared.shutdownNow();
        }
    }

    @Test
    void aZnodeLeftByAPreviousIncarnationOfTheSameAgentIsReplacedAtOnce() throws Exception {
        CuratorFramework previous = zk.client(); // a process that died: its session lives on until it times out
        previous.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                .forPath(PATH, new PresenceDocument("a1", "10.0.0.1:5051", 1).toJson());
        CuratorFramework client = zk.client();
        AgentPresence presence = zk.track(new AgentPresence(client, ROOT));

        presence.announce("a1", "10.0.0.7:5051");

        assertThat(presence.awaitAnnounced(WAIT)).isTrue();
        Stat stat = new Stat();
        byte[] data = client.getData().storingStatIn(stat).forPath(PATH);
        assertThat(stat.getEphemeralOwner()).isEqualTo(sessionOf(client));
        assertThat(PresenceDocument.parse(data).address()).isEqualTo("10.0.0.7:5051");
    }

    @Test
    void aZnodeThatDoesNotNameThisAgentIsNotDeletedButReplacedWhenItsSessionEnds() throws Exception {
        CuratorFramework stranger = zk.client();
        stranger.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
                .forPath(PATH, "written by something else".getBytes(UTF_8));
        CuratorFramework client = zk.client();
        AgentPresence presence = zk.track(new AgentPresence(client, ROOT));

        presence.announce("a1", "10.0.0.1:5051");

        assertThat(presence.awaitAnnounced(WAIT)).isTrue();
        assertThat(client.checkExists().forPath(PATH).getEphemeralOwner()).isEqualTo(sessionOf(stranger));

        stranger.close();

        long ours = sessionOf(client);
        await().atMost(WAIT).until(() -> {
            Stat stat = client.checkExists().forPath(PATH);
            return stat != null && stat.getEphemeralOwner() == ours;
        });
        assertThat(PresenceDocument.parse(client.getData().forPath(PATH)).agentId()).isEqualTo("a1");
    }

    @Test
    void badInputIsRefusedWithAMessageSayingWhatToFix() {
        CuratorFramework client = zk.client();
        assertThatThrownBy(() -> new AgentPresence(client, "corral"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be absolute");
        AgentPresence presence = zk.track(new AgentPresence(client, ROOT));

        assertThatThrownBy(() -> presence.announce("", "10.0.0.1:5051"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("agent id must not be empty");
        assertThatThrownBy(() -> presence.announce("a/1", "10.0.0.1:5051"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use no '/'");
        assertThatThrownBy(() -> presence.announce("a1", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");

        presence.announce("a1", "10.0.0.1:5051");
        assertThatThrownBy(() -> presence.announce("a2", "10.0.0.1:5051"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already announced agent a1");
    }

    private static long sessionOf(CuratorFramework client) throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }
}
