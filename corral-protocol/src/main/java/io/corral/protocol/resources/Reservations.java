package io.corral.protocol.resources;

import io.corral.protocol.Roles;
import java.util.List;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Resource.ReservationInfo;

/**
 * Who a resource is reserved for, in Mesos's two formats, and the one Corral keeps inside.
 *
 * <p>Mesos has two ways to say a resource is reserved: the old one ({@code role: "eng"}, plus {@code reservation}
 * when it was reserved dynamically) that frameworks without the {@code RESERVATION_REFINEMENT} capability use, and
 * the stack ({@code reservations: [{type: STATIC|DYNAMIC, role, principal, labels}]}, each role a strict subrole of
 * the one before) that refinement-capable frameworks use. Corral keeps every resource in the stack form
 * ({@link #canonical}), except that an unreserved resource keeps {@code role: "*"}: so the same reservation written
 * either way is the same kind in a {@link ResourceSet}, and {@link #downgraded} turns it back into the old form for
 * frameworks that expect it.
 *
 * <p>Also here: persistent volumes, which are reserved disk with a {@code disk.persistence} id.
 *
 * <p>Stateless and thread-safe.
 */
public final class Reservations {
    private Reservations() {}

    /**
     * The stack form of {@code resource}, checked as Mesos checks reservations: the old fields must not be mixed
     * with the stack; {@code reservation} needs a role other than {@code *}; every role in the stack is a valid role
     * other than {@code *}, a strict subrole of the one below it, with its type set; no STATIC reservation on top of
     * a DYNAMIC one. A persistent volume must be reserved {@code disk}.
     *
     * @throws IllegalArgumentException with Mesos's reason
     */
    public static Resource canonical(Resource resource) {
        Resource.Builder kind = resource.toBuilder();
        if (resource.getReservationsCount() > 0) {
            if (resource.hasRole() || resource.hasReservation()) {
                throw new IllegalArgumentException("'Resource.role' and 'Resource.reservation' must not be set"
                        + " together with 'Resource.reservations'");
            }
        } else if (resource.hasRole() && !resource.getRole().equals(Roles.DEFAULT)) {
            ReservationInfo.Builder reservation = ReservationInfo.newBuilder()
                    .setType(resource.hasReservation() ? ReservationInfo.Type.DYNAMIC : ReservationInfo.Type.STATIC)
                    .setRole(resource.getRole());
            if (resource.getReservation().hasPrincipal()) {
                reservation.setPrincipal(resource.getReservation().getPrincipal());
            }
            if (resource.getReservation().hasLabels()) {
                reservation.setLabels(resource.getReservation().getLabels());
            }
            kind.clearRole().clearReservation().addReservations(reservation);
        } else if (resource.hasReservation()) {
            throw new IllegalArgumentException("'Resource.reservation' is set but the resource is unreserved"
                    + " (role '*'); a dynamic reservation needs a role");
        } else {
            kind.setRole(Roles.DEFAULT);
        }
        checkStack(kind.getReservationsList());
        if (kind.hasDisk() && kind.getDisk().hasPersistence()) {
            checkVolume(kind);
        }
        return kind.buildPartial();
    }

    private static void checkStack(List<ReservationInfo> stack) {
        for (int i = 0; i < stack.size(); i++) {
            ReservationInfo reservation = stack.get(i);
            if (!reservation.hasType() || reservation.getType() == ReservationInfo.Type.UNKNOWN) {
                throw new IllegalArgumentException("a reservation must have its 'type' (STATIC or DYNAMIC)");
            }
            String role = reservation.getRole();
            String invalid = Roles.invalidReason(role);
            if (invalid != null || role.equals(Roles.DEFAULT)) {
                throw new IllegalArgumentException("invalid reservation role: "
                        + (invalid != null ? invalid : "'*' cannot be reserved"));
            }
            if (i > 0) {
                ReservationInfo below = stack.get(i - 1);
                if (!Roles.isStrictSubrole(role, below.getRole())) {
                    throw new IllegalArgumentException("a refined reservation's role '" + role
                            + "' must be a strict subrole of '" + below.getRole() + "'");
                }
                if (reservation.getType() == ReservationInfo.Type.STATIC
                        && below.getType() == ReservationInfo.Type.DYNAMIC) {
                    throw new IllegalArgumentException("a STATIC reservation cannot refine a DYNAMIC one");
                }
            }
        }
    }

    private static void checkVolume(Resource.Builder volume) {
        if (!volume.getName().equals("disk")) {
            throw new IllegalArgumentException("only 'disk' resources can be persistent volumes");
        }
        if (volume.getReservationsCount() == 0) {
            throw new IllegalArgumentException("a persistent volume must be made of reserved disk");
        }
        String id = volume.getDisk().getPersistence().getId();
        String invalidId = io.corral.protocol.MesosIds.invalidReason(id);
        if (invalidId != null) {
            throw new IllegalArgumentException("invalid persistence ID for persistent volume: " + invalidId);
        }
        if (!volume.getDisk().hasVolume()) {
            throw new IllegalArgumentException("persistent volume '" + id + "' needs 'disk.volume'");
        }
        String path = volume.getDisk().getVolume().getContainerPath();
        if (path.isEmpty() || path.startsWith("/") || List.of(path.split("/")).contains("..")
                || path.chars().anyMatch(c -> Character.isISOControl(c) || c == '\\')) {
            throw new IllegalArgumentException("persistent volume '" + id + "' has an invalid container path '"
                    + path + "': it must be a relative path inside the sandbox, without '..'");
        }
    }

    /** The role the resource is reserved for ({@code *} when unreserved): the top of its stack. */
    public static String role(Resource canonical) {
        int size = canonical.getReservationsCount();
        return size == 0 ? Roles.DEFAULT : canonical.getReservations(size - 1).getRole();
    }

    public static boolean isUnreserved(Resource canonical) {
        return canonical.getReservationsCount() == 0;
    }

    /** True when the top reservation was made dynamically (RESERVE), so UNRESERVE may remove it. */
    public static boolean isDynamicallyReserved(Resource canonical) {
        int size = canonical.getReservationsCount();
        return size > 0 && canonical.getReservations(size - 1).getType() == ReservationInfo.Type.DYNAMIC;
    }

    public static boolean isPersistentVolume(Resource resource) {
        return resource.hasDisk() && resource.getDisk().hasPersistence();
    }

    /** What an agent must remember across restarts: dynamic reservations and persistent volumes. */
    public static boolean isCheckpointed(Resource canonical) {
        return isPersistentVolume(canonical) || canonical.getReservationsList().stream()
                .anyMatch(r -> r.getType() == ReservationInfo.Type.DYNAMIC);
    }

    /** The resource with its top reservation removed (unreserved again when it was the only one). */
    public static Resource popped(Resource canonical) {
        Resource.Builder popped = canonical.toBuilder()
                .removeReservations(canonical.getReservationsCount() - 1);
        if (popped.getReservationsCount() == 0) {
            popped.setRole(Roles.DEFAULT);
        }
        return popped.build();
    }

    /** The resource with every dynamic reservation removed: what it was before any RESERVE. */
    public static Resource withoutDynamicReservations(Resource canonical) {
        Resource resource = canonical;
        while (isDynamicallyReserved(resource)) {
            resource = popped(resource);
        }
        return resource;
    }

    /** The disk without its persistence and volume: what a volume was made of, and is again once destroyed. */
    public static Resource withoutVolume(Resource resource) {
        if (!resource.hasDisk()) {
            return resource;
        }
        Resource.DiskInfo.Builder disk = resource.getDisk().toBuilder().clearPersistence().clearVolume();
        Resource.Builder plain = resource.toBuilder();
        if (disk.hasSource()) {
            plain.setDisk(disk);
        } else {
            plain.clearDisk();
        }
        return plain.build();
    }

    /**
     * The old (pre-refinement) form for frameworks without {@code RESERVATION_REFINEMENT}: {@code role} and, for a
     * dynamic reservation, {@code reservation}. Null when the resource has a refined reservation (a stack of two or
     * more), which such frameworks cannot understand and are not offered.
     */
    public static Resource downgraded(Resource canonical) {
        int size = canonical.getReservationsCount();
        if (size == 0) {
            return canonical.hasRole() ? canonical : canonical.toBuilder().setRole(Roles.DEFAULT).build();
        }
        if (size > 1) {
            return null;
        }
        ReservationInfo reservation = canonical.getReservations(0);
        Resource.Builder old = canonical.toBuilder().clearReservations().setRole(reservation.getRole());
        if (reservation.getType() == ReservationInfo.Type.DYNAMIC) {
            Resource.ReservationInfo.Builder info = Resource.ReservationInfo.newBuilder();
            if (reservation.hasPrincipal()) {
                info.setPrincipal(reservation.getPrincipal());
            }
            if (reservation.hasLabels()) {
                info.setLabels(reservation.getLabels());
            }
            old.setReservation(info);
        }
        return old.build();
    }
}
