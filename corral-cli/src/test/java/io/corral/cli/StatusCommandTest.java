package io.corral.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import io.corral.zookeeper.EmbeddedZooKeeper;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkServerConfig;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.EnsembleHealthJson;
import io.corral.zookeeper.health.ServerHealth;
import io.corral.zookeeper.health.ServerMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code corral status} against fixture masters served over loopback HTTP, and a real ZooKeeper for --zk. */
class StatusCommandTest {
    private static final Clock NOW = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
    /** A 3-server ensemble with its third server down. */
    private static final EnsembleHealth DEGRADED = new EnsembleHealth(List.of(
            new ServerHealth("10.0.0.1:2181", true, ServerMode.LEADER, 0.5, 12, 0, 57, 6, Optional.empty()),
            new ServerHealth("10.0.0.2:2181", true, ServerMode.FOLLOWER, 0.25, 3, 1, 57, 2, Optional.empty()),
            ServerHealth.failed("10.0.0.3:2181", false, "connection refused")), NOW.millis());
    private static final String HEALTHY_STATE = """
            {"id": "leader-id-1", "unreachable_slaves": 0,
             "slaves": [{"id": "S0", "hostname": "agent-one", "active": true,
                         "resources": {"cpus": 4, "mem": 8192}, "used_resources": {"cpus": 0, "mem": 0}}],
             "frameworks": []}
            """;

    @TempDir
    Path tmp;

    private final List<HttpServer> servers = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer leader;
    private HttpServer standby;
    private byte[] state;
    private EnsembleHealth zookeeper = DEGRADED;

    @BeforeEach
    void startMasters() throws IOException {
        try (InputStream fixture = getClass().getResourceAsStream("status-state.json")) {
            state = fixture.readAllBytes();
        }
        leader = server();
        leader.createContext("/health", exchange -> answer(exchange, 200, new byte[0]));
        leader.createContext("/master/state", exchange -> answer(exchange, 200, state));
        leader.createContext("/master/zookeeper", exchange -> answer(exchange, 200,
                EnsembleHealthJson.toBytes(zookeeper)));
        standby = server();
        standby.createContext("/health", exchange -> answer(exchange, 200, new byte[0]));
        standby.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Location", "//" + address(leader) + exchange.getRequestURI());
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
    }

    @AfterEach
    void stopMasters() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void showsEverySectionAndTheProblemsThroughAStandby() {
        int exit = status("--master", "http://" + address(standby));

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(UTF_8)).isEqualTo(String.join("\n",
                "Cluster: http://" + address(standby) + " (from --master/--zk)",
                "",
                "ZooKeeper: quorum held, 2 of 3 servers up (2 needed), leader 10.0.0.1:2181",
                "SERVER         MODE      STATUS  LATENCY AVG/MAX  OUTSTANDING  ZNODES  CONNECTIONS",
                "10.0.0.1:2181  leader    ok      0.5/12 ms        0            57      6",
                "10.0.0.2:2181  follower  ok      0.25/3 ms        1            57      2",
                "10.0.0.3:2181  -         down    -                -            -       -",
                "",
                "Masters: 2, leader " + address(leader),
                pad("ADDRESS", address(leader)) + "  ROLE     STATUS  ID           ZNODE",
                address(leader) + "  leader   ok      leader-id-1  -",
                address(standby) + "  standby  ok      -            -",
                "",
                "Agents: 1 active, 1 inactive, 1 draining, 1 unreachable",
                "HOSTNAME     ID  STATE     CPUS USED  MEM USED (MB)  TASKS",
                "agent-one    S0  active    1.5/4      512/8192       2",
                "agent-two    S1  inactive  0/2        0/4096         0",
                "agent-three  S2  draining  0.5/2      128/2048       1",
                "",
                "Frameworks: 1 connected, 1 disconnected",
                "NAME        ID  STATE         TASKS",
                "corral-run  F1  active        2",
                "batch       F2  disconnected  1",
                "",
                "Problems:",
                "  - ZooKeeper server 10.0.0.3:2181 is down: connection refused",
                "  - agent agent-two (S1) is inactive: it gets no tasks",
                "  - 1 agent is unreachable: their tasks are lost or unreachable until they come back",
                "  - framework batch (F2) is disconnected: it gets no offers until its scheduler resubscribes or"
                        + " its failover timeout ends it",
                ""));
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void aHealthyClusterSaysSoAndExitsZero() {
        state = HEALTHY_STATE.getBytes(UTF_8);
        zookeeper = new EnsembleHealth(DEGRADED.servers().subList(0, 2), NOW.millis());

        int exit = status("--master", "http://" + address(leader));

        assertThat(exit).isZero();
        assertThat(out.toString(UTF_8)).contains("Masters: 1, leader " + address(leader) + "\n",
                "Frameworks: 0 connected, 0 disconnected\n\nNo problems found.\n");
    }

    @Test
    void anInsecureMasterIsAProblem() {
        state = HEALTHY_STATE.replace("\"frameworks\": []", "\"frameworks\": [],"
                + " \"flags\": {\"authenticate_http_readwrite\": \"false\"}").getBytes(UTF_8);
        zookeeper = new EnsembleHealth(DEGRADED.servers().subList(0, 2), NOW.millis());

        int exit = status("--master", "http://" + address(leader));

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(UTF_8)).contains("runs --insecure").contains("--credentials");
    }

    @Test
    void jsonIsOneDocumentWithEveryPartAndTheProblems() throws IOException {
        int exit = status("--json", "--master", "http://" + address(standby));

        assertThat(exit).isEqualTo(1);
        JsonNode json = new ObjectMapper().readTree(out.toByteArray());
        assertThat(json.path("healthy").asBoolean(true)).isFalse();
        assertThat(json.path("leader").asText()).isEqualTo(address(leader));
        assertThat(json.path("zookeeper").path("servers_up").asInt()).isEqualTo(2);
        assertThat(json.path("zookeeper").path("servers").get(2).path("last_error").asText())
                .isEqualTo("connection refused");
        assertThat(json.path("masters")).hasSize(2);
        assertThat(json.path("agents").findValuesAsText("state")).containsExactly("active", "inactive", "draining");
        assertThat(json.path("unreachable_agents").asInt()).isEqualTo(1);
        assertThat(json.path("frameworks").get(1).path("connected").asBoolean(true)).isFalse();
        assertThat(json.path("problems")).hasSize(4);
    }

    @Test
    void withZooKeeperListsEveryMasterAndProbesTheServersDirectly() throws Exception {
        state = HEALTHY_STATE.getBytes(UTF_8);
        HttpServer gone = server();
        String goneAddress = address(gone);
        gone.stop(0);
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(
                ZkServerConfig.standalone(tmp.resolve("zk"), InstanceSpec.getRandomPort()))) {
            zk.awaitServing(Duration.ofSeconds(30));
            String url = "zk://" + zk.connectString() + "/corral";
            registerMaster(url, "json.info_0000000007", "leader-id-1", leader);
            registerMaster(url, "json.info_0000000009", "standby-id-2", goneAddress);

            int exit = status("--zk", url);

            assertThat(exit).isEqualTo(1);
            String text = out.toString(UTF_8);
            assertThat(text).contains(
                    "ZooKeeper: quorum held, 1 of 1 servers up (1 needed), leader " + zk.connectString() + "\n",
                    "Masters: 2, leader " + address(leader) + "\n",
                    "  leader   ok         leader-id-1   json.info_0000000007\n",
                    "  standby  unhealthy  standby-id-2  json.info_0000000009\n",
                    "Agents: 1 active, 0 inactive, 0 draining, 0 unreachable\n");
            assertThat(text).containsPattern(zk.connectString().replace(".", "\\.") + " +standalone +ok ");
            assertThat(text).endsWith("Problems:\n  - master " + goneAddress + " is unhealthy: cannot reach "
                    + goneAddress + ": connection refused\n");
        }
    }

    @Test
    void anUnreachableMasterIsReportedWithoutGuessingWhoLeads() throws IOException {
        HttpServer gone = server();
        String goneAddress = address(gone);
        gone.stop(0);

        int exit = status("--master", "http://" + goneAddress);

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(UTF_8)).contains(
                "ZooKeeper: unknown (no leading master answered; pass --zk to probe ZooKeeper directly)\n",
                "Masters: 1, leader unknown\n",
                goneAddress + "  unknown  unhealthy  -   -\n",
                "Agents: unknown (the cluster state could not be read)\n");
        assertThat(out.toString(UTF_8)).endsWith(String.join("\n",
                "Problems:",
                "  - ZooKeeper health unknown: no leading master answered; pass --zk to probe ZooKeeper directly",
                "  - master " + goneAddress + " is unhealthy: cannot reach " + goneAddress + ": connection refused",
                "  - cannot read the cluster state: cannot reach " + goneAddress + ": connection refused",
                ""));
    }

    @Test
    void noClusterAnywhereExitsTwoWithAClearMessage() {
        StatusCommand command = new StatusCommand(new ClusterLocator(name -> null, Optional::empty),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), NOW);
        assertThat(new CommandLine(command).execute()).isEqualTo(2);
        assertThat(err.toString(UTF_8).strip()).isEqualTo(ClusterLocator.NO_CLUSTER_MESSAGE);
    }

    @Test
    void helpDescribesTheExitCodes() {
        String help = new CommandLine(new StatusCommand()).getUsageMessage();
        assertThat(help).contains("Usage: status", "--json", "--zk=ZK_URL", "Exit code: 0 healthy", "Examples:");
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    private int status(String... args) {
        StatusCommand command = new StatusCommand(new ClusterLocator(name -> null, Optional::empty),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), NOW);
        return new CommandLine(command).execute(args);
    }

    private static void registerMaster(String url, String node, String id, HttpServer master) {
        registerMaster(url, node, id, address(master));
    }

    private static void registerMaster(String url, String node, String id, String address) {
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        byte[] info = MesosJson.printBytes(MasterInfos.create(id, "127.0.0.1", "127.0.0.1", port, "1.11.0"));
        ZkUrl zk = ZkUrl.parse(url);
        try (CuratorFramework client = ZkClients.connect(zk, Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            client.create().creatingParentsIfNeeded().forPath(zk.rootPath() + "/" + node, info);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpServer server() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        servers.add(server);
        return server;
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, byte[] body)
            throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream stream = exchange.getResponseBody()) {
            stream.write(body);
        }
    }

    private static String address(HttpServer server) {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private static String pad(String text, String like) {
        return text + " ".repeat(like.length() - text.length());
    }
}
