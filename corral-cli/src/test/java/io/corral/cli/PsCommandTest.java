package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PsCommandTest {
    private static final Clock NOW = Clock.fixed(Instant.ofEpochMilli(1_700_000_061_500L), ZoneOffset.UTC);

    private final List<HttpServer> servers = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HttpServer leader;
    private HttpServer standby;
    private byte[] state;

    @BeforeEach
    void startMasters() throws IOException {
        try (InputStream fixture = getClass().getResourceAsStream("master-state.json")) {
            state = fixture.readAllBytes();
        }
        leader = server();
        leader.createContext("/master/state", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, state.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(state);
            }
        });
        standby = server();
        standby.createContext("/master/state", exchange -> {
            exchange.getResponseHeaders().add("Location",
                    "//127.0.0.1:" + leader.getAddress().getPort() + "/master/state");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
    }

    @AfterEach
    void stopMasters() {
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void showsRunningTasksFromTheLeaderAfterARedirect() {
        int exit = ps("--master", url(standby));

        assertThat(exit).isZero();
        assertThat(lines(out)).containsExactly(
                "TASK ID         NAME   FRAMEWORK   AGENT      STATE         CPUS  MEM  AGE",
                "sleep-1a2b3c4d  sleep  corral-run  agent-one  TASK_RUNNING  0.1   32   1m",
                "web-9f8e7d6c    web    corral-run  agent-two  TASK_STAGING  1     256  -");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void allAddsFinishedTasksAndThoseOfFinishedFrameworks() {
        int exit = ps("--all", "--master", url(leader));

        assertThat(exit).isZero();
        assertThat(lines(out)).extracting(line -> line.split("\\s+")[0] + " " + line.substring(line.lastIndexOf(' ') + 1))
                .containsExactly("TASK AGE", "batch-1 115d", "old-11111111 2h", "done-but-unacked 17m",
                        "sleep-1a2b3c4d 1m", "web-9f8e7d6c -");
        assertThat(out.toString()).containsPattern("batch-job +batch +M-S9 +TASK_KILLED +2 +1024");
    }

    @Test
    void jsonPrintsTheTaskObjectsWithFrameworkAndAgentNames() throws IOException {
        int exit = ps("--json", "--master", url(standby));

        assertThat(exit).isZero();
        JsonNode tasks = new ObjectMapper().readTree(out.toByteArray());
        assertThat(tasks.isArray()).isTrue();
        assertThat(tasks).hasSize(2);
        JsonNode sleep = tasks.get(0);
        assertThat(sleep.path("id").asText()).isEqualTo("sleep-1a2b3c4d");
        assertThat(sleep.path("framework_name").asText()).isEqualTo("corral-run");
        assertThat(sleep.path("agent_hostname").asText()).isEqualTo("agent-one");
        assertThat(sleep.path("statuses")).hasSize(2);
        assertThat(sleep.path("resources").path("mem").asInt()).isEqualTo(32);
    }

    @Test
    void anEmptyClusterSaysSo() {
        state = "{\"frameworks\":[],\"completed_frameworks\":[],\"slaves\":[]}".getBytes(StandardCharsets.UTF_8);
        assertThat(ps("--master", url(leader))).isZero();
        assertThat(out.toString().strip()).isEqualTo("No tasks.");
        out.reset();
        assertThat(ps("--json", "--master", url(leader))).isZero();
        assertThat(out.toString().strip()).isEqualTo("[]");
    }

    @Test
    void anUnreachableMasterIsOneLineAndExitCodeOne() throws IOException {
        HttpServer gone = server();
        String url = url(gone);
        gone.stop(0);

        assertThat(ps("--master", url)).isEqualTo(1);
        assertThat(lines(err)).singleElement().asString()
                .startsWith("corral ps: cannot reach the master at " + url);
    }

    @Test
    void noClusterAnywhereExitsTwoWithAClearMessage() {
        PsCommand command = new PsCommand(new ClusterLocator(name -> null, Optional::empty),
                new PrintStream(out, true), new PrintStream(err, true), NOW);
        assertThat(new CommandLine(command).execute()).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo(ClusterLocator.NO_CLUSTER_MESSAGE);
    }

    @Test
    void agesUseTheLargestWholeUnit() {
        assertThat(PsCommand.age(12_999)).isEqualTo("12s");
        assertThat(PsCommand.age(59_000)).isEqualTo("59s");
        assertThat(PsCommand.age(3 * 60_000 + 59_000)).isEqualTo("3m");
        assertThat(PsCommand.age(2 * 3_600_000 + 1)).isEqualTo("2h");
        assertThat(PsCommand.age(47 * 3_600_000L)).isEqualTo("47h");
        assertThat(PsCommand.age(3 * 86_400_000L)).isEqualTo("3d");
        assertThat(PsCommand.age(-5_000)).isEqualTo("0s"); // clocks disagree a little
    }

    @Test
    void helpDescribesTheColumnsAndOptions() {
        StringBuilder help = new StringBuilder(new CommandLine(new PsCommand()).getUsageMessage());
        assertThat(help).contains("Usage: ps", "--all", "--json", "--master=URL", "--zk=ZK_URL", "AGE", "Examples:");
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    private int ps(String... args) {
        PsCommand command = new PsCommand(new ClusterLocator(name -> null, Optional::empty),
                new PrintStream(out, true), new PrintStream(err, true), NOW);
        return new CommandLine(command).execute(args);
    }

    private HttpServer server() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        servers.add(server);
        return server;
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static List<String> lines(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8).lines().map(String::stripTrailing).toList();
    }
}
