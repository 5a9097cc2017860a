package io.corral.frameworks.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Leader election and the fenced store on a real ZooKeeper server, with one Curator client per "process". */
class LeaderElectionAndStoreTest {
    private TestingServer zk;
    private ZkUrl url;
    private FrameworkPaths paths;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    record Doc(String name, int instances) {}

    /** One process: its ZooKeeper client, its election, and what it heard. */
    private final class Process {
        final CuratorFramework curator = ZkClients.connect(url, Duration.ofSeconds(3), Duration.ofSeconds(5));
        final List<String> events = new CopyOnWriteArrayList<>();
        final ExecutorService callbacks = Executors.newSingleThreadExecutor();
        final LeaderElection election;
        final FrameworkStore store = new FrameworkStore(curator, paths);

        Process(String id) {
            election = new LeaderElection(curator, paths, id, new LeaderElection.Listener() {
                @Override
                public void elected(Leadership leadership) {
                    events.add("elected " + leadership.term());
                }

                @Override
                public void deposed(Leadership leadership) {
                    events.add("deposed " + leadership.term());
                }
            }, callbacks);
            toClose.add(() -> {
                election.close();
                curator.close();
                callbacks.shutdownNow();
            });
        }
    }

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
        url = ZkUrl.parse("zk://corral:s3cret@" + zk.getConnectString() + "/corral");
        paths = FrameworkPaths.of(url.rootPath(), "services");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        zk.close();
    }

    @Test
    void leadershipMovesToTheStandbyWhenTheLeaderCloses() {
        Process a = new Process("http://127.0.0.1:1001");
        a.election.start();
        await().until(a.election::isLeader);
        Process b = new Process("http://127.0.0.1:1002");
        b.election.start();

        assertThat(b.election.leaderUrl()).contains("http://127.0.0.1:1001");
        assertThat(b.election.isLeader()).isFalse();

        a.election.close();

        await().until(b.election::isLeader);
        assertThat(a.events).containsExactly("elected 1", "deposed 1");
        assertThat(b.election.leaderUrl()).contains("http://127.0.0.1:1002");
        assertThat(LeaderElection.findLeader(b.curator, paths)).contains("http://127.0.0.1:1002");
    }

    @Test
    void aDeposedLeadersWriteIsRefusedAndChangesNothing() {
        Process a = new Process("http://127.0.0.1:1001");
        a.election.start();
        await().until(a.election::isLeader);
        Leadership aTerm = a.election.leadership().orElseThrow();
        a.store.put(aTerm, "apps/web", new Doc("web", 2));
        Process b = new Process("http://127.0.0.1:1002");
        b.election.start();

        // a is deposed (its latch znode goes), but keeps its old term as if it had not heard yet
        a.election.restart();
        await().until(b.election::isLeader);
        Leadership bTerm = b.election.leadership().orElseThrow();

        assertThatThrownBy(() -> a.store.put(aTerm, "apps/web", new Doc("web", 9)))
                .isInstanceOf(FencedException.class).hasMessageContaining("no longer leads");
        assertThatThrownBy(() -> a.store.commit(aTerm, List.of(new FrameworkStore.Put("apps/db", new Doc("db", 1)),
                new FrameworkStore.Delete("apps/web")))).isInstanceOf(FencedException.class);
        assertThat(b.store.read("apps/web", Doc.class)).contains(new Doc("web", 2));
        assertThat(b.store.children("apps")).containsExactly("web");

        b.store.put(bTerm, "apps/web", new Doc("web", 3));
        assertThat(a.store.read("apps/web", Doc.class)).contains(new Doc("web", 3));
    }

    @Test
    void theStoreSurvivesTheProcessThatWroteIt() throws Exception {
        Process a = new Process("http://127.0.0.1:1001");
        a.election.start();
        await().until(a.election::isLeader);
        Leadership term = a.election.leadership().orElseThrow();
        a.store.commit(term, List.of(
                new FrameworkStore.Put("apps/web", new Doc("web", 2)),
                new FrameworkStore.Put("apps/web/versions/1", new Doc("web", 1)),
                new FrameworkStore.Put("deployments/d1", new Doc("web", 2))));
        a.store.saveFrameworkId(term, "fw-1");
        a.election.close();
        a.curator.close();

        Process b = new Process("http://127.0.0.1:1002");
        assertThat(b.store.frameworkId()).contains("fw-1");
        assertThat(b.store.read("apps/web", Doc.class)).contains(new Doc("web", 2));
        assertThat(b.store.read("apps/web/versions/1", Doc.class)).contains(new Doc("web", 1));
        assertThat(b.store.children("deployments")).containsExactly("d1");

        b.election.start();
        await().until(b.election::isLeader);
        b.store.delete(b.election.leadership().orElseThrow(), "apps/web");
        assertThat(b.store.children("apps")).isEmpty();
        assertThat(b.store.read("apps/web/versions/1", Doc.class)).isEmpty();
    }

    @Test
    void documentsAreCorralsAloneButTheLatchIsReadableByEveryone() throws Exception {
        Process a = new Process("http://127.0.0.1:1001");
        a.election.start();
        await().until(a.election::isLeader);
        a.store.put(a.election.leadership().orElseThrow(), "apps/web", new Doc("web", 2));

        List<ACL> docAcl = a.curator.getACL().forPath(paths.path("apps/web"));
        List<ACL> latchAcl = a.curator.getACL().forPath(a.election.leadership().orElseThrow().latchNode());
        assertThat(docAcl).noneMatch(acl -> acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE));
        assertThat(latchAcl).anyMatch(acl -> acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE)
                && acl.getPerms() == ZooDefs.Perms.READ);

        // a client without ZooKeeper credentials (a CLI user) finds the leader, but cannot read the apps
        CuratorFramework anonymous = ZkClients.connect(ZkUrl.parse("zk://" + zk.getConnectString() + "/corral"),
                Duration.ofSeconds(3), Duration.ofSeconds(5));
        toClose.add(anonymous);
        assertThat(LeaderElection.findLeader(anonymous, paths)).contains("http://127.0.0.1:1001");
        assertThatThrownBy(() -> new FrameworkStore(anonymous, paths).read("apps/web", Doc.class))
                .isInstanceOf(FrameworkStoreException.class);
    }
}
