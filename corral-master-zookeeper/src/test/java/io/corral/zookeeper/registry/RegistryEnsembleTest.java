package io.corral.zookeeper.registry;

import static io.corral.zookeeper.registry.RegistryStoreTest.join;
import static io.corral.zookeeper.registry.TestRecords.agent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry on a three-server ensemble: a server lost, then the leader's session, then a new leader. */
class RegistryEnsembleTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestingCluster cluster;
    private final List<Candidate> candidates = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster = new TestingCluster(io.corral.zookeeper.TestEnsembles.servers(3));
        cluster.start();
    }

    @AfterEach
    void stop() throws Exception {
        candidates.forEach(Candidate::close);
        cluster.close();
    }

    @Test
    void aMinorityLossIsInvisibleAndAnExpiredLeaderIsReplacedWithoutLosingWrites() throws Exception {
        Candidate first = candidate("m1", 5051);
        Candidate second = candidate("m2", 5052);
        first.claim();
        RegistryBatch batch = new RegistryBatch();
        for (int i = 0; i < 50; i++) {
            batch.putAgent(agent("A" + i));
        }
        join(first.store.write(batch));

        // Lose the server the leader talks to: its client moves to another server within the session.
        String connected = first.client.getZookeeperClient().getCurrentConnectionString();
        InstanceSpec lost = cluster.getInstances().stream()
                .filter(spec -> connected.contains(":" + spec.getPort())).findFirst()
                .orElse(cluster.getInstances().iterator().next());
        cluster.killServer(lost);
        for (int i = 50; i < 100; i++) {
            first.store.putAgent(agent("A" + i));
        }
        join(first.store.putAgent(agent("A100")));
        assertThat(first.store.isFenced()).isFalse();

        KillSession.kill(first.client.getZookeeperClient().getZooKeeper());
        assertThatThrownBy(() -> first.store.putAgent(agent("late")).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(FencedException.class);

        await().atMost(WAIT).until(() -> second.client.checkExists().forPath(first.contender.ownNodePath()) == null);
        second.claim();
        RegistrySnapshot snapshot = join(second.store.load());
        assertThat(snapshot.meta().epoch()).isEqualTo(2);
        assertThat(snapshot.agents()).hasSize(101).noneMatch(a -> a.id().equals("late"));
        join(second.store.putAgent(agent("B1")));
    }

    private Candidate candidate(String id, int port) throws Exception {
        Candidate candidate = new Candidate(cluster.getConnectString(), id, port);
        candidates.add(candidate);
        return candidate;
    }
}
