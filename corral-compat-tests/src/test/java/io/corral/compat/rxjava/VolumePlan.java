package io.corral.compat.rxjava;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.Protos.Volume;

/**
 * What a stateful framework written against Mesos 1.0's protos does with offers (the way Mesos's persistent-volume
 * example does it, in the pre-refinement format these protos know: {@code role} plus {@code reservation}):
 * <ol>
 *   <li>on an offer of unreserved resources: RESERVE cpus, mem and disk for its role, CREATE a persistent volume on
 *       the disk, and LAUNCH the writer task on the reserved cpus and mem and the volume, in one ACCEPT;</li>
 *   <li>on a later offer holding the volume (it comes back, reserved, once the writer ended): LAUNCH the reader task
 *       on it.</li>
 * </ol>
 * Anything else is declined.
 *
 * <p>Threading: called on the client's Rx threads, one offer at a time per stream; the phase is atomic.
 */
final class VolumePlan implements java.util.function.Function<Offer, List<Offer.Operation>> {
    static final String VOLUME_ID = "compat-volume";
    private static final double CPUS = 0.1;
    private static final double MEM = 32;
    private static final double DISK = 16;

    private final String role;
    private final String principal;
    private final String writer;
    private final String reader;
    private final AtomicInteger phase = new AtomicInteger();

    /** {@code writer} and {@code reader} are shell commands, run with the volume at {@code data} in the sandbox. */
    VolumePlan(String role, String principal, String writer, String reader) {
        this.role = role;
        this.principal = principal;
        this.writer = writer;
        this.reader = reader;
    }

    @Override
    public List<Offer.Operation> apply(Offer offer) {
        if (phase.get() == 0 && has(offer, "*", "cpus", CPUS) && has(offer, "*", "mem", MEM)
                && has(offer, "*", "disk", DISK) && phase.compareAndSet(0, 1)) {
            List<Resource> reserved = List.of(reserved("cpus", CPUS), reserved("mem", MEM), reserved("disk", DISK));
            Resource volume = volume();
            return List.of(
                    Offer.Operation.newBuilder().setType(Offer.Operation.Type.RESERVE)
                            .setReserve(Offer.Operation.Reserve.newBuilder().addAllResources(reserved)).build(),
                    Offer.Operation.newBuilder().setType(Offer.Operation.Type.CREATE)
                            .setCreate(Offer.Operation.Create.newBuilder().addVolumes(volume)).build(),
                    launch("writer", writer, offer, volume));
        }
        Optional<Resource> offeredVolume = offer.getResourcesList().stream()
                .filter(r -> r.hasDisk() && r.getDisk().hasPersistence()
                        && r.getDisk().getPersistence().getId().equals(VOLUME_ID))
                .findFirst();
        if (phase.get() == 1 && offeredVolume.isPresent() && has(offer, role, "cpus", CPUS)
                && has(offer, role, "mem", MEM) && phase.compareAndSet(1, 2)) {
            return List.of(launch("reader", reader, offer, offeredVolume.get()));
        }
        return List.of();
    }

    private Offer.Operation launch(String taskId, String command, Offer offer, Resource volume) {
        TaskInfo task = TaskInfo.newBuilder()
                .setName(taskId)
                .setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(offer.getAgentId())
                .setCommand(CommandInfo.newBuilder().setShell(true).setValue(command))
                .addResources(reserved("cpus", CPUS))
                .addResources(reserved("mem", MEM))
                .addResources(volume)
                .build();
        return Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)).build();
    }

    private Resource reserved(String name, double amount) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(amount))
                .setRole(role)
                .setReservation(Resource.ReservationInfo.newBuilder().setPrincipal(principal))
                .build();
    }

    private Resource volume() {
        return reserved("disk", DISK).toBuilder()
                .setDisk(Resource.DiskInfo.newBuilder()
                        .setPersistence(Resource.DiskInfo.Persistence.newBuilder().setId(VOLUME_ID))
                        .setVolume(Volume.newBuilder().setContainerPath("data").setMode(Volume.Mode.RW)))
                .build();
    }

    private static boolean has(Offer offer, String role, String name, double amount) {
        return offer.getResourcesList().stream()
                .anyMatch(r -> r.getName().equals(name) && r.getRole().equals(role) && !r.hasDisk()
                        && r.getScalar().getValue() >= amount);
    }
}
