package io.corral.zookeeper.registry;

import java.util.List;
import java.util.Objects;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.maintenance.Protos.Schedule;

/**
 * The cluster's maintenance, as Mesos's registry keeps it ({@code schedules} and {@code machines}): the schedule an
 * operator set, in Mesos's own {@code Schedule} form, and the scheduled machines an operator brought down
 * (START_MAINTENANCE). Every other machine in the schedule is draining; a machine not in it is up. One document, at
 * {@code <root>/registry/maintenance/schedule}.
 */
public record MaintenanceRecord(Schedule schedule, List<MachineID> down) {
    /** The document's name under the maintenance directory. */
    public static final String ID = "schedule";

    public static final MaintenanceRecord NONE = new MaintenanceRecord(Schedule.getDefaultInstance(), List.of());

    public MaintenanceRecord {
        Objects.requireNonNull(schedule, "schedule");
        down = List.copyOf(down);
    }
}
