package io.corral.zookeeper.health;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.zookeeper.EmbeddedZooKeeper;
import io.corral.zookeeper.ZkServerConfig;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor against a real 3-member ensemble, and against small fake servers for the odd answers. */
class EnsembleMonitorTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration FAST_POLL = Duration.ofMillis(100);
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    @BeforeAll
    static void neverExitTheTestJvm() {
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }

    @Test
    void seesRolesThenAStoppedFollowerWhileTheQuorumHolds() throws Exception {
        List<EmbeddedZooKeeper> ensemble = startEnsemble(3);
        List<String> addresses = ensemble.stream().map(EmbeddedZooKeeper::connectString).toList();
        try (EnsembleMonitor monitor = EnsembleMonitor.start(addresses, FAST_POLL, Duration.ofSeconds(1), CLOCK)) {
            await().atMost(WAIT).until(() -> monitor.health().serversUp() == 3);
            EnsembleHealth healthy = monitor.health();
            assertThat(healthy.servers()).extracting(ServerHealth::address).containsExactlyElementsOf(addresses);
            assertThat(healthy.servers()).extracting(s -> s.mode().label())
                    .containsExactlyInAnyOrder("leader", "follower", "follower");
            assertThat(healthy.servers()).allSatisfy(server -> {
                assertThat(server.znodeCount()).isPositive(); // at least / and /zookeeper's own nodes
                assertThat(server.connections()).isNotNegative(); // mntr may or may not count the probe itself
                assertThat(server.lastError()).isEmpty();
            });
            assertThat(healthy.hasQuorum()).isTrue();
            assertThat(healthy.quorumSize()).isEqualTo(2);
            assertThat(healthy.checkedAtMillis()).isEqualTo(CLOCK.millis());
            String leader = healthy.leader().orElseThrow();

            EmbeddedZooKeeper follower = ensemble.stream().filter(z -> !z.connectString().equals(leader))
                    .findFirst().orElseThrow();
            follower.close();

            await().atMost(WAIT).until(() -> !monitor.health().server(follower.connectString()).orElseThrow()
                    .reachable());
            EnsembleHealth degraded = monitor.health();
            ServerHealth stopped = degraded.server(follower.connectString()).orElseThrow();
            assertThat(stopped.mode()).isEqualTo(ServerMode.UNKNOWN);
            assertThat(stopped.lastError()).contains("connection refused");
            assertThat(degraded.serversUp()).isEqualTo(2);
            assertThat(degraded.hasQuorum()).isTrue();
            assertThat(degraded.leader()).contains(leader);
        } finally {
            ensemble.forEach(EmbeddedZooKeeper::close);
        }
    }

    @Test
    void fallsBackToSrvrWhereMntrIsNotAllowed() throws Exception {
        try (FakeServer server = new FakeServer(Map.of(
                "mntr", "mntr is not executed because it is not in the whitelist.\n",
                "srvr", FourLetterWordRepliesTest.SRVR_FOLLOWER))) {
            EnsembleHealth health = EnsembleMonitor.checkOnce(List.of(server.address()), Duration.ofSeconds(2), CLOCK);

            ServerHealth only = health.servers().get(0);
            assertThat(only.mode()).isEqualTo(ServerMode.FOLLOWER);
            assertThat(only.znodeCount()).isEqualTo(41);
            assertThat(server.words()).containsExactly("mntr", "srvr");
        }
    }

    @Test
    void aServerThatRefusesBothCommandsSaysWhatToAllow() throws Exception {
        try (FakeServer server = new FakeServer(Map.of())) {
            ServerHealth health = EnsembleMonitor.checkOnce(List.of(server.address()), Duration.ofSeconds(2), CLOCK)
                    .servers().get(0);

            assertThat(health.reachable()).isTrue();
            assertThat(health.isServing()).isFalse();
            assertThat(health.lastError().orElseThrow()).contains("4lw.commands.whitelist");
        }
    }

    @Test
    void aSilentServerTimesOutWithoutHoldingUpTheOthers() throws Exception {
        // Bound but never accepting: the kernel completes the connect, then nothing is ever answered.
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             FakeServer healthy = new FakeServer(Map.of("mntr", FourLetterWordRepliesTest.MNTR_LEADER))) {
            String silentAddress = "127.0.0.1:" + silent.getLocalPort();

            EnsembleHealth health = EnsembleMonitor.checkOnce(List.of(silentAddress, healthy.address()),
                    Duration.ofMillis(300), CLOCK);

            assertThat(health.server(silentAddress).orElseThrow().lastError()).contains("no answer within 300 ms");
            assertThat(health.server(healthy.address()).orElseThrow().mode()).isEqualTo(ServerMode.LEADER);
        }
    }

    @Test
    void serversComeFromTheConnectStringAndBadArgumentsAreExplained() {
        assertThat(EnsembleMonitor.servers(ZkUrl.parse("zk://a:1,b,[::1]:3/corral")))
                .containsExactly("a:1", "b:2181", "[::1]:3");
        assertThatThrownBy(() -> EnsembleMonitor.start(List.of(), FAST_POLL, FAST_POLL, CLOCK))
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> EnsembleMonitor.start(List.of("a:1"), Duration.ZERO, FAST_POLL, CLOCK))
                .hasMessageContaining("poll interval must be positive");
        assertThat(EnsembleMonitor.checkOnce(List.of("no-port"), FAST_POLL, CLOCK).servers().get(0).lastError())
                .contains("not a host:port address");
    }

    private List<EmbeddedZooKeeper> startEnsemble(int size) throws Exception {
        List<String> peers = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            peers.add("127.0.0.1:" + InstanceSpec.getRandomPort() + ":" + InstanceSpec.getRandomPort());
        }
        List<EmbeddedZooKeeper> members = new ArrayList<>();
        try {
            for (int id = 1; id <= size; id++) {
                members.add(EmbeddedZooKeeper.start(
                        ZkServerConfig.member(id, tmp.resolve("zk" + id), InstanceSpec.getRandomPort(), peers)));
            }
            for (EmbeddedZooKeeper member : members) {
                member.awaitServing(WAIT);
            }
            return members;
        } catch (Exception e) {
            members.forEach(EmbeddedZooKeeper::close);
            throw e;
        }
    }

    /**
     * A loopback server that answers four-letter words from a table (anything else: "not in the whitelist", as
     * ZooKeeper says) and closes each connection after its answer.
     */
    private static final class FakeServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<String> words = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread acceptor;

        FakeServer(Map<String, String> answers) throws IOException {
            acceptor = new Thread(() -> serve(answers), "fake-zookeeper");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Map<String, String> answers) {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    String word = new String(client.getInputStream().readNBytes(4), US_ASCII);
                    words.add(word);
                    String answer = answers.getOrDefault(word, word + " is not executed because it is not in the whitelist.\n");
                    client.getOutputStream().write(answer.getBytes(US_ASCII));
                } catch (IOException e) {
                    // closed, or a client went away
                }
            }
        }

        String address() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        List<String> words() {
            return words;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
