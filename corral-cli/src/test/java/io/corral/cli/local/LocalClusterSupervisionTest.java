package io.corral.cli.local;

import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link LocalCluster} supervising a real {@code corral zk} process: a {@code kill -9} brings it back with the same
 * identity, port and data, cluster.json follows, and stopping leaves no process behind.
 */
class LocalClusterSupervisionTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final RestartBackoff FAST =
            new RestartBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(60));

    @TempDir
    Path work;
    @TempDir
    Path registryDir;

    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.stop();
        }
    }

    @Test
    void restartsAKilledProcessWithTheSameIdentityAndStopsEverything() throws Exception {
        LocalTopology plan = LocalTopology.plan(work, 1, 1, 0, PortPlan.free());
        // Only the ZooKeeper server: this test is about supervision, not about masters.
        LocalTopology topology = new LocalTopology(plan.zkUrl(), plan.zooKeepers(), List.of(), List.of());
        ProcessSpec zk = topology.zooKeepers().get(0);
        LocalRegistry registry = new LocalRegistry(registryDir);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        cluster = new LocalCluster(topology, work, ChildLauncher.sameAsThisJvm(), ReadinessProbe.forLocalCluster(),
                FAST, (zkUrl, listener) -> () -> { }, registry,
                new PrintStream(output, true, StandardCharsets.UTF_8), Clock.systemUTC());

        cluster.start();
        ClusterFile.Process first = awaitUp(zk.name(), 0);
        assertThat(registry.newest()).map(LocalClusterRecord::zk).contains(topology.zkUrl());
        ZkUrl url = ZkUrl.parse(topology.zkUrl());
        try (CuratorFramework client = ZkClients.connect(url, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
            client.create().creatingParentsIfNeeded().forPath("/corral/kept", new byte[] {42});
        }

        ProcessHandle.of(first.pid()).orElseThrow().destroyForcibly(); // kill -9

        ClusterFile.Process second = awaitUp(zk.name(), 1);
        assertThat(second.pid()).isNotEqualTo(first.pid());
        assertThat(second.address()).isEqualTo(first.address());
        assertThat(Files.readString(zk.pidFile()).strip()).isEqualTo(second.pid().toString());
        try (CuratorFramework client = ZkClients.connect(url, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
            assertThat(client.getData().forPath("/corral/kept")).containsExactly(42);
        }
        assertThat(Files.readString(zk.logFile())).contains("incarnation 2");

        List<ProcessHandle> tree = List.copyOf(ProcessTree.treeOf(List.of(ProcessHandle.of(second.pid()).orElseThrow())));
        cluster.stop();

        assertThat(tree).isNotEmpty().noneMatch(ProcessHandle::isAlive);
        ClusterFile stopped = ClusterFile.read(ClusterFile.in(work));
        assertThat(stopped.state()).isEqualTo("STOPPED");
        assertThat(stopped.processes()).extracting(ClusterFile.Process::state).containsOnly("STOPPED");
        assertThat(registry.newest()).isEmpty();
    }

    private ClusterFile.Process awaitUp(String name, int restarts) {
        return await().atMost(PATIENCE).until(() -> processIn(name)
                        .filter(p -> p.state().equals("UP") && p.restarts() == restarts),
                Optional::isPresent).orElseThrow();
    }

    private Optional<ClusterFile.Process> processIn(String name) {
        Path file = ClusterFile.in(work);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return ClusterFile.read(file).processes().stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
