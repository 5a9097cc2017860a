package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cli.local.LocalClusterRecord;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.MasterLocator;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterLocatorTest {
    private static final LocalClusterRecord LOCAL = new LocalClusterRecord(4242, "/tmp/corral-local",
            "zk://127.0.0.1:2181,127.0.0.1:2182/corral", "http://127.0.0.1:5050/", "2025-01-31T10:15:30Z");

    private final Map<String, String> env = new HashMap<>();
    private Optional<LocalClusterRecord> local = Optional.of(LOCAL);
    private final ClusterLocator locator = new ClusterLocator(env::get, () -> local);

    @Test
    void flagsComeFirst() {
        env.put("CORRAL_ZK", "zk://10.0.0.1:2181/corral");
        ClusterLocator.Target target = locator.resolve(new ClusterOptions("http://10.0.0.9:5050", null));
        assertThat(target.source()).isEqualTo("--master/--zk");
        assertThat(target.masterUrl()).contains("http://10.0.0.9:5050");
        assertThat(target.usesZooKeeper()).isFalse();
    }

    @Test
    void zkFlagIsPreferredOverTheMasterFlagBecauseItFollowsFailover() {
        ClusterLocator.Target target = locator.resolve(
                new ClusterOptions("http://10.0.0.9:5050", "zk://10.0.0.1:2181/corral"));
        assertThat(target.usesZooKeeper()).isTrue();
        assertThat(target.describe()).isEqualTo("zk://10.0.0.1:2181/corral (from --master/--zk)");
    }

    @Test
    void environmentComesBeforeTheLocalCluster() {
        env.put("CORRAL_MASTER", "http://10.0.0.3:5050");
        ClusterLocator.Target target = locator.resolve(new ClusterOptions(null, null));
        assertThat(target.source()).isEqualTo("environment");
        assertThat(target.masterUrl()).contains("http://10.0.0.3:5050");
        assertThat(target.zkUrl()).isEmpty();

        env.put("CORRAL_ZK", "zk://10.0.0.1:2181/corral");
        assertThat(locator.resolve(new ClusterOptions(null, null)).zkUrl()).contains("zk://10.0.0.1:2181/corral");
    }

    @Test
    void theNewestLocalClusterIsTheLastResortAndItsZooKeeperIsPreferred() {
        env.put("CORRAL_MASTER", "   ");
        ClusterLocator.Target target = locator.resolve(new ClusterOptions(null, ""));
        assertThat(target.source()).isEqualTo("`corral local` pid 4242");
        assertThat(target.zkUrl()).contains(LOCAL.zk());
        assertThat(target.masterUrl()).contains(LOCAL.master());
    }

    @Test
    void aLocalClusterWithoutALeaderYetStillHasItsZooKeeper() {
        local = Optional.of(new LocalClusterRecord(1, "/w", "zk://127.0.0.1:2181/corral", null, "now"));
        assertThat(locator.resolve(new ClusterOptions()).zkUrl()).contains("zk://127.0.0.1:2181/corral");
    }

    @Test
    void nothingAnywhereIsTheNoClusterMessageWithExitCodeTwo() {
        local = Optional.empty();
        assertThatThrownBy(() -> locator.resolve(new ClusterOptions()))
                .isInstanceOf(ClusterLocator.ClusterException.class)
                .hasMessage("No Corral cluster found: pass --master http://host:5050 or --zk zk://host:2181/corral, "
                        + "set CORRAL_MASTER or CORRAL_ZK, or start one with `bin/corral local`.")
                .satisfies(e -> assertThat(((ClusterLocator.ClusterException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void malformedAddressesSayWhichOptionIsWrong() {
        assertThatThrownBy(() -> locator.resolve(new ClusterOptions("ftp://x:1", null)))
                .isInstanceOf(ClusterLocator.ClusterException.class)
                .hasMessageStartingWith("--master: invalid master address 'ftp://x:1'");
        env.put("CORRAL_ZK", "127.0.0.1:2181");
        assertThatThrownBy(() -> locator.resolve(new ClusterOptions()))
                .hasMessageStartingWith("CORRAL_ZK: ")
                .hasMessageContaining("zk://")
                .satisfies(e -> assertThat(((ClusterLocator.ClusterException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void aMasterUrlOpensAFixedLocator() throws Exception {
        try (MasterLocator masters = locator.open(new ClusterOptions("127.0.0.1:5050", null))) {
            assertThat(masters).isInstanceOf(FixedMasterLocator.class);
            assertThat(masters.master(Duration.ZERO)).isEqualTo(URI.create("http://127.0.0.1:5050"));
        }
    }

    @Test
    void anUnreachableZooKeeperIsOneLineWithExitCodeOne() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String zk = "zk://127.0.0.1:" + closedPort + "/corral";
        assertThatThrownBy(() -> locator.open(new ClusterOptions(null, zk)))
                .isInstanceOf(ClusterLocator.ClusterException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n").contains("127.0.0.1:" + closedPort);
                    assertThat(((ClusterLocator.ClusterException) e).exitCode()).isEqualTo(1);
                });
    }

    @Test
    void theLocalClusterStartedWithTlsIsSpokenToOverHttpsWithItsOwnCa(@org.junit.jupiter.api.io.TempDir
                                                                          java.nio.file.Path dir) {
        io.corral.cli.local.LocalCertificates files =
                io.corral.cli.local.LocalCertificates.generate(dir, java.time.Instant.now());
        local = Optional.of(new LocalClusterRecord(4242, "/tmp/corral-local", null, "https://127.0.0.1:5050/",
                "2025-01-31T10:15:30Z", null, files.ca().toString()));
        ClusterLocator.Target target = locator.resolve(new ClusterOptions(null, null));
        assertThat(target.tls()).isPresent();
        assertThat(target.tls().get().trusts()).isEqualTo(files.ca().toString());
        assertThat(target.scheme()).isEqualTo("https");
        try (MasterLocator masters = locator.open(target)) {
            assertThat(masters.describe()).isEqualTo("https://127.0.0.1:5050");
        }

        // Its CA is not used for a cluster named another way: that one is plain HTTP unless told otherwise.
        assertThat(locator.resolve(new ClusterOptions("http://10.0.0.9:5050", null)).tls()).isEmpty();
        env.put("CORRAL_TLS_CA", files.ca().toString());
        ClusterLocator.Target named = locator.resolve(new ClusterOptions("10.0.0.9:5050", null));
        assertThat(named.scheme()).isEqualTo("https");
        try (MasterLocator masters = locator.open(named)) {
            assertThat(masters.describe()).isEqualTo("https://10.0.0.9:5050");
        }
    }

    @Test
    void anHttpsMasterWithoutACaTrustsTheJdksCasAndABadCaFileIsAUsageError() {
        ClusterLocator.Target target = locator.resolve(new ClusterOptions("https://master.example:5050", null));
        assertThat(target.tls()).isPresent();
        assertThat(target.tls().get().trusts()).isEqualTo("the JDK's trusted CAs");

        env.put("CORRAL_TLS_CA", "/nonexistent/ca.pem");
        assertThatThrownBy(() -> locator.resolve(new ClusterOptions("http://10.0.0.9:5050", null)))
                .isInstanceOf(ClusterLocator.ClusterException.class)
                .hasMessageContaining("CORRAL_TLS_CA").hasMessageContaining("no such file");
    }
}
