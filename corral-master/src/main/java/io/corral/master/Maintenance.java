package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.zookeeper.registry.MaintenanceRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.Protos.MachineInfo;
import org.apache.mesos.v1.Protos.Unavailability;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.apache.mesos.v1.maintenance.Protos.Window;

/**
 * Maintenance of machines, as Mesos's maintenance primitives define it ({@code docs/mesos-compatibility.md},
 * "Maintenance"): the schedule an operator sets (windows of machines, each with an unavailability), and each
 * machine's mode: UP (not scheduled), DRAINING (scheduled: its agents' frameworks get inverse offers, its offers
 * carry the unavailability) or DOWN (brought down by START_MAINTENANCE: its agents are shut down and refused until
 * STOP_MAINTENANCE brings it up, which also takes it off the schedule).
 *
 * <p>The operator calls are decided here on the current state (Mesos's validation and messages, a 400 before
 * anything changes) and committed as one {@link DurableChange.MaintenanceStored}; {@link #apply} takes the new
 * schedule and modes once durable, and on a new leader's recovery. Machines are keyed by their normalized id
 * ({@link MachineIds#normalized}): the schedule is stored with hostnames in lower case.
 *
 * <p>Threading: owned by the master's event loop; every method runs there.
 */
public final class Maintenance {
    private final Master master;
    private MaintenanceRecord record = MaintenanceRecord.NONE;
    /** Every scheduled machine and the unavailability of its window. */
    private Map<MachineID, Unavailability> scheduled = Map.of();
    /** Scheduled machines by the name agents announce (hostname, else IP), to find an agent's machine at once. */
    private Map<String, MachineID> byAgentName = Map.of();
    private Set<MachineID> down = Set.of();

    Maintenance(Master master) {
        this.master = master;
    }

    // ---- what the rest of the master asks ----

    /** Whether any machine is scheduled for maintenance. */
    boolean anyScheduled() {
        return !scheduled.isEmpty();
    }

    /** The scheduled machine that hosts {@code agent}, if any. */
    Optional<MachineID> machineOf(AgentInfo agent) {
        if (byAgentName.isEmpty()) {
            return Optional.empty();
        }
        MachineID machine = byAgentName.get(agent.getHostname().toLowerCase(java.util.Locale.ROOT));
        return machine != null && MachineIds.hosts(machine, agent) ? Optional.of(machine) : Optional.empty();
    }

    MachineInfo.Mode mode(AgentInfo agent) {
        return machineOf(agent).map(m -> down.contains(m) ? MachineInfo.Mode.DOWN : MachineInfo.Mode.DRAINING)
                .orElse(MachineInfo.Mode.UP);
    }

    boolean isDown(AgentInfo agent) {
        return mode(agent) == MachineInfo.Mode.DOWN;
    }

    /** When the agent's machine is scheduled to be unavailable (offers from it carry this), if it is. */
    Optional<Unavailability> unavailability(AgentInfo agent) {
        return machineOf(agent).map(scheduled::get);
    }

    /** What readers see: the schedule, and the machines draining (with frameworks' answers) or down. */
    MaintenanceView view() {
        if (scheduled.isEmpty()) {
            return MaintenanceView.NONE;
        }
        Map<MachineID, List<Agent>> agentsByMachine = new HashMap<>();
        for (Agent agent : master.agents().all()) {
            machineOf(agent.info()).ifPresent(m -> agentsByMachine.computeIfAbsent(m, k -> new ArrayList<>())
                    .add(agent));
        }
        ClusterStatus.Builder status = ClusterStatus.newBuilder();
        for (MachineID machine : scheduled.keySet()) {
            if (down.contains(machine)) {
                status.addDownMachines(machine);
                continue;
            }
            ClusterStatus.DrainingMachine.Builder draining = ClusterStatus.DrainingMachine.newBuilder()
                    .setId(machine);
            for (Agent agent : agentsByMachine.getOrDefault(machine, List.of())) {
                draining.addAllStatuses(master.inverseOffers().statuses(agent.id()));
            }
            status.addDrainingMachines(draining);
        }
        return new MaintenanceView(record.schedule(), status.build());
    }

    // ---- the operator calls ----

    /**
     * UPDATE_MAINTENANCE_SCHEDULE: replaces the schedule. New machines start DRAINING; machines left out go back UP;
     * a DOWN machine may not be left out (it must be brought up with STOP_MAINTENANCE).
     */
    public CompletableFuture<Void> updateSchedule(Schedule schedule) {
        Schedule normalized = validSchedule(schedule);
        return master.commit(new DurableChange.MaintenanceStored(new MaintenanceRecord(normalized, record.down())),
                () -> { });
    }

    /** START_MAINTENANCE: the machines, all DRAINING, go DOWN: their agents are shut down. */
    public CompletableFuture<Void> startMaintenance(List<MachineID> machines) {
        List<MachineID> named = validMachines(machines);
        for (MachineID machine : named) {
            requireScheduled(machine);
            if (down.contains(machine)) {
                refuse("Machine '" + MachineIds.json(machine) + "' is not in DRAINING mode and cannot be brought down");
            }
        }
        Set<MachineID> nowDown = new LinkedHashSet<>(record.down());
        nowDown.addAll(named);
        return master.commit(new DurableChange.MaintenanceStored(
                new MaintenanceRecord(record.schedule(), List.copyOf(nowDown))), () -> { });
    }

    /** STOP_MAINTENANCE: the machines, all DOWN, come back UP and leave the schedule. */
    public CompletableFuture<Void> stopMaintenance(List<MachineID> machines) {
        List<MachineID> named = validMachines(machines);
        for (MachineID machine : named) {
            requireScheduled(machine);
            if (!down.contains(machine)) {
                refuse("Machine '" + MachineIds.json(machine) + "' is not in DOWN mode and cannot be brought up");
            }
        }
        Set<MachineID> up = new HashSet<>(named);
        Schedule.Builder remaining = Schedule.newBuilder();
        for (Window window : record.schedule().getWindowsList()) {
            List<MachineID> kept = window.getMachineIdsList().stream().filter(m -> !up.contains(m)).toList();
            if (!kept.isEmpty()) {
                remaining.addWindows(window.toBuilder().clearMachineIds().addAllMachineIds(kept));
            }
        }
        List<MachineID> stillDown = record.down().stream().filter(m -> !up.contains(m)).toList();
        return master.commit(new DurableChange.MaintenanceStored(new MaintenanceRecord(remaining.build(), stillDown)),
                () -> { });
    }

    // ---- applying the durable change ----

    /**
     * The schedule and modes are durable (or read back by a new leader): agents whose unavailability changed have
     * their offers and inverse offers rescinded (new ones carry the new unavailability, as in Mesos), and agents on
     * machines that just went DOWN are shut down.
     */
    void apply(MaintenanceRecord next) {
        Map<AgentID, Optional<Unavailability>> before = new HashMap<>();
        Set<AgentID> wasDown = new HashSet<>();
        for (Agent agent : master.agents().all()) {
            before.put(agent.id(), unavailability(agent.info()));
            if (isDown(agent.info())) {
                wasDown.add(agent.id());
            }
        }
        take(next);
        for (Agent agent : List.copyOf(master.agents().all())) {
            if (!Objects.equals(before.get(agent.id()), unavailability(agent.info()))) {
                master.offers.rescind(agent.offers(), true);
                master.inverseOffers().rescind(agent.id());
            }
            if (isDown(agent.info()) && !wasDown.contains(agent.id())) {
                master.agentModes().shutDown(agent, "Operator initiated 'Machine DOWN'");
                master.operatorStreams.publish(() -> OperatorEvents.agentRemoved(agent.id()));
            }
        }
        master.offers.allocateSoon();
    }

    private void take(MaintenanceRecord next) {
        Map<MachineID, Unavailability> machines = new HashMap<>();
        Map<String, MachineID> names = new HashMap<>();
        for (Window window : next.schedule().getWindowsList()) {
            for (MachineID machine : window.getMachineIdsList()) {
                machines.put(machine, window.getUnavailability());
                names.putIfAbsent(machine.getHostname().isEmpty() ? machine.getIp() : machine.getHostname(), machine);
            }
        }
        this.record = next;
        this.scheduled = machines;
        this.byAgentName = names;
        this.down = Set.copyOf(next.down());
    }

    // ---- validation (master::maintenance::validation, with its messages) ----

    private Schedule validSchedule(Schedule schedule) {
        Schedule.Builder normalized = Schedule.newBuilder();
        Set<MachineID> updated = new HashSet<>();
        for (Window window : schedule.getWindowsList()) {
            if (window.getMachineIdsCount() == 0) {
                refuse("List of machines in the maintenance window is empty");
            }
            validUnavailability(window);
            Window.Builder kept = window.toBuilder().clearMachineIds();
            for (MachineID machine : window.getMachineIdsList()) {
                String invalid = MachineIds.invalidReason(machine);
                if (invalid != null) {
                    refuse(invalid);
                }
                MachineID id = MachineIds.normalized(machine);
                if (!updated.add(id)) {
                    refuse("Machine '" + MachineIds.json(id) + "' appears more than once in the schedule");
                }
                if (updated.size() > MachineIds.MAX_MACHINES) {
                    refuse("The schedule names more than " + MachineIds.MAX_MACHINES + " machines");
                }
                kept.addMachineIds(id);
            }
            normalized.addWindows(kept);
        }
        for (MachineID machine : down) {
            if (!updated.contains(machine)) {
                refuse("Machine '" + MachineIds.json(machine)
                        + "' is deactivated and cannot be removed from the schedule");
            }
        }
        return normalized.build();
    }

    private static void validUnavailability(Window window) {
        if (!window.hasUnavailability() || !window.getUnavailability().hasStart()) {
            refuse("Expecting 'unavailability.start' to be present in every maintenance window");
        }
        if (window.getUnavailability().getDuration().getNanoseconds() < 0) {
            refuse("Unavailability 'duration' is negative");
        }
    }

    private static List<MachineID> validMachines(List<MachineID> machines) {
        String invalid = MachineIds.invalidList(machines);
        if (invalid != null) {
            refuse(invalid);
        }
        List<MachineID> normalized = new ArrayList<>(machines.size());
        machines.forEach(machine -> normalized.add(MachineIds.normalized(machine)));
        return normalized;
    }

    private void requireScheduled(MachineID machine) {
        if (!scheduled.containsKey(machine)) {
            refuse("Machine '" + MachineIds.json(machine) + "' is not part of a maintenance schedule");
        }
    }

    private static void refuse(String why) {
        throw Rejected.invalid(why);
    }

    /** The maintenance as readers see it. Immutable. */
    public record MaintenanceView(Schedule schedule, ClusterStatus status) {
        static final MaintenanceView NONE = new MaintenanceView(Schedule.getDefaultInstance(),
                ClusterStatus.getDefaultInstance());
    }
}
