package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.zookeeper.TestEnsembles;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RegistryCodec;
import io.corral.zookeeper.registry.RegistryMirror;
import io.corral.zookeeper.registry.RegistryPaths;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A standby rehearses its recovery from the real registry (a real ZooKeeper server): again when the agents have
 * doubled, never by writing, and a registry it cannot read is reported while it only follows.
 */
class RecoveryRehearsalTest {
    private static final String ROOT = "/corral";
    private static final Duration QUICK = Duration.ofMillis(50);
    private static final MasterInfo STANDBY = MasterInfo.newBuilder().setId("standby").setIp(0x7f000001)
            .setPort(5050).build();

    private final RegistryPaths paths = new RegistryPaths(ROOT);
    private TestingServer server;
    private CuratorFramework zk;

    @BeforeEach
    void start() throws Exception {
        server = new TestingServer(TestEnsembles.standalone(), true);
        zk = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        zk.start();
    }

    @AfterEach
    void stop() throws Exception {
        zk.close();
        server.close();
    }

    @Test
    void aStandbyRehearsesAndAgainWhenTheAgentsHaveDoubledWithoutWritingAnything() throws Exception {
        writeAgents(0, 3);
        writeFramework("old-0001", Optional.empty());
        writeFramework("old-0002", Optional.of(Instant.parse("2026-12-03T01:00:00Z"))); // disconnected: rewritten
        long lastWrite = lastZxid();
        try (RecoveryRehearsal rehearsal = RecoveryRehearsal.start(zk, ROOT, Optional.empty(), STANDBY,
                MasterConfig::defaults, () -> true, QUICK, RecoveryRehearsal.WARM_AFTER_AGENTS)) {
            await().atMost(Duration.ofSeconds(20)).until(rehearsal::rehearsedAgents, n -> n == 3);
            assertThat(lastZxid()).as("nothing written by the rehearsal").isEqualTo(lastWrite);
            assertThat(rehearsal.rehearsedOffers()).as("its agents came back, a framework was offered them")
                    .isEqualTo(3);

            writeAgents(3, 6);
            await().atMost(Duration.ofSeconds(20)).until(rehearsal::rehearsedAgents, n -> n == 6);
            assertThat(rehearsal.failures()).isZero();
        }
    }

    @Test
    void aWarmStandbyRehearsesOnceMoreThenStops() throws Exception {
        writeAgents(0, 3);
        writeFramework("old-0001", Optional.empty());
        try (RecoveryRehearsal rehearsal = RecoveryRehearsal.start(zk, ROOT, Optional.empty(), STANDBY,
                MasterConfig::defaults, () -> true, QUICK, 3)) {
            await().atMost(Duration.ofSeconds(20)).until(rehearsal::stopped);
            assertThat(rehearsal.warmRehearsals()).as("the second one with the JIT's queue drained")
                    .isEqualTo(RecoveryRehearsal.WARM_REHEARSALS);
            assertThat(rehearsal.failures()).isZero();
        }
    }

    @Test
    void aRegistryTheStandbyCannotReadIsReportedWhileItOnlyFollows() throws Exception {
        writeAgents(0, 1);
        zk.create().forPath(paths.agent("broken-S9"), "{not json".getBytes(StandardCharsets.UTF_8));
        try (RecoveryRehearsal rehearsal = RecoveryRehearsal.start(zk, ROOT, Optional.empty(), STANDBY,
                MasterConfig::defaults, () -> true, QUICK, RecoveryRehearsal.WARM_AFTER_AGENTS)) {
            await().atMost(Duration.ofSeconds(20)).until(rehearsal::failures, n -> n >= 1);
            assertThat(rehearsal.rehearsedAgents()).isZero();
        }
    }

    @Test
    void aStandbyWithARegistryMirrorRehearsesFromItsCopyAndReportsWhatItCannotDecode() throws Exception {
        writeAgents(0, 2);
        try (RegistryMirror mirror = RegistryMirror.start(zk, ROOT);
             RecoveryRehearsal rehearsal = RecoveryRehearsal.start(zk, ROOT, Optional.of(mirror), STANDBY,
                     MasterConfig::defaults, () -> true, QUICK, RecoveryRehearsal.WARM_AFTER_AGENTS)) {
            await().atMost(Duration.ofSeconds(20)).until(rehearsal::rehearsedAgents, n -> n == 2);

            zk.create().forPath(paths.agent("broken-S9"), "{not json".getBytes(StandardCharsets.UTF_8));
            writeAgents(2, 4);
            await().atMost(Duration.ofSeconds(20)).until(rehearsal::failures, n -> n >= 1);
            assertThat(rehearsal.rehearsedAgents()).isEqualTo(2);
        }
    }

    private void writeAgents(int from, int to) throws Exception {
        Instant t0 = Instant.parse("2026-12-03T00:00:00Z");
        for (int i = from; i < to; i++) {
            AgentID id = AgentID.newBuilder().setValue("old-S" + i).build();
            AgentRecord agent = new AgentRecord(MasterFixture.agentInfo("cpus:2;mem:1024").toBuilder().setId(id)
                    .build(), AgentState.active(), t0, t0);
            zk.create().creatingParentsIfNeeded().forPath(paths.agent(id.getValue()), RegistryCodec.encodeAgent(agent));
        }
    }

    private void writeFramework(String id, Optional<Instant> failoverDeadline) throws Exception {
        FrameworkInfo info = MasterFixture.frameworkInfo(3600).toBuilder()
                .setId(FrameworkID.newBuilder().setValue(id)).build();
        zk.create().creatingParentsIfNeeded().forPath(paths.framework(id),
                RegistryCodec.encodeFramework(new FrameworkRecord(info, failoverDeadline)));
    }

    /** The zxid of the last change to anything under the Corral root. */
    private long lastZxid() throws Exception {
        long last = 0;
        for (String path : java.util.List.of(ROOT, paths.registry(), paths.agents(), paths.frameworks(),
                paths.framework("old-0001"), paths.framework("old-0002"))) {
            org.apache.zookeeper.data.Stat stat = zk.checkExists().forPath(path);
            last = Math.max(last, Math.max(stat.getMzxid(), stat.getPzxid()));
        }
        return last;
    }
}
