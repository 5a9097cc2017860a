package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.agent.AgentServer;
import io.corral.agent.AgentTls;
import io.corral.cli.local.LocalCertificates;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.http.HttpServer;
import io.corral.protocol.http.HttpServerOptions;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import io.corral.protocol.tls.ServerTls;
import io.corral.protocol.tls.TlsFailures;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two masters and an agent serving HTTPS only, with certificates from the generator {@code corral local --tls} uses:
 * the agent registers over HTTPS checking the masters' certificates, a framework runs a task through the SDK over
 * HTTPS (pointed at the standby, whose 307 it follows on HTTPS), and what must be refused is refused with one line:
 * a client trusting another CA, a certificate that does not name the host dialled, plain HTTP to an HTTPS port,
 * HTTPS to a plain port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsClusterTest {
    private static final Credential OPERATOR = new Credential("operator", "operator-secret");
    private static final Credential FRAMEWORK = new Credential("framework", "framework-secret");
    private static final Credential AGENT = new Credential("agent", "agent-secret");

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Path dir;
    private LocalCertificates certificates;
    private LocalCertificates otherCa;
    private ClientTls tls;
    private final List<MasterServer> masters = new ArrayList<>();
    private AgentServer agent;

    @BeforeAll
    void startTlsCluster(@TempDir Path dir) throws Exception {
        this.dir = dir;
        certificates = LocalCertificates.generate(Files.createDirectories(dir.resolve("tls")), Instant.now());
        otherCa = LocalCertificates.generate(Files.createDirectories(dir.resolve("other")), Instant.now());
        tls = ClientTls.trusting(certificates.ca());
        ServerTls serverTls = ServerTls.fromPem(dir.resolve("tls/tls-cert.pem"), dir.resolve("tls/tls-key.pem"));

        TestingServer zookeeper = new TestingServer(true);
        closeables.add(zookeeper);
        ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
        for (int i = 0; i < 2; i++) {
            MasterServer master = MasterServer.start(new MasterServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                    InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(),
                    Optional.of(Credentials.of(List.of(OPERATOR, FRAMEWORK, AGENT))), Acls.permitAll())
                    .withTls(serverTls), () -> { });
            masters.add(master);
            closeables.add(master);
            if (i == 0) {
                await().atMost(Duration.ofSeconds(30)).until(master::isLeading); // the first one leads
            }
        }
        agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0, dir.resolve("agent"),
                InProcessCluster.AGENT_RESOURCES, InProcessCluster.SESSION_TIMEOUT, Duration.ofSeconds(45))
                .withCredential(AGENT).withTls(new AgentTls(Optional.of(serverTls), Optional.of(tls))));
        closeables.add(() -> agent.stop(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> get(tls, leaderUrl() + "/master/slaves").body()
                .contains("\"active\":true"));
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void aFrameworkRunsATaskOverHttpsFollowingTheStandbysRedirect() throws Exception {
        RecordingScheduler scheduler = new RecordingScheduler();
        SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator("127.0.0.1:" + masters.get(1).port(),
                        "https"), Tasks.framework("over-tls", 60), scheduler)
                .credential(FRAMEWORK).tls(tls).autoAcknowledge(true).build();
        closeables.add(client::close);
        client.start();
        List<Offer> offers = scheduler.offers.poll(30, TimeUnit.SECONDS);
        assertThat(offers).as("offers from the agent, registered over HTTPS").isNotEmpty();
        assertThat(client.master()).contains(URI.create(leaderUrl()));

        client.launch(List.of(Tasks.id(offers.get(0))),
                List.of(Tasks.shell("tls-task", "echo over tls", offers.get(0), 0.1, 32))).join();
        try {
            scheduler.awaitState("tls-task", TaskState.TASK_FINISHED);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("updates: " + scheduler.updates + " errors: " + scheduler.errors, e);
        }
    }

    @Test
    void theCliSpeaksHttpsWithTheCaAndRefusesAnotherCaInOneLine() throws Exception {
        Path operator = dir.resolve("operator.json");
        Files.writeString(operator, "{\"principal\": \"operator\", \"secret\": \"operator-secret\"}");
        CliRun trusted = CliRun.corral("ps", "--all", "--master", "127.0.0.1:" + masters.get(1).port(),
                "--tls-ca", certificates.ca().toString(), "--credential", operator.toString());
        assertThat(trusted.exit()).as(trusted.err()).isZero();

        CliRun refused = CliRun.corral("ps", "--master", "https://127.0.0.1:" + masters.get(0).port(),
                "--tls-ca", otherCa.ca().toString(), "--credential", operator.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).doesNotContain("\n")
                .contains("is not signed by a CA in " + otherCa.ca());
    }

    @Test
    void corralRunShowsTheTaskOutputReadOverHttpsFromTheAgent() throws Exception {
        Path operator = dir.resolve("operator.json");
        Files.writeString(operator, "{\"principal\": \"operator\", \"secret\": \"operator-secret\"}");
        CliRun run = CliRun.corral("run", "--master", "127.0.0.1:" + masters.get(1).port(), "--tls-ca",
                certificates.ca().toString(), "--credential", operator.toString(), "--", "echo", "output-over-tls");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).as("the task's stdout, read from the agent's sandbox over HTTPS")
                .contains("output-over-tls");
        assertThat(run.err()).doesNotContain("cannot show the task's output");
    }

    @Test
    void aCertificateThatDoesNotNameTheHostDialledIsRefused() throws Exception {
        // Signed by a CA the client trusts, but for another machine: hostname verification must refuse it.
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        LocalCertificates.write(elsewhere, LocalCertificates.issue(List.of("elsewhere.example"),
                List.of("10.9.9.9"), Instant.now(), Duration.ofDays(1)));
        try (HttpServer server = HttpServer.start("127.0.0.1", 0, exchange -> exchange.respondText(200, "hello"),
                HttpServerOptions.defaults().withTls(Optional.of(ServerTls.fromPem(elsewhere.resolve("tls-cert.pem"),
                        elsewhere.resolve("tls-key.pem")))))) {
            ClientTls trustingIt = ClientTls.trusting(elsewhere.resolve("ca.pem"));
            assertThatThrownBy(() -> get(trustingIt, "https://127.0.0.1:" + server.port() + "/health"))
                    .isInstanceOf(IOException.class)
                    .satisfies(e -> assertThat(TlsFailures.describe(e, "127.0.0.1:" + server.port(),
                            trustingIt.trusts())).hasValueSatisfying(line -> assertThat(line)
                            .contains("does not name that host")));
        }
        // The cluster's own certificate names both 127.0.0.1 and localhost.
        assertThat(get(tls, "https://localhost:" + masters.get(0).port() + "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void plainHttpToAnHttpsPortIsAnsweredWithHowToAskAndNothingElse() throws Exception {
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int port : List.of(masters.get(0).port(), agent.port())) {
            HttpResponse<String> answer = plain.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/master/state"))
                    .header("Authorization", Authentication.basicHeader(OPERATOR)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(400);
            assertThat(answer.body()).isEqualTo("This port speaks HTTPS only: use https:// URLs\n");
        }
    }

    @Test
    void httpsToAPlainPortSaysItDoesNotSpeakTls() throws Exception {
        try (HttpServer server = HttpServer.start("127.0.0.1", 0, exchange -> exchange.respondText(200, "hi"))) {
            assertThatThrownBy(() -> get(tls, "https://127.0.0.1:" + server.port() + "/health"))
                    .satisfies(e -> assertThat(TlsFailures.describe(e, "here", tls.trusts()))
                            .hasValueSatisfying(line -> assertThat(line).contains("does not speak TLS")));
        }
    }

    private String leaderUrl() {
        return "https://127.0.0.1:" + masters.stream().filter(MasterServer::isLeading).findFirst().orElseThrow().port();
    }

    private static HttpResponse<String> get(ClientTls trust, String url) throws IOException, InterruptedException {
        HttpClient client = trust.configure(HttpClient.newBuilder()).connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", Authentication.basicHeader(OPERATOR)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
