package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RegistryCodec;
import io.corral.zookeeper.registry.RegistryMeta;
import io.corral.zookeeper.registry.RegistrySnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the master makes durable, and what a new leader does with it (on a fake clock): failover deadlines that
 * survive a failover, and recovered agents that must re-register in time.
 */
class RegistryRecoveryTest {
    private final MasterFixture fixture = new MasterFixture();

    @AfterEach
    void stop() {
        fixture.close();
    }

    private Instant now() {
        return Instant.ofEpochMilli(fixture.timers.nowMillis());
    }

    private boolean knows(FrameworkID id) {
        return fixture.onLoop(() -> fixture.master.frameworks().contains(id));
    }

    /** A new leader recovers an active agent that the registry holds (here as there). */
    private AgentRecord recoverActiveAgent(String agentId) {
        AgentID id = AgentID.newBuilder().setValue(agentId).build();
        AgentInfo info = MasterFixture.agentInfo("cpus:2;mem:1024").toBuilder().setId(id).build();
        AgentRecord recorded = new AgentRecord(info, AgentState.active(), now(), now());
        fixture.run(() -> fixture.master.recover(new RegistrySnapshot(RegistryMeta.UNCLAIMED, List.of(recorded),
                List.of(), List.of())));
        fixture.registry.agents.put(id.getValue(), recorded);
        return recorded;
    }

    @Test
    void aDisconnectingFrameworksDeadlineIsWrittenToTheRegistry() {
        RecordingLink link = new RecordingLink();
        FrameworkID id = fixture.subscribe(MasterFixture.frameworkInfo(30), link);
        assertThat(fixture.registry.frameworks.get(id.getValue()).failoverDeadline()).isEmpty();

        link.open = false;
        fixture.run(() -> fixture.master.frameworks().streamClosed(id, link));

        assertThat(fixture.registry.frameworks.get(id.getValue()).failoverDeadline())
                .contains(now().plusSeconds(30));
    }

    @Test
    void aRecoveredFrameworkIsRemovedAtItsDeadlineNotBefore() {
        FrameworkID id = FrameworkID.newBuilder().setValue("old-0001").build();
        FrameworkInfo info = MasterFixture.frameworkInfo(60).toBuilder().setId(id).build();
        RegistrySnapshot snapshot = new RegistrySnapshot(RegistryMeta.UNCLAIMED, List.of(),
                List.of(FrameworkRecord.disconnected(info, now().plusSeconds(20))), List.of());
        fixture.run(() -> fixture.master.recover(snapshot));

        fixture.advance(Duration.ofSeconds(19));
        assertThat(knows(id)).isTrue();
        fixture.advance(Duration.ofSeconds(1));
        assertThat(knows(id)).isFalse();
        assertThat(fixture.registry.frameworks).doesNotContainKey(id.getValue());
    }

    @Test
    void aRecoveredAgentThatDoesNotComeBackIsMarkedUnreachable() {
        AgentID id = AgentID.newBuilder().setValue("old-S0").build();
        AgentInfo info = MasterFixture.agentInfo("cpus:2;mem:1024").toBuilder().setId(id).build();
        RegistrySnapshot snapshot = new RegistrySnapshot(RegistryMeta.UNCLAIMED,
                List.of(new AgentRecord(info, AgentState.active(), now(), now())), List.of(), List.of());
        fixture.run(() -> fixture.master.recover(snapshot));

        fixture.advance(Duration.ofMinutes(9));
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(id).isUnreachable())).isFalse();
        fixture.advance(Duration.ofMinutes(1));
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(id).isUnreachable())).isTrue();
        assertThat(fixture.registry.agents.get(id.getValue()).state().kind()).isEqualTo(AgentState.Kind.UNREACHABLE);
    }

    @Test
    void aRecoveredAgentThatReregistersInTimeStaysActive() {
        AgentRecord recorded = recoverActiveAgent("old-S1");
        AgentID id = recorded.info().getId();
        AgentInfo info = recorded.info();

        fixture.advance(Duration.ofMinutes(1));
        RecordingLink link = new RecordingLink();
        fixture.registerAgent(info, List.of(), List.of(), link);
        for (int i = 0; i < 40; i++) { // 10 minutes of answered pings
            fixture.advance(Duration.ofSeconds(15));
            fixture.run(() -> fixture.master.agents().heard(fixture.master.agents().get(id)));
        }
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(id).isUnreachable())).isFalse();
        assertThat(fixture.registry.agents.get(id.getValue()).state().kind()).isEqualTo(AgentState.Kind.ACTIVE);
    }

    @Test
    void anAgentReregisteringAsTheRegistryHoldsItIsAdmittedWithoutAWriteAndAChangedOneIsWritten() {
        AgentRecord recorded = recoverActiveAgent("old-S2");
        AgentID id = recorded.info().getId();
        AgentInfo info = recorded.info();
        fixture.advance(Duration.ofMinutes(1));

        fixture.registry.refuse = true; // a write now would fail the registration
        fixture.registerAgent(info, List.of(), List.of(), new RecordingLink());
        assertThat(fixture.registry.agents.get(id.getValue())).isSameAs(recorded);
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(id).isConnected())).isTrue();

        fixture.registry.refuse = false;
        AgentInfo grown = MasterFixture.agentInfo("cpus:4;mem:1024").toBuilder().setId(id).build();
        fixture.registerAgent(grown, List.of(), List.of(), new RecordingLink());
        assertThat(fixture.registry.agents.get(id.getValue()).info()).isEqualTo(grown);
        assertThat(fixture.registry.agents.get(id.getValue()).registeredAt()).isEqualTo(recorded.registeredAt());
    }

    @Test
    void aFrameworkResubscribingAsTheRegistryHoldsItIsNotWrittenAgainButAChangedOneIs() {
        FrameworkID id = FrameworkID.newBuilder().setValue("old-0002").build();
        FrameworkInfo info = MasterFixture.frameworkInfo(60).toBuilder().setId(id).build();
        FrameworkRecord recorded = FrameworkRecord.connected(info);
        fixture.run(() -> fixture.master.recover(new RegistrySnapshot(RegistryMeta.UNCLAIMED, List.of(),
                List.of(recorded), List.of())));
        fixture.registry.frameworks.put(id.getValue(), recorded);

        fixture.registry.refuse = true; // a write now would fail the subscription
        RecordingLink first = new RecordingLink();
        assertThat(fixture.subscribe(info, first)).isEqualTo(id);
        assertThat(fixture.registry.frameworks.get(id.getValue())).isSameAs(recorded);

        fixture.registry.refuse = false;
        FrameworkInfo renamed = info.toBuilder().setName("renamed").build();
        fixture.subscribe(renamed, new RecordingLink());
        assertThat(fixture.registry.frameworks.get(id.getValue()).info().getName()).isEqualTo("renamed");
    }

    @Test
    void aFrameworkResubscribingWithItsOwnInfoIsNotWrittenAgainThoughTheRegistryReadsItBackWithDefaultsSet() {
        FrameworkID id = FrameworkID.newBuilder().setValue("old-0003").build();
        FrameworkInfo own = MasterFixture.frameworkInfo(60).toBuilder().setId(id).build(); // checkpoint unset
        FrameworkRecord readBack = RegistryCodec.decodeFramework(
                RegistryCodec.encodeFramework(FrameworkRecord.connected(own)));
        assertThat(readBack.info().hasCheckpoint()).as("the registry's JSON writes explicit defaults").isTrue();
        fixture.run(() -> fixture.master.recover(new RegistrySnapshot(RegistryMeta.UNCLAIMED, List.of(),
                List.of(readBack), List.of())));
        fixture.registry.frameworks.put(id.getValue(), readBack);

        fixture.registry.refuse = true; // a write now would fail the subscription, and hold it behind ZooKeeper
        assertThat(fixture.subscribe(own, new RecordingLink())).isEqualTo(id);
        assertThat(fixture.registry.frameworks.get(id.getValue())).isSameAs(readBack);
    }

    @Test
    void aResubscriptionWhileItsDisconnectionIsBeingWrittenIsWrittenAfterIt() {
        RecordingLink link = new RecordingLink();
        FrameworkInfo info = MasterFixture.frameworkInfo(30);
        FrameworkID id = fixture.subscribe(info, link);
        FrameworkInfo subscribed = info.toBuilder().setId(id).build();

        fixture.registry.holdWrites();
        link.open = false;
        fixture.run(() -> fixture.master.frameworks().streamClosed(id, link)); // its deadline, on its way
        var resubscribed = fixture.onLoop(() -> fixture.master.frameworks().subscribe(
                org.apache.mesos.v1.scheduler.Protos.Call.newBuilder().setFrameworkId(id)
                        .setType(org.apache.mesos.v1.scheduler.Protos.Call.Type.SUBSCRIBE)
                        .setSubscribe(org.apache.mesos.v1.scheduler.Protos.Call.Subscribe.newBuilder()
                                .setFrameworkInfo(subscribed)).build(),
                java.util.Optional.empty(), frameworkId -> new RecordingLink()));
        fixture.registry.releaseHeld();
        resubscribed.join();

        assertThat(fixture.registry.frameworks.get(id.getValue()).failoverDeadline())
                .as("the registry must not keep the deadline of a framework that came back").isEmpty();
    }
}
