package io.corral.zookeeper.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The config store against a real ZooKeeper server; each test uses its own root path. */
class ConfigStoreTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestingServer server;
    private static int roots;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String root;
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
        root = "/corral" + ++roots;
        zk = client();
        store = open(zk);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void setGetAndUnsetRoundTrip() throws Exception {
        assertThat(store.get("offer_timeout")).contains(
                new Setting("offer_timeout", Optional.empty(), true, Setting.NEVER_SET, Optional.empty(),
                        Optional.empty()));

        Setting set = store.set("offer_timeout", "5m", Optional.empty(), "alice@host1");

        Setting expected = new Setting("offer_timeout", Optional.of("5mins"), false, 0, Optional.of("alice@host1"),
                Optional.of(NOW));
        assertThat(set).isEqualTo(expected);
        assertThat(store.get("offer_timeout")).contains(expected);
        JsonNode document = JSON.readTree(zk.getData().forPath(root + "/config/offer_timeout"));
        assertThat(document.toString()).isEqualTo("{\"version\":1,\"key\":\"offer_timeout\",\"value\":\"5mins\","
                + "\"updated_by\":\"alice@host1\",\"updated_at\":\"2025-03-01T12:00:00Z\"}");

        Setting unset = store.unset("offer_timeout", Optional.empty(), "bob@host2");

        assertThat(unset).isEqualTo(new Setting("offer_timeout", Optional.empty(), true, 1, Optional.of("bob@host2"),
                Optional.of(NOW)));
        assertThat(store.get("offer_timeout")).contains(unset);
        assertThat(store.get("no_such_key")).isEmpty();
    }

    @Test
    void listHasEverySettingWithDefaultsForThoseNeverSet() {
        store.set("logging_level", "debug", Optional.empty(), "alice@host1");

        assertThat(store.list()).containsOnlyKeys(ConfigSchema.standard().names());
        assertThat(store.list().get("logging_level").value()).contains("DEBUG");
        assertThat(store.list().get("logging_level").version()).isZero();
        assertThat(store.list().get("gc_delay")).isEqualTo(Setting.neverSet(ConfigSchema.standard().key("gc_delay")));
    }

    @Test
    void badInputWritesNothing() throws Exception {
        assertThatThrownBy(() -> store.set("offer_timeout", "not-a-duration", Optional.empty(), "alice@host1"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("offer_timeout: 'not-a-duration' is not a duration: expected a number and a unit, "
                        + "e.g. 500ms, 2secs, 2s, 5mins, 5m, 1hrs, 1h, 1days (range 1secs..1days)");
        assertThatThrownBy(() -> store.set("offer_timout", "5mins", Optional.empty(), "alice@host1"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("unknown setting 'offer_timout': known settings are agent_ping_timeout, ");
        assertThatThrownBy(() -> store.unset("offer_timout", Optional.empty(), "alice@host1"))
                .isInstanceOf(InvalidSettingException.class);

        assertThat(zk.checkExists().forPath(root)).isNull();
    }

    @Test
    void compareAndSetSucceedsOnTheCurrentVersionAndFailsOnAnOldOne() {
        store.set("agent_ping_timeout", "20secs", Optional.of(Setting.NEVER_SET), "alice@host1");
        store.set("agent_ping_timeout", "30secs", Optional.of(0), "alice@host1");
        assertThat(store.get("agent_ping_timeout").orElseThrow().version()).isEqualTo(1);

        assertThatThrownBy(() -> store.set("agent_ping_timeout", "40secs", Optional.of(0), "bob@host2"))
                .isInstanceOf(ConfigConflictException.class)
                .hasMessage("agent_ping_timeout: version is now 1, not 0: "
                        + "re-read with `corral config get agent_ping_timeout`");
        assertThatThrownBy(() -> store.unset("agent_ping_timeout", Optional.of(7), "bob@host2"))
                .isInstanceOf(ConfigConflictException.class)
                .hasMessageStartingWith("agent_ping_timeout: version is now 1, not 7: ");
        assertThatThrownBy(() -> store.set("gc_delay", "1days", Optional.of(0), "bob@host2"))
                .hasMessageStartingWith("gc_delay: version is now -1 (never set), not 0: ");

        assertThat(store.get("agent_ping_timeout").orElseThrow().value()).contains("30secs");
        assertThat(store.history("agent_ping_timeout")).hasSize(2);
        assertThat(store.history("gc_delay")).isEmpty();
    }

    @Test
    void ofTwoWritersRacingOnOneVersionExactlyOneWins() throws Exception {
        store.set("max_agent_ping_timeouts", "3", Optional.empty(), "setup@host");
        ConfigStore other = open(client());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        closeables.add(threads::shutdownNow);
        List<Future<Setting>> attempts = new ArrayList<>();
        for (var writer : List.of(store, other)) {
            String value = writer == store ? "7" : "9";
            attempts.add(threads.submit((Callable<Setting>) () -> {
                start.await();
                return writer.set("max_agent_ping_timeouts", value, Optional.of(0), value + "@host");
            }));
        }
        start.countDown();

        List<String> outcomes = new ArrayList<>();
        for (Future<Setting> attempt : attempts) {
            try {
                outcomes.add("won " + attempt.get().value().orElseThrow());
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(ConfigConflictException.class)
                        .hasMessageStartingWith("max_agent_ping_timeouts: version is now 1, not 0");
                outcomes.add("lost");
            }
        }
        assertThat(outcomes).containsOnlyOnce("lost").hasSize(2);
        String winner = outcomes.stream().filter(o -> o.startsWith("won ")).findFirst().orElseThrow().substring(4);
        assertThat(store.get("max_agent_ping_timeouts").orElseThrow().value()).contains(winner);
        assertThat(store.history("max_agent_ping_timeouts")).extracting(AuditEntry::newValue)
                .containsExactly(Optional.of("3"), Optional.of(winner));
    }

    @Test
    void everyChangeIsAuditedInOrderWithWhoWhenOldAndNew() throws Exception {
        store.set("logging_level", "WARN", Optional.empty(), "alice@host1");
        store.set("logging_level", "warn", Optional.empty(), "alice@host1"); // same value: no change, no entry
        store.set("logging_level", "ERROR", Optional.empty(), "bob@host2");
        store.unset("logging_level", Optional.empty(), "carol@host3");
        store.unset("logging_level", Optional.empty(), "carol@host3"); // already unset: no change, no entry

        List<AuditEntry> history = store.history("logging_level");

        assertThat(history).extracting(AuditEntry::who, AuditEntry::oldValue, AuditEntry::newValue,
                        AuditEntry::settingVersion)
                .containsExactly(
                        tuple("alice@host1", Optional.empty(), Optional.of("WARN"), 0),
                        tuple("bob@host2", Optional.of("WARN"), Optional.of("ERROR"), 1),
                        tuple("carol@host3", Optional.of("ERROR"), Optional.empty(), 2));
        assertThat(history).extracting(AuditEntry::when).containsOnly(NOW);
        assertThat(history).extracting(AuditEntry::sequence).isSorted().doesNotHaveDuplicates();
        assertThat(zk.getChildren().forPath(root + "/config-audit/logging_level"))
                .allMatch(name -> name.matches("entry-\\d{10}"));
        assertThat(zk.checkExists().forPath(root + "/config/logging_level").getVersion()).isEqualTo(2);
    }

    @Test
    void whenTheAuditEntryCannotBeWrittenTheChangeIsNotMadeEither() throws Exception {
        store.set("gc_delay", "2days", Optional.empty(), "alice@host1");
        // An ephemeral znode cannot have children: the audit create must fail, and with it the whole transaction.
        zk.delete().deletingChildrenIfNeeded().forPath(root + "/config-audit/gc_delay");
        zk.create().withMode(CreateMode.EPHEMERAL).forPath(root + "/config-audit/gc_delay");

        assertThatThrownBy(() -> store.set("gc_delay", "3days", Optional.empty(), "bob@host2"))
                .isInstanceOf(ConfigStoreException.class);

        Stat stat = zk.checkExists().forPath(root + "/config/gc_delay");
        assertThat(stat.getVersion()).isZero();
        assertThat(store.get("gc_delay").orElseThrow().value()).contains("2days");
    }

    @Test
    void historyKeepsTheLastHundredChanges() {
        for (int i = 1; i <= ConfigStore.AUDIT_ENTRIES_KEPT + 5; i++) {
            store.set("max_agent_ping_timeouts", Integer.toString(i % 100 + 1), Optional.empty(), "loop@host");
        }

        List<AuditEntry> history = store.history("max_agent_ping_timeouts");

        assertThat(history).hasSize(ConfigStore.AUDIT_ENTRIES_KEPT);
        assertThat(history.get(0).settingVersion()).isEqualTo(5);
        assertThat(history.get(99).settingVersion()).isEqualTo(104);
    }

    @Test
    void aStoredValueTheSchemaRefusesCountsAsUnsetButKeepsItsVersion() throws Exception {
        zk.create().creatingParentsIfNeeded().forPath(root + "/config/allocation_interval",
                ("{\"version\":1,\"key\":\"allocation_interval\",\"value\":\"5days\","
                        + "\"updated_by\":\"hand@edit\",\"updated_at\":\"2025-01-01T00:00:00Z\"}").getBytes(UTF_8));
        zk.create().forPath(root + "/config/from_a_newer_corral", "{}".getBytes(UTF_8));

        Setting setting = store.get("allocation_interval").orElseThrow();

        assertThat(setting.value()).contains("1secs");
        assertThat(setting.isDefault()).isTrue();
        assertThat(setting.version()).isZero();
        assertThat(store.list()).containsOnlyKeys(ConfigSchema.standard().names());
        assertThat(store.set("allocation_interval", "2s", Optional.of(0), "alice@host1").version()).isEqualTo(1);
    }

    @Test
    void theWatchSeesChangesMadeThroughAnotherClient() {
        List<ConfigSnapshot> seen = new CopyOnWriteArrayList<>();
        store.watch(seen::add);
        await().atMost(WAIT).until(() -> !seen.isEmpty());
        assertThat(seen.get(0)).isEqualTo(ConfigSnapshot.defaults(ConfigSchema.standard()));

        ConfigStore other = open(client());
        other.set("allocation_interval", "250ms", Optional.empty(), "alice@host1");

        await().atMost(WAIT).until(() -> last(seen).duration("allocation_interval").equals(Duration.ofMillis(250)));
        assertThat(store.snapshot()).isEqualTo(last(seen));

        other.set("offer_timeout", "30s", Optional.empty(), "alice@host1");
        await().atMost(WAIT).until(() -> last(seen).optionalDuration("offer_timeout")
                .equals(Optional.of(Duration.ofSeconds(30))));
        other.unset("allocation_interval", Optional.empty(), "alice@host1");
        await().atMost(WAIT).until(() -> last(seen).setting("allocation_interval").isDefault());

        assertThat(last(seen).duration("allocation_interval")).isEqualTo(Duration.ofSeconds(1));
        assertThat(last(seen).setting("allocation_interval").version()).isEqualTo(1);
        // Every snapshot delivered differs from the one before it.
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).isNotEqualTo(seen.get(i - 1));
        }
    }

    @Test
    void aListenerAddedLaterStartsWithTheCurrentSnapshot() {
        store.set("logging_level", "TRACE", Optional.empty(), "alice@host1");
        store.watch(snapshot -> { });
        List<ConfigSnapshot> later = new CopyOnWriteArrayList<>();

        store.watch(later::add);

        await().atMost(WAIT).until(() -> !later.isEmpty());
        assertThat(later.get(0).enumValue("logging_level")).isEqualTo("TRACE");
    }

    @Test
    void aClosedStoreTakesNoNewListeners() {
        List<ConfigSnapshot> seen = new CopyOnWriteArrayList<>();
        store.watch(seen::add);
        await().atMost(WAIT).until(() -> !seen.isEmpty());

        store.close();

        assertThatThrownBy(() -> store.watch(seen::add)).isInstanceOf(IllegalStateException.class);
    }

    private static ConfigSnapshot last(List<ConfigSnapshot> seen) {
        return seen.get(seen.size() - 1);
    }

    private CuratorFramework client() {
        CuratorFramework client = ZkClients.connect(ZkUrl.parse("zk://" + server.getConnectString() + root),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
        closeables.add(client);
        return client;
    }

    private ConfigStore open(CuratorFramework client) {
        ConfigStore opened = new ConfigStore(client, root, ConfigSchema.standard(), Clock.fixed(NOW, ZoneOffset.UTC));
        closeables.add(opened);
        return opened;
    }
}
