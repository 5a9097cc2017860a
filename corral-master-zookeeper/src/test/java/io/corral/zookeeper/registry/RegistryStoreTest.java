package io.corral.zookeeper.registry;

import static io.corral.zookeeper.registry.TestRecords.T0;
import static io.corral.zookeeper.registry.TestRecords.agent;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.zookeeper.TestEnsembles;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry store against a real ZooKeeper server. */
class RegistryStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private TestingServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private RegistryPaths paths;

    @BeforeEach
    void startServer() throws Exception {
        // Corral's tick and session bounds, so the server grants the 2 s sessions these tests use.
        server = new TestingServer(TestEnsembles.standalone(), true);
        paths = new RegistryPaths(Candidate.ROOT);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        server.close();
    }

    @Test
    void aClaimIncrementsTheEpochAndRecordsTheLeader() throws Exception {
        Candidate first = candidate("m1", 5051);
        Candidate second = candidate("m2", 5052);

        LeadershipClaim claim = first.claim();
        assertThat(claim.previous()).isEqualTo(RegistryMeta.UNCLAIMED);
        assertThat(claim.epoch()).isEqualTo(1);

        LeadershipClaim next = second.claim();
        assertThat(next.previous()).isEqualTo(claim.current());
        assertThat(next.current()).isEqualTo(new RegistryMeta(2,
                Optional.of(new RegistryMeta.Leader("m2", "m2.example:5052"))));
        assertThat(RegistryCodec.decodeMeta(admin().getData().forPath(paths.meta()))).isEqualTo(next.current());
    }

    @Test
    void whatTheLeaderWritesIsWhatTheNextLeaderLoads() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();
        AgentRecord unreachable = agent("S2").withState(AgentState.unreachable(T0.plusSeconds(9)), T0.plusSeconds(9));
        FrameworkRecord waiting = FrameworkRecord.disconnected(TestRecords.frameworkInfo("F1"), T0.plusSeconds(60));
        RoleRecord role = RoleRecord.weighted("eng/web", 3);

        join(leader.store.write(new RegistryBatch().putAgent(agent("S1")).putAgent(agent("S2")).putAgent(agent("S3"))
                .putFramework(waiting).putFramework(FrameworkRecord.connected(TestRecords.frameworkInfo("F2")))));
        join(leader.store.putAgent(unreachable));       // replaces S2
        join(leader.store.removeAgent("S3"));
        join(leader.store.removeFramework("F2"));
        join(leader.store.removeFramework("never-there")); // harmless
        join(leader.store.putRole(role));

        Candidate next = candidate("m2", 5052);
        next.claim();
        RegistrySnapshot snapshot = join(next.store.load());

        assertThat(snapshot.meta().epoch()).isEqualTo(2);
        assertThat(snapshot.agents()).containsExactly(agent("S1"), unreachable);
        assertThat(snapshot.frameworks()).containsExactly(waiting);
        assertThat(snapshot.roles()).containsExactly(role);
        assertThat(admin().getChildren().forPath(paths.agents())).containsExactlyInAnyOrder("S1", "S2");
        // After loading, the new leader replaces existing entries without a failed create first.
        join(next.store.putAgent(agent("S1").withState(AgentState.draining(), T0.plusSeconds(99))));
        assertThat(RegistryCodec.decodeAgent(admin().getData().forPath(paths.agent("S1"))).state())
                .isEqualTo(AgentState.draining());
    }

    @Test
    void aSecondClaimFencesTheFirstLeaderBeforeItKnows() throws Exception {
        Candidate first = candidate("m1", 5051);
        first.claim();
        join(first.store.putAgent(agent("S1")));

        Candidate second = candidate("m2", 5052);
        second.claim();

        assertFenced(first.store.putAgent(agent("S2")), "another master claimed");
        assertFenced(first.store.putFramework(FrameworkRecord.connected(TestRecords.frameworkInfo("F1"))), "another master");
        assertThat(admin().checkExists().forPath(paths.agent("S2"))).isNull();
        assertThat(admin().checkExists().forPath(paths.framework("F1"))).isNull();
        assertThat(first.store.whenFenced().get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasMessageContaining("epoch 1");
        assertThat(first.store.isFenced()).isTrue();

        join(second.store.putAgent(agent("S2")));
        assertThat(admin().checkExists().forPath(paths.agent("S2"))).isNotNull();
    }

    @Test
    void aFencedStoreLearnsOfTheNewClaimWithoutWriting() throws Exception {
        Candidate first = candidate("m1", 5051);
        first.claim();
        Candidate second = candidate("m2", 5052);
        second.claim();

        assertThat(first.store.whenFenced().get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(FencedException.class).hasMessageContaining("another master claimed");
    }

    @Test
    void aLeaderWhoseSessionExpiredNeverWritesAgain() throws Exception {
        Candidate first = candidate("m1", 5051);
        first.claim();
        join(first.store.putAgent(agent("S1")));
        Candidate second = candidate("m2", 5052);

        KillSession.kill(first.client.getZookeeperClient().getZooKeeper());

        // Curator opens a new session at once, but the store stays bound to the one that claimed.
        assertFenced(first.store.putAgent(agent("S2")), "session");
        await().atMost(WAIT).until(() -> first.client.getZookeeperClient().isConnected());
        assertFenced(first.store.putAgent(agent("S3")), "session");
        assertThat(admin().getChildren().forPath(paths.agents())).containsExactly("S1");

        // Once the server has expired the old session, its json.info_ znode is gone and the next master claims. The
        // kill is client-side only: the server ends the session 2 s after its last ping, later on a loaded machine
        // (one CI run took more than 15 s), so this wait is longer than the others.
        String claimedWith = first.contender.ownNodePath();
        await("the server expiring the killed session, which removes " + claimedWith).atMost(WAIT.multipliedBy(3))
                .until(() -> admin().checkExists().forPath(claimedWith) == null);
        second.claim();
        assertThat(join(second.store.load()).agents()).containsExactly(agent("S1"));
    }

    @Test
    void theClaimMustComeFromTheSessionThatOwnsTheContenderZnode() throws Exception {
        Candidate first = candidate("m1", 5051);
        Candidate impostor = candidate("m2", 5052);

        CompletableFuture<LeadershipClaim> claim = impostor.store.claimLeadership(first.contender.ownNodePath(), impostor.info);
        assertFenced(claim, "not to this client's session");

        RegistryStore another = store(impostor.client);
        assertFenced(another.claimLeadership(Candidate.ROOT + "/json.info_9999999999", impostor.info), "is gone");
        assertThat(admin().checkExists().forPath(paths.meta())).isNull();
    }

    @Test
    void deletingTheContenderZnodeFencesTheLeader() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();

        admin().delete().forPath(leader.contender.ownNodePath());

        assertThat(leader.store.whenFenced().get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasMessageContaining("contender znode");
        assertFenced(leader.store.putAgent(agent("S1")), "contender znode");
        assertThat(admin().checkExists().forPath(paths.agent("S1"))).isNull();
    }

    @Test
    void writesBeforeTheClaimAndSecondClaimsAreProgrammingErrors() throws Exception {
        Candidate leader = candidate("m1", 5051);

        assertThatThrownBy(() -> leader.store.putAgent(agent("S1"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("claimLeadership");
        leader.claim();
        assertThatThrownBy(leader::claim).isInstanceOf(IllegalStateException.class).hasMessageContaining("new store");
    }

    @Test
    void largeBatchesAreSplitIntoMultisUnderTheSizeCapInOrder() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.store = store(leader.client, 8 * 1024);
        leader.claim();
        RegistryBatch batch = new RegistryBatch();
        for (int i = 0; i < 200; i++) {
            batch.putAgent(agent(String.format("S%03d", i)));
        }
        batch.putAgent(agent("S000").withState(AgentState.gone(T0.plusSeconds(1)), T0.plusSeconds(1))); // last wins

        join(leader.store.write(batch));

        WriteStats stats = leader.store.stats();
        assertThat(stats.znodesWritten()).isEqualTo(201);
        assertThat(stats.multis()).isBetween(10L, 100L);
        assertThat(admin().getChildren().forPath(paths.agents())).hasSize(200);
        assertThat(RegistryCodec.decodeAgent(admin().getData().forPath(paths.agent("S000"))).state().kind())
                .isEqualTo(AgentState.Kind.GONE);
    }

    @Test
    void writesSubmittedWhileAMultiIsInFlightShareTheNextOne() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            writes.add(leader.store.putAgent(agent("S" + i)));
        }

        join(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));

        assertThat(leader.store.stats().znodesWritten()).isEqualTo(300);
        assertThat(leader.store.stats().multis()).isLessThanOrEqualTo(150);
    }

    @Test
    void aDocumentTooLargeForOneMultiIsRefusedWithAClearMessage() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.store = store(leader.client, 8 * 1024);
        leader.claim();
        var huge = TestRecords.agentInfo("S1").toBuilder().setHostname("h".repeat(10_000)).build();

        assertThatThrownBy(() -> join(leader.store.putAgent(new AgentRecord(huge, AgentState.active(), T0, T0))))
                .hasRootCauseInstanceOf(UnstorableDocumentException.class).hasMessageContaining("must stay under");
        join(leader.store.putAgent(agent("S2"))); // the store goes on
    }

    @Test
    void aZnodeTheStoreDidNotKnowAboutIsRepairedNotFailed() throws Exception {
        Candidate leader = candidate("m1", 5051);
        leader.claim();
        admin().create().forPath(paths.agent("S1"), "{}".getBytes(UTF_8)); // e.g. left by a run not loaded

        join(leader.store.putAgent(agent("S1")));

        assertThat(RegistryCodec.decodeAgent(admin().getData().forPath(paths.agent("S1")))).isEqualTo(agent("S1"));
    }

    @Test
    void loadToleratesAnEmptyClusterAndNamesACorruptDocument() throws Exception {
        Candidate reader = candidate("m1", 5051);
        RegistrySnapshot empty = join(reader.store.load());
        assertThat(empty.meta()).isEqualTo(RegistryMeta.UNCLAIMED);
        assertThat(empty.agents()).isEmpty();

        reader.claim();
        admin().create().forPath(paths.agent("S9"), "{\"format\":2}".getBytes(UTF_8));
        assertThatThrownBy(() -> join(reader.store.load())).hasRootCauseInstanceOf(RegistryFormatException.class)
                .hasMessageContaining(paths.agent("S9")).hasMessageContaining("agent_info");
    }

    @Test
    void aDisconnectedFrameworksDeadlineSurvivesFailover() throws Exception {
        Candidate first = candidate("m1", 5051);
        first.claim();
        Instant deadline = Instant.ofEpochMilli(1_700_000_060_000L);
        join(first.store.putFramework(FrameworkRecord.disconnected(TestRecords.frameworkInfo("F1"), deadline)));
        first.close();

        Candidate second = candidate("m2", 5052);
        second.claim();

        assertThat(join(second.store.load()).frameworks()).singleElement()
                .satisfies(f -> assertThat(f.failoverDeadline()).hasValue(deadline));
    }

    private static void assertFenced(CompletableFuture<?> future, String why) {
        assertThatThrownBy(() -> future.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(FencedException.class).hasMessageContaining(why);
    }

    static <T> T join(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private Candidate candidate(String id, int port) throws Exception {
        Candidate candidate = new Candidate(server.getConnectString(), id, port);
        closeables.add(candidate);
        return candidate;
    }

    private RegistryStore store(CuratorFramework client) {
        return store(client, RegistryStore.DEFAULT_MAX_BATCH_BYTES);
    }

    private RegistryStore store(CuratorFramework client, int maxBatchBytes) {
        RegistryStore store = new RegistryStore(client, Candidate.ROOT, maxBatchBytes);
        closeables.add(store);
        return store;
    }

    private CuratorFramework admin;

    private CuratorFramework admin() throws Exception {
        if (admin == null) {
            admin = new Candidate(server.getConnectString(), "admin", 5050).client;
            closeables.add(admin);
        }
        return admin;
    }
}
