package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.agent.AgentServer;
import io.corral.cli.local.LocalCertificates;
import io.corral.cli.local.RootZnodeGuard;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.scheduler.ZooKeeperMasterLocator;
import io.corral.zookeeper.EmbeddedZooKeeper;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkServerConfig;
import io.corral.zookeeper.ZkServerTls;
import io.corral.zookeeper.ZkTls;
import io.corral.zookeeper.ZkUnreachableException;
import io.corral.zookeeper.ZkUrl;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ZooKeeper serving clients over TLS only (its secure client port, certificate from the generator
 * {@code corral local --tls} uses) and, on it, a master, an agent, the CLI and the SDK's leader detection, all
 * speaking TLS to it with the CA; a client trusting another CA is refused in one line. Also the root znode of an
 * ensemble Corral runs: once closed, an anonymous client cannot create beside {@code /corral}, and still reads the
 * leader's {@code json.info_} znode as a Mesos detector does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperTlsTest {
    private static final Credential OPERATOR = new Credential("operator", "operator-secret");
    private static final Credential AGENT = new Credential("agent", "agent-secret");
    private static final String DIGEST = "corral:zk-secret";

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private LocalCertificates certificates;
    private LocalCertificates otherCa;
    private String connectString;
    private ZkUrl zk;
    private MasterServer master;
    private Path operatorFile;

    @BeforeAll
    void startOverTls(@TempDir Path dir) throws Exception {
        certificates = LocalCertificates.generate(Files.createDirectories(dir.resolve("tls")), Instant.now());
        otherCa = LocalCertificates.generate(Files.createDirectories(dir.resolve("other")), Instant.now());
        int port = freePort();
        EmbeddedZooKeeper server = EmbeddedZooKeeper.start(ZkServerConfig.standalone(dir.resolve("zk"), port)
                .withTls(Optional.of(new ZkServerTls(port, certificates.zkKeyStore(), Optional.empty(), true))));
        closeables.add(server);
        connectString = server.connectString();
        zk = ZkUrl.parse("zk://" + DIGEST + "@" + connectString + "/corral")
                .withTls(Optional.of(ZkTls.of(certificates.ca(), null)));

        master = MasterServer.start(new MasterServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(),
                Optional.of(Credentials.of(List.of(OPERATOR, AGENT))), Acls.permitAll()), () -> { });
        closeables.add(master);
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                dir.resolve("agent"), InProcessCluster.AGENT_RESOURCES, InProcessCluster.SESSION_TIMEOUT,
                Duration.ofSeconds(45)).withCredential(AGENT));
        closeables.add(() -> agent.stop(true));
        await().atMost(Duration.ofSeconds(30)).until(master::isLeading);
        await("the agent, which found the leader through ZooKeeper over TLS, registers")
                .atMost(Duration.ofSeconds(30)).until(() -> master.port() > 0
                        && CliRun.corral("agents", "--master", "127.0.0.1:" + master.port(), "--credential",
                        operatorFile().toString()).out().contains("127.0.0.1"));
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void theCliReadsZooKeeperOverTlsWithTheCa() throws Exception {
        CliRun config = CliRun.corral("config", "list", "--zk", "zk://" + DIGEST + "@" + connectString + "/corral",
                "--zk-tls-ca", certificates.ca().toString());
        assertThat(config.exit()).as(config.err()).isZero();
        assertThat(config.out()).contains("allocation_interval");

        CliRun ps = CliRun.corral("ps", "--all", "--zk", "zk://" + connectString + "/corral", "--zk-tls-ca",
                certificates.ca().toString(), "--credential", operatorFile().toString());
        assertThat(ps.exit()).as("corral ps found the leader through ZooKeeper over TLS: " + ps.err()).isZero();
    }

    @Test
    void theSdksLeaderDetectionSpeaksTls() throws Exception {
        try (ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(
                ZkUrl.parse("zk://" + connectString + "/corral").withTls(zk.tls()), "http")) {
            assertThat(locator.master(Duration.ofSeconds(10))).isEqualTo(URI.create("http://127.0.0.1:" + master.port()));
        }
    }

    @Test
    void aClientTrustingAnotherCaIsRefusedInOneLine() {
        CliRun refused = CliRun.corral("config", "list", "--zk", "zk://" + connectString + "/corral",
                "--zk-tls-ca", otherCa.ca().toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).doesNotContain("\n")
                .contains("ZooKeeper 127.0.0.1:")
                .contains("is not signed by a CA in " + otherCa.ca())
                .contains("--zk-tls-ca");

        CliRun plain = CliRun.corral("config", "list", "--zk", "zk://" + connectString + "/corral");
        assertThat(plain.exit()).as("a plain client gets no session on a TLS-only port").isEqualTo(1);
    }

    @Test
    void aRootClosedByCorralRefusesAnonymousWritesAndStillShowsTheLeader() throws Exception {
        RootZnodeGuard.start(zk).done().get(30, java.util.concurrent.TimeUnit.SECONDS);
        ZkUrl anonymous = ZkUrl.parse("zk://" + connectString + "/corral").withTls(zk.tls());
        try (CuratorFramework client = ZkClients.connect(anonymous, Duration.ofSeconds(10), Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> client.create().forPath("/evil"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            String leader = client.getChildren().forPath("/corral").stream()
                    .filter(child -> child.startsWith("json.info_")).sorted().findFirst().orElseThrow();
            assertThat(new String(client.getData().forPath("/corral/" + leader)))
                    .contains("\"port\":" + master.port());
        }
        try (CuratorFramework corral = ZkClients.connect(zk, Duration.ofSeconds(10), Duration.ofSeconds(10))) {
            corral.create().forPath("/corral-owned");
            assertThat(corral.checkExists().forPath("/corral-owned")).as("Corral may still write /").isNotNull();
        }
    }

    @Test
    void aCertificateFileWithoutAKeyStopsAtStartInOneLine() {
        assertThatThrownBy(() -> ZkTls.of(certificates.ca(), certificates.ca()))
                .hasMessageContaining("Cannot read a certificate and its private key from " + certificates.ca())
                .hasMessageContaining("--zk-tls-cert");
        assertThatThrownBy(() -> ZkClients.connect(ZkUrl.parse("zk://" + connectString + "/corral")
                .withTls(Optional.of(ZkTls.of(otherCa.ca(), null))), Duration.ofSeconds(2), Duration.ofSeconds(2)))
                .isInstanceOf(ZkUnreachableException.class)
                .hasMessageContaining("is not signed by a CA in " + otherCa.ca());
    }

    private Path operatorFile() throws java.io.IOException {
        if (operatorFile == null) {
            operatorFile = Files.createTempFile("operator", ".json");
            Files.writeString(operatorFile, "{\"principal\": \"operator\", \"secret\": \"operator-secret\"}");
            closeables.add(() -> Files.deleteIfExists(operatorFile));
        }
        return operatorFile;
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
