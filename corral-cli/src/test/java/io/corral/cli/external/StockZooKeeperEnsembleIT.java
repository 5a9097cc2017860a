package io.corral.cli.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Corral on a three-server ensemble of stock Apache ZooKeeper: the release's jars from Maven Central (resolved by the
 * build into {@code corral-stock-zookeeper/target/lib}, an older line than the ZooKeeper Corral embeds), each server
 * its own JVM started with ZooKeeper's {@code QuorumPeerMain} on its own {@code zoo.cfg} and {@code myid}, as an
 * operator's ensemble runs. Beyond {@link ExternalZooKeeperContract}'s checks, {@code corral status} sees every server
 * of it, and a task rides a {@code kill -9} of ZooKeeper's leader.
 *
 * <p>Needs only a JDK: this is the external-ensemble test of the README's {@code ./mvnw verify}.
 */
class StockZooKeeperEnsembleIT extends ExternalZooKeeperContract {
    private static final int SERVERS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ZooKeeperServerProcess> ensemble = new ArrayList<>();

    @Override
    List<ZooKeeperServerProcess> startZooKeeper() throws Exception {
        String classpath = stockClasspath();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("tickTime", "500"); // lets the servers grant the masters' 2 s sessions
        settings.put("initLimit", "20");
        settings.put("syncLimit", "10");
        for (int id = 1; id <= SERVERS; id++) {
            settings.put("server." + id, "127.0.0.1:" + freePort() + ":" + freePort());
        }
        for (int id = 1; id <= SERVERS; id++) {
            ensemble.add(new ZooKeeperServerProcess("zk-" + id, classpath,
                    Files.createDirectories(tmp.resolve("zk-" + id)), freePort(), settings, Optional.of(id),
                    log("zk-" + id + ".log")));
        }
        for (ZooKeeperServerProcess server : ensemble) {
            server.start();
        }
        awaitEnsembleServing();
        System.out.println("stock ZooKeeper ensemble: " + ensemble.get(0).version().orElse("?") + " on " + hosts());
        return ensemble;
    }

    @Test
    void statusSeesEveryServerOfTheEnsemble() throws Exception {
        awaitLeader();

        JsonNode zooKeeper = statusJson().path("zookeeper");

        assertThat(zooKeeper.path("servers_up").asInt()).as(zooKeeper.toString()).isEqualTo(SERVERS);
        assertThat(zooKeeper.path("has_quorum").asBoolean()).as(zooKeeper.toString()).isTrue();
        assertThat(zooKeeper.path("servers").findValuesAsText("mode"))
                .containsExactlyInAnyOrder("leader", "follower", "follower");
        assertThat(zooKeeper.path("leader").asText()).isEqualTo("127.0.0.1:" + leader().clientPort());
    }

    /**
     * A {@code kill -9} of ZooKeeper's leader (a minority) while a task runs: the ensemble elects another, the task
     * finishes and its {@code corral run} exits 0, {@code corral status} names the lost server, and a new task runs.
     * The server is restarted afterwards, leaving the ensemble whole for the other tests.
     */
    @Test
    void aTaskRidesAKill9OfZooKeepersLeader() throws Exception {
        awaitLeader();
        Process running = corral("minority-run.log", "run", "--zk", clusterUrl(PASSWORD), "--", "sleep", "4").start();
        await("TASK_RUNNING").atMost(COMMAND)
                .until(() -> Files.readString(tmp.resolve("minority-run.log")).contains("TASK_RUNNING"));
        ZooKeeperServerProcess killed = leader();

        killed.kill();
        awaitEnsembleServing();

        Result ridden = awaitEnd(running, "minority-run.log", "corral run -- sleep 4");
        assertThat(ridden.exit).as(ridden.describe()).isZero();
        assertThat(ridden.output).as(ridden.describe()).contains("TASK_FINISHED");
        JsonNode status = statusJson();
        assertThat(status.path("zookeeper").path("servers_up").asInt()).as(status.toString()).isEqualTo(SERVERS - 1);
        assertThat(status.path("problems").toString()).as(status.toString()).contains("127.0.0.1:" + killed.clientPort());
        Result after = runToEnd("after-kill-run.log", "run", "--zk", clusterUrl(PASSWORD), "--", "echo", "hello");
        assertThat(after.exit).as(after.describe()).isZero();

        killed.start();
        await(killed.name() + " rejoins").atMost(STARTUP).until(() -> killed.mode().isPresent());
    }

    /** Until every server is alive and serves, one of them as the leader. */
    private void awaitEnsembleServing() {
        await("the ZooKeeper ensemble serving with a leader").atMost(STARTUP)
                .failFast("a ZooKeeper server exited; " + logTails(),
                        () -> ensemble.stream().anyMatch(ZooKeeperServerProcess::crashed))
                .until(() -> ensemble.stream().filter(ZooKeeperServerProcess::isAlive)
                        .allMatch(server -> server.mode().isPresent())
                        && ensemble.stream().anyMatch(server -> server.mode().equals(Optional.of("leader"))));
    }

    private ZooKeeperServerProcess leader() {
        return ensemble.stream().filter(server -> server.mode().equals(Optional.of("leader"))).findFirst()
                .orElseThrow(() -> new AssertionError("no ZooKeeper server leads; " + logTails()));
    }

    /**
     * {@code corral status --json} (standard output only), which probes each ZooKeeper server itself. It exits 1 when
     * it finds problems.
     */
    private JsonNode statusJson() throws Exception {
        Process process = corral("status.json", "status", "--zk", clusterUrl(PASSWORD), "--json")
                .redirectErrorStream(false).redirectError(log("status.err").toFile()).start();
        Result status = awaitEnd(process, "status.json", "corral status --json");
        assertThat(status.exit).as(status.describe()).isIn(0, 1);
        return JSON.readTree(status.output);
    }

    /**
     * The release's jars, which {@code corral-stock-zookeeper} copies at {@code package}; the failsafe configuration
     * names the directory.
     */
    private static String stockClasspath() throws IOException {
        String property = System.getProperty("corral.stock-zookeeper.lib");
        assertThat(property).as("system property corral.stock-zookeeper.lib (set by corral-cli's pom)").isNotBlank();
        Path lib = Path.of(property);
        List<Path> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.filter(file -> file.toString().endsWith(".jar")).sorted().toList();
        }
        assertThat(jars).as("the stock ZooKeeper jars in " + lib + " (./mvnw package builds them)")
                .anyMatch(jar -> jar.getFileName().toString().matches("zookeeper-\\d.*\\.jar"));
        return String.join(":", jars.stream().map(Path::toString).toList());
    }
}
