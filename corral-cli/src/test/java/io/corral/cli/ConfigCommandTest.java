package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.config.ConfigStore;
import io.corral.zookeeper.config.Setting;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code corral config} against a real ZooKeeper server; each test uses its own root path. */
class ConfigCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestingServer server;
    private static int roots;

    private StringWriter out;
    private StringWriter err;
    private String root;
    private String zkUrl;
    private CuratorFramework zk;
    private ConfigStore store;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void connect() {
        root = "/cli" + ++roots;
        zkUrl = "zk://" + server.getConnectString() + root;
        zk = ZkClients.connect(ZkUrl.parse(zkUrl), Duration.ofSeconds(10), Duration.ofSeconds(10));
        store = new ConfigStore(zk, root);
    }

    @AfterEach
    void disconnect() {
        store.close();
        zk.close();
    }

    @Test
    void listShowsEverySettingWithItsDefault() {
        int exit = config("list", "--zk", zkUrl);

        assertThat(exit).isZero();
        assertThat(err.toString()).isEmpty();
        List<String> lines = lines();
        assertThat(lines.get(0)).matches("KEY +VALUE +DEFAULT\\? +VERSION +DESCRIPTION");
        assertThat(lines).hasSize(9);
        assertThat(lines.get(1)).matches("agent_ping_timeout +15secs +yes +- +How long the master waits .*");
        assertThat(lines.get(7)).matches("max_frameworks_per_principal +1000 +yes +- +Frameworks one principal .*");
        assertThat(lines.get(8)).matches("offer_timeout +none +yes +- +How long an offer stays outstanding .*");
    }

    @Test
    void setThenGetAndListShowTheNewValueAndVersion() {
        assertThat(config("set", "offer_timeout", "5m", "--zk", zkUrl)).isZero();
        assertThat(out.toString()).isEqualTo("offer_timeout = 5mins (version 0)\n");

        assertThat(config("get", "offer_timeout", "--zk", zkUrl)).isZero();
        assertThat(lines()).hasSize(2);
        assertThat(lines().get(1)).matches("offer_timeout +5mins +no +0 +How long an offer .*");

        assertThat(store.get("offer_timeout").orElseThrow().value()).contains("5mins");
    }

    @Test
    void getJsonHasTheValueVersionTypeRangeAndLastChange() throws Exception {
        store.set("agent_ping_timeout", "20s", Optional.empty(), "alice@host1");

        assertThat(config("get", "agent_ping_timeout", "--json", "--zk", zkUrl)).isZero();

        JsonNode setting = JSON.readTree(out.toString());
        assertThat(setting.path("key").asText()).isEqualTo("agent_ping_timeout");
        assertThat(setting.path("value").asText()).isEqualTo("20secs");
        assertThat(setting.path("default").asBoolean()).isFalse();
        assertThat(setting.path("version").asInt()).isZero();
        assertThat(setting.path("default_value").asText()).isEqualTo("15secs");
        assertThat(setting.path("type").asText()).isEqualTo("duration");
        assertThat(setting.path("range").asText()).isEqualTo("1secs..10mins");
        assertThat(setting.path("used_by").toString()).isEqualTo("[\"master\"]");
        assertThat(setting.path("updated_by").asText()).isEqualTo("alice@host1");
        assertThat(setting.path("updated_at").asText()).isNotEmpty();
    }

    @Test
    void listJsonHasEverySetting() throws Exception {
        assertThat(config("list", "--json", "--zk", zkUrl)).isZero();

        JsonNode settings = JSON.readTree(out.toString());
        assertThat(settings).hasSize(8);
        assertThat(settings.get(7).path("key").asText()).isEqualTo("offer_timeout");
        assertThat(settings.get(7).path("value").isNull()).isTrue();
        assertThat(settings.get(7).path("version").asInt()).isEqualTo(Setting.NEVER_SET);
    }

    @Test
    void aBadValueIsRefusedWithTheValidFormAndRangeAndNothingIsWritten() throws Exception {
        int exit = config("set", "offer_timeout", "not-a-duration", "--zk", zkUrl);

        assertThat(exit).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString()).isEqualTo("config set: offer_timeout: 'not-a-duration' is not a duration: "
                + "expected a number and a unit, e.g. 500ms, 2secs, 2s, 5mins, 5m, 1hrs, 1h, 1days "
                + "(range 1secs..1days)\n");
        assertThat(zk.checkExists().forPath(root)).isNull();
        assertThat(store.get("offer_timeout").orElseThrow().version()).isEqualTo(Setting.NEVER_SET);
    }

    @Test
    void anOutOfRangeValueOrUnknownKeyIsRefused() throws Exception {
        assertThat(config("set", "max_agent_ping_timeouts", "0", "--zk", zkUrl)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("config set: max_agent_ping_timeouts: 0 is outside the range 1..100\n");

        assertThat(config("get", "offer_timout", "--zk", zkUrl)).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("config get: unknown setting 'offer_timout': known settings are "
                + "agent_ping_timeout, agent_reregister_timeout, allocation_interval, gc_delay, logging_level, "
                + "max_agent_ping_timeouts, max_frameworks_per_principal, offer_timeout\n");
        assertThat(zk.checkExists().forPath(root)).isNull();
    }

    @Test
    void compareAndSetWinsOnTheCurrentVersionAndALostRaceSaysSo() {
        assertThat(config("set", "gc_delay", "2days", "--if-version", "-1", "--zk", zkUrl)).isZero();
        assertThat(config("set", "gc_delay", "3days", "--if-version", "0", "--zk", zkUrl)).isZero();
        assertThat(out.toString()).isEqualTo("gc_delay = 3days (version 1)\n");

        int exit = config("set", "gc_delay", "4days", "--if-version", "0", "--zk", zkUrl);

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("config set: gc_delay: version is now 1, not 0: "
                + "re-read with `corral config get gc_delay`\n");
        assertThat(store.get("gc_delay").orElseThrow().value()).contains("3days");

        assertThat(config("unset", "gc_delay", "--if-version", "0", "--zk", zkUrl)).isEqualTo(1);
        assertThat(store.get("gc_delay").orElseThrow().value()).contains("3days");
    }

    @Test
    void unsetRestoresTheDefaultAndHistoryShowsEveryChange() throws Exception {
        config("set", "logging_level", "debug", "--zk", zkUrl);
        config("set", "logging_level", "WARN", "--zk", zkUrl);

        assertThat(config("unset", "logging_level", "--zk", zkUrl)).isZero();
        assertThat(out.toString()).isEqualTo("logging_level unset: its default INFO applies (version 2)\n");

        assertThat(config("history", "logging_level", "--zk", zkUrl)).isZero();
        String who = ConfigStore.currentUser();
        List<String> lines = lines();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("WHEN +WHO +OLD +NEW");
        assertThat(lines.get(1)).matches("\\S+Z +" + Pattern.quote(who) + " +\\(unset\\) +DEBUG");
        assertThat(lines.get(2)).matches("\\S+Z +" + Pattern.quote(who) + " +DEBUG +WARN");
        assertThat(lines.get(3)).matches("\\S+Z +" + Pattern.quote(who) + " +WARN +\\(unset\\)");

        assertThat(config("history", "logging_level", "--json", "--zk", zkUrl)).isZero();
        JsonNode history = JSON.readTree(out.toString());
        assertThat(history).hasSize(3);
        assertThat(history.get(2).path("old").asText()).isEqualTo("WARN");
        assertThat(history.get(2).path("new").isNull()).isTrue();
        assertThat(history.get(2).path("version").asInt()).isEqualTo(2);
        assertThat(history.get(2).path("who").asText()).isEqualTo(who);
    }

    @Test
    void historyOfASettingNeverChangedSaysSo() {
        assertThat(config("history", "gc_delay", "--zk", zkUrl)).isZero();
        assertThat(out.toString()).isEqualTo("No changes of gc_delay recorded.\n");
    }

    @Test
    void aMasterUrlAloneIsNotEnough() {
        int exit = config("list", "--master", "http://127.0.0.1:5050");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("config list: " + ConfigSubcommand.NEEDS_ZK_MESSAGE
                + " (--master/--zk gave only a master URL)\n");
    }

    /** Runs {@code config ARGS} with fresh output buffers. */
    private int config(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine commandLine = new CommandLine(new ConfigCommand());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private List<String> lines() {
        return out.toString().lines().toList();
    }
}
