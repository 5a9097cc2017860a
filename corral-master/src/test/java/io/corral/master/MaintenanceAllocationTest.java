package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.allocator.AllocationInput;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import io.corral.zookeeper.registry.MaintenanceRecord;
import io.corral.zookeeper.registry.RegistryMeta;
import io.corral.zookeeper.registry.RegistrySnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.DrainInfo;
import org.apache.mesos.v1.Protos.DrainState;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.Protos.Unavailability;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.apache.mesos.v1.maintenance.Protos.Window;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which agents the allocator sees while operators deactivate, drain or bring machines down; a refused registry write
 * changing nothing; and a new leader's recovery applying the maintenance documents as the same changes.
 */
class MaintenanceAllocationTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void deactivatedDrainedAndDownAgentsAreLeftOutOfAllocation() {
        AgentID a1 = register("a1");
        AgentID a2 = register("a2");
        AgentID a3 = register("a3");
        AgentID a4 = register("a4");
        assertThat(offerable()).containsExactlyInAnyOrder("a1", "a2", "a3", "a4");

        call(() -> master.agentModes().deactivate(a1));
        call(() -> master.agentModes().drain(a2, Optional.empty(), false));
        call(() -> master.maintenance().updateSchedule(schedule(machine("A3"), machine("a4"))));
        assertThat(offerable()).as("a scheduled (draining) machine is still offered").containsExactly("a3", "a4");
        call(() -> master.maintenance().startMaintenance(List.of(machine("a3"))));

        assertThat(offerable()).containsExactly("a4");
        assertThat(master.view().join().agents()).filteredOn(a -> a.id().equals(a2)).singleElement()
                .satisfies(a -> assertThat(a.drain().orElseThrow().getState()).isEqualTo(DrainState.DRAINED));
        assertThat(fixture.registry.agentModes.get(a2.getValue()).drain().orElseThrow().getState())
                .isEqualTo(DrainState.DRAINED);

        call(() -> master.agentModes().reactivate(a1));
        call(() -> master.agentModes().reactivate(a2));
        call(() -> master.maintenance().stopMaintenance(List.of(machine("a3"))));
        assertThat(offerable()).as("a3 comes back when it re-registers").containsExactlyInAnyOrder("a1", "a2", "a4");
        assertThat(fixture.registry.agentModes).isEmpty();
        assertThat(master.view().join().agents()).filteredOn(a -> a.id().equals(a3)).singleElement()
                .satisfies(a -> assertThat(a.connected()).as("shut down when its machine went down").isFalse());
    }

    @Test
    void aRefusedRegistryWriteChangesNothing() {
        AgentID a1 = register("a1");
        fixture.registry.refuse = true;

        Throwable drain = catchThrowable(() -> call(() -> master.agentModes().drain(a1, Optional.empty(), true)));
        Throwable schedule = catchThrowable(() -> call(() -> master.maintenance()
                .updateSchedule(schedule(machine("a1")))));
        Throwable gone = catchThrowable(() -> call(() -> master.agentModes().markGone(a1)));

        for (Throwable failure : List.of(drain, schedule, gone)) {
            assertThat(cause(failure)).isInstanceOf(Rejected.class);
            assertThat(((Rejected) cause(failure)).reason()).isEqualTo(Rejected.Reason.UNAVAILABLE);
        }
        assertThat(offerable()).containsExactly("a1");
        assertThat(master.view().join().maintenance().schedule().getWindowsCount()).isZero();
        assertThat(master.view().join().agents()).singleElement().satisfies(a -> {
            assertThat(a.deactivated()).isFalse();
            assertThat(a.drain()).isEmpty();
        });
    }

    @Test
    void recoveryAppliesTheScheduleTheModesAndGoneAgents() {
        Instant now = Instant.ofEpochMilli(fixture.timers.nowMillis());
        AgentInfo a1 = info("a1", "r-S1");
        AgentInfo a2 = info("a2", "r-S2");
        AgentInfo a3 = info("a3", "r-S3");
        DrainInfo drained = DrainInfo.newBuilder().setState(DrainState.DRAINED)
                .setConfig(org.apache.mesos.v1.Protos.DrainConfig.newBuilder().setMarkGone(false)).build();
        RegistrySnapshot snapshot = new RegistrySnapshot(RegistryMeta.UNCLAIMED,
                List.of(new AgentRecord(a1, AgentState.active(), now, now),
                        new AgentRecord(a2, AgentState.active(), now, now),
                        new AgentRecord(a3, AgentState.gone(now), now, now)),
                List.of(), List.of(),
                new MaintenanceRecord(schedule(machine("a1")), List.of(machine("a1"))),
                List.of(new AgentModeRecord("r-S2", true, Optional.of(drained))));

        fixture.run(() -> master.recover(snapshot));

        MasterView view = master.view().join();
        assertThat(view.maintenance().status().getDownMachinesList()).containsExactly(machine("a1"));
        assertThat(view.agents()).extracting(a -> a.id().getValue()).containsExactly("r-S1", "r-S2");
        assertThat(view.agents().get(1).drain()).contains(drained);
        Throwable down = catchThrowable(() -> fixture.registerAgent(a1, List.of(), List.of(), new RecordingLink()));
        assertThat(cause(down)).hasMessageContaining("is DOWN for maintenance");
        Throwable spoofed = catchThrowable(() -> fixture.onLoop(() -> master.agents().register(
                new AgentCall.Register(AgentProtocol.VERSION, a3, List.of(), List.of()), id -> new RecordingLink()))
                .join());
        assertThat(cause(spoofed)).hasMessageContaining("has been marked gone");
        assertThat(((Rejected) cause(spoofed)).reason()).isEqualTo(Rejected.Reason.FORBIDDEN);
        fixture.registerAgent(a2, List.of(), List.of(), new RecordingLink());
        assertThat(offerable()).as("a drained agent stays out after re-registering").isEmpty();
    }

    private AgentID register(String hostname) {
        return fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:128").toBuilder().setHostname(hostname)
                .build(), List.of(), List.of(), new RecordingLink());
    }

    private static AgentInfo info(String hostname, String id) {
        return MasterFixture.agentInfo("cpus:1;mem:128").toBuilder().setHostname(hostname)
                .setId(AgentID.newBuilder().setValue(id)).build();
    }

    private List<String> offerable() {
        AllocationInput input = fixture.onLoop(master.offers::allocationInput);
        return input.agents().stream().map(AllocationInput.AgentSlot::hostname).toList();
    }

    private static MachineID machine(String hostname) {
        return MachineID.newBuilder().setHostname(hostname).build();
    }

    private static Schedule schedule(MachineID... machines) {
        return Schedule.newBuilder().addWindows(Window.newBuilder().addAllMachineIds(List.of(machines))
                .setUnavailability(Unavailability.newBuilder().setStart(TimeInfo.newBuilder().setNanoseconds(1))))
                .build();
    }

    private void call(Supplier<CompletableFuture<Void>> change) {
        fixture.onLoop(change).join();
        fixture.run(() -> { });
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
