package io.corral.zookeeper.registry;

import static io.corral.zookeeper.registry.TestRecords.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.zookeeper.TestEnsembles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A standby's registry mirror, on a real ZooKeeper: what the next leader recovers from it is exactly what reading the
 * registry whole gives, including the last leader's writes made just before the claim, and it steps aside (the
 * registry is read whole) whenever it cannot vouch for its copy.
 */
class RegistryMirrorTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestingServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
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
    void theNextLeaderRecoversFromItsMirrorWhatTheRegistryHoldsUpToTheLastWriteBeforeItsClaim() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();
        RegistryBatch first = new RegistryBatch();
        for (int i = 0; i < 50; i++) {
            first.putAgent(TestRecords.agent("S" + i));
        }
        join(leader.store.write(first.putFramework(FrameworkRecord.connected(TestRecords.frameworkInfo("F1")))
                .putFramework(FrameworkRecord.connected(TestRecords.frameworkInfo("F2")))));
        Candidate standby = candidate("m2", 5052);
        RegistryMirror mirror = mirror(standby);
        await().atMost(WAIT).until(() -> join(mirror.isIntact()));

        // The last leader's final writes, answered just before the standby claims: no time for the mirror to catch up
        AgentRecord unreachable = TestRecords.agent("S2").withState(AgentState.unreachable(T0.plusSeconds(9)),
                T0.plusSeconds(9));
        join(leader.store.putAgent(unreachable));
        join(leader.store.removeAgent("S3"));
        join(leader.store.removeFramework("F2"));
        join(leader.store.putRole(RoleRecord.weighted("eng/web", 3)));
        join(leader.store.putAgent(TestRecords.agent("S99")));
        standby.claim();
        RegistrySnapshot recovered = join(standby.store.load(mirror));

        RegistrySnapshot whole = join(new RegistryStore(standby.client, Candidate.ROOT).load());
        assertThat(mirror.copiesServed()).as("recovered from the mirror, not by reading every znode").isEqualTo(1);
        assertThat(recovered.meta().epoch()).isEqualTo(2);
        assertThat(recovered.meta()).isEqualTo(whole.meta());
        assertThat(recovered.agents()).containsExactlyInAnyOrderElementsOf(whole.agents()).hasSize(50)
                .contains(unreachable, TestRecords.agent("S99")).doesNotContain(TestRecords.agent("S3"));
        assertThat(recovered.frameworks()).containsExactlyInAnyOrderElementsOf(whole.frameworks()).hasSize(1);
        assertThat(recovered.roles()).containsExactlyInAnyOrderElementsOf(whole.roles()).hasSize(1);
        // The store knows which znodes exist, as after a whole read: replacing one needs no failed create first.
        join(standby.store.putAgent(TestRecords.agent("S1").withState(AgentState.draining(), T0.plusSeconds(99))));
    }

    @Test
    void aMirrorInAnotherSessionThanTheClaimsIsNotUsed() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();
        join(leader.store.putAgent(TestRecords.agent("S1")));
        Candidate standby = candidate("m2", 5052);
        Candidate other = candidate("m3", 5053);
        RegistryMirror othersMirror = mirror(other);
        await().atMost(WAIT).until(() -> join(othersMirror.isIntact()));

        standby.claim();
        RegistrySnapshot recovered = join(standby.store.load(othersMirror));

        assertThat(othersMirror.copiesServed()).isZero();
        assertThat(recovered.agents()).containsExactly(TestRecords.agent("S1"));
    }

    @Test
    void afterItsConnectionWasLostTheMirrorLoadsAgainAndStaysExact() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();
        join(leader.store.putAgent(TestRecords.agent("S1")));
        Candidate standby = candidate("m2", 5052);
        RegistryMirror mirror = mirror(standby);
        await().atMost(WAIT).until(() -> join(mirror.isIntact()));

        server.stop(); // the connection is suspended: notifications may be missed meanwhile
        await().atMost(WAIT).until(() -> !join(mirror.isIntact()));
        server.restart();
        await().atMost(WAIT).until(() -> join(mirror.isIntact()));
        join(leader.store.putAgent(TestRecords.agent("S2")));
        standby.claim();
        RegistrySnapshot recovered = join(standby.store.load(mirror));

        assertThat(recovered.agents()).containsExactlyInAnyOrder(TestRecords.agent("S1"), TestRecords.agent("S2"));
    }

    private RegistryMirror mirror(Candidate candidate) {
        RegistryMirror mirror = RegistryMirror.start(candidate.client, Candidate.ROOT);
        closeables.add(mirror);
        return mirror;
    }

    private Candidate candidate(String id, int port) throws Exception {
        Candidate candidate = new Candidate(server.getConnectString(), id, port);
        closeables.add(candidate);
        return candidate;
    }

    private static <T> T join(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
