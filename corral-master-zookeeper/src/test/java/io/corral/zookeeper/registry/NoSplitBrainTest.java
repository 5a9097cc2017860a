package io.corral.zookeeper.registry;

import static io.corral.zookeeper.registry.TestRecords.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.corral.zookeeper.TestEnsembles;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Claims and writes of three masters, interleaved at random (seeded) and racing each other. ZooKeeper's own total
 * order (zxids) is the judge: every write that succeeded must lie between its store's claim and the next claim, and
 * no refused write may have left anything behind.
 */
class NoSplitBrainTest {

    private static final long SEED = 20_240_611L;
    private static final int STEPS = 40;

    private TestingServer server;
    private final List<Candidate> candidates = new ArrayList<>();
    private final List<RegistryStore> stores = new ArrayList<>();

    /**
     * A store whose claim succeeded, its epoch, and the zxid at which ZooKeeper applied that claim (-1 when another
     * claim of the same step followed it at once, so its term had no room for any write).
     */
    private record Term(RegistryStore store, long epoch, long claimZxid) {
    }

    private record Write(String agentId, Term term, CompletableFuture<Void> result) {
    }

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(TestEnsembles.standalone(), true);
        for (int i = 1; i <= 3; i++) {
            candidates.add(new Candidate(server.getConnectString(), "m" + i, 5050 + i));
        }
    }

    @AfterEach
    void stop() throws Exception {
        stores.forEach(RegistryStore::close);
        candidates.forEach(Candidate::close);
        server.close();
    }

    @Test
    void atNoPointDoTwoStoresBothWrite() throws Exception {
        Random random = new Random(SEED);
        CuratorFramework admin = candidates.get(0).client;
        RegistryPaths paths = new RegistryPaths(Candidate.ROOT);
        List<Term> terms = new ArrayList<>();
        List<Write> writes = new ArrayList<>();

        for (int step = 0; step < STEPS; step++) {
            // Racing in this step: 0-2 new claims, and one write from every store that claimed earlier.
            List<CompletableFuture<LeadershipClaim>> claims = new ArrayList<>();
            List<RegistryStore> claimers = new ArrayList<>();
            int newClaims = random.nextInt(10) < 3 ? 1 + random.nextInt(2) : 0;
            for (int c = 0; c < newClaims || terms.isEmpty() && c == 0; c++) {
                Candidate who = candidates.get(random.nextInt(candidates.size()));
                RegistryStore store = new RegistryStore(who.client, Candidate.ROOT);
                stores.add(store);
                claimers.add(store);
                claims.add(store.claimLeadership(who.contender.ownNodePath(), who.info));
            }
            List<Write> stepWrites = new ArrayList<>();
            for (Term term : terms) {
                String id = "w" + step + "-" + terms.indexOf(term);
                stepWrites.add(new Write(id, term, term.store().putAgent(agent(id))));
            }

            // Racing claims may both succeed, one after the other: their epochs say in which order.
            List<Term> won = new ArrayList<>();
            for (int c = 0; c < claims.size(); c++) {
                if (settle(claims.get(c)) == null) {
                    won.add(new Term(claimers.get(c), claims.get(c).join().epoch(), -1));
                }
            }
            won.sort(Comparator.comparingLong(Term::epoch));
            for (int w = 0; w < won.size(); w++) {
                long zxid = w == won.size() - 1 ? admin.checkExists().forPath(paths.meta()).getMzxid() : -1;
                terms.add(new Term(won.get(w).store(), won.get(w).epoch(), zxid));
            }
            stepWrites.forEach(NoSplitBrainTest::settle);
            writes.addAll(stepWrites);

            long succeeded = stepWrites.stream().filter(w -> !w.result().isCompletedExceptionally()).count();
            assertThat(succeeded).as("successful writes in step %d", step).isLessThanOrEqualTo(1);
            if (claims.isEmpty() && !stepWrites.isEmpty()) {
                Write latest = stepWrites.stream().max(Comparator.comparingLong(w -> w.term().epoch())).orElseThrow();
                assertThat(latest.result()).as("the latest leader's write in step %d", step).isCompletedWithValue(null);
            }
        }

        TreeMap<Long, Term> termByClaimZxid = new TreeMap<>();
        terms.stream().filter(term -> term.claimZxid() >= 0).forEach(term -> termByClaimZxid.put(term.claimZxid(), term));
        for (Write write : writes) {
            Stat stat = admin.checkExists().forPath(paths.agent(write.agentId()));
            if (write.result().isCompletedExceptionally()) {
                assertThat(stat).as("refused write %s left nothing", write.agentId()).isNull();
            } else {
                assertThat(stat).as("applied write %s", write.agentId()).isNotNull();
                assertThat(termByClaimZxid.lowerEntry(stat.getCzxid()).getValue())
                        .as("write %s was applied within its own store's term", write.agentId())
                        .isSameAs(write.term());
            }
        }
        assertThat(terms.size()).isGreaterThan(5);
        assertThat(writes.stream().filter(w -> w.result().isCompletedExceptionally())).isNotEmpty();
    }

    /** Waits for a future; returns its failure (which must be fencing) or null. */
    private static Throwable settle(CompletableFuture<?> future) {
        try {
            future.get(15, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException ? e.getCause().getCause() : e.getCause();
            assertThat(cause).isInstanceOf(FencedException.class);
            return cause;
        } catch (Exception e) {
            throw new AssertionError("no answer from the store", e);
        }
    }

    private static void settle(Write write) {
        settle(write.result());
    }
}
