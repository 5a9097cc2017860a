package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.MasterConfig;
import io.corral.cli.MasterCommand;
import io.corral.master.MasterServer;
import io.corral.protocol.Durations;
import io.corral.zookeeper.EmbeddedZooKeeper;
import io.corral.zookeeper.TestEnsembles;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: a {@code kill -9} of ZooKeeper's leader must not cost the leading master its leadership, 20 times out of
 * 20, with the masters' default session timeout. A leader election in the ensemble (0.3-1.3 s here) plus the
 * client's reconnection (ZooKeeper's client waits up to 1 s, at random, before each server it tries) took up to
 * 3.2 s: a 2 s or 3 s session lost the leader within the first three kills, and Curator declares a session lost once
 * it has been SUSPENDED for its timeout. Rarely (2 in 150 kills beside two CPU hogs) a survivor follows a stale
 * notification naming the dead leader, and the other survivor, already leading, waited out initLimit for it (5.4 s
 * in CI, deposing the master); the ensemble now runs with Corral's {@link EmbeddedZooKeeper#useFastElections()}.
 * Prints each kill's times (docs/failover.md); {@code -DargLine=-Dkills=150} kills more often.
 */
class ZooKeeperLeaderKillTest {
    private static final int KILLS = Integer.getInteger("kills", 20);

    @Test
    void killingZooKeepersLeaderTwentyTimesNeverCostsTheMasterItsLeadership() throws Exception {
        List<InstanceSpec> specs = TestEnsembles.servers(3); // elect as Corral's own ensembles do
        List<MasterServer> deposed = new CopyOnWriteArrayList<>();
        try (TestingCluster ensemble = new TestingCluster(specs)) {
            ensemble.start();
            ZkUrl zk = ZkUrl.parse("zk://" + ensemble.getConnectString() + "/corral");
            MasterServer[] self = new MasterServer[1];
            self[0] = MasterServer.start(MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0,
                    Durations.parse(System.getProperty("corral.it.zkSession",
                            MasterCommand.DEFAULT_ZK_SESSION_TIMEOUT)), MasterConfig.defaults()),
                    () -> deposed.add(self[0]));
            try (MasterServer master = self[0]) {
                await().atMost(Duration.ofSeconds(30)).until(master::isLeading);
                for (int kill = 1; kill <= KILLS; kill++) {
                    InstanceSpec leader = await("a ZooKeeper leader").atMost(Duration.ofSeconds(30))
                            .until(() -> leaderOf(specs), Optional::isPresent).orElseThrow();
                    long killedAt = System.nanoTime();
                    ensemble.killServer(leader);
                    await("a new ZooKeeper leader after kill " + kill).atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(20))
                            .until(() -> leaderOf(specs).filter(l -> !l.equals(leader)).isPresent());
                    long electedAt = System.nanoTime();
                    await("the master serving again after kill " + kill).atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(20))
                            .until(() -> serves(master) || !deposed.isEmpty());
                    System.out.printf("kill %d: ZooKeeper leader elected after %d ms, master serving after %d ms%n",
                            kill, (electedAt - killedAt) / 1_000_000, (System.nanoTime() - killedAt) / 1_000_000);
                    assertThat(deposed).as("deposed by kill %d of ZooKeeper's leader", kill).isEmpty();
                    ensemble.restartServer(leader);
                }
                assertThat(master.isLeading()).isTrue();
            }
        }
    }

    private static boolean serves(MasterServer master) {
        try {
            java.net.http.HttpResponse<Void> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + master.port()
                            + "/master/state")).timeout(Duration.ofSeconds(1)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The server that says {@code Mode: leader} to ZooKeeper's {@code srvr} command, if one does. */
    private static Optional<InstanceSpec> leaderOf(List<InstanceSpec> specs) {
        for (InstanceSpec spec : specs) {
            try (Socket socket = new Socket("127.0.0.1", spec.getPort())) {
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write("srvr".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                if (new String(in.readAllBytes(), StandardCharsets.US_ASCII).contains("Mode: leader")) {
                    return Optional.of(spec);
                }
            } catch (IOException notServing) {
                // killed, or between roles
            }
        }
        return Optional.empty();
    }
}
