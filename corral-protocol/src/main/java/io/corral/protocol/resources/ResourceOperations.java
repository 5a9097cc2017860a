package io.corral.protocol.resources;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.Resource;

/**
 * Mesos's speculative resource operations, as pure functions over a pool of resources: RESERVE, UNRESERVE, CREATE
 * and DESTROY (persistent volumes) each validate the operation as Mesos does and return the pool it turns into. The
 * master applies them to an offer's resources (a framework's ACCEPT) or to an agent's free resources (the operator
 * API); the result is what the agent must remember ({@link Reservations#isCheckpointed}).
 *
 * <p>Stateless and thread-safe. Every refusal is an {@link IllegalArgumentException} with the reason.
 */
public final class ResourceOperations {
    private ResourceOperations() {}

    /** The operation is valid, but the pool does not hold what it needs (Mesos answers an operator 409). */
    public static final class InsufficientResources extends IllegalArgumentException {
        InsufficientResources(String message) {
            super(message);
        }
    }

    /**
     * Who asks and where: {@code allocationRole} is the role the offer was made to (null for an operator, who may
     * reserve for any role), {@code principal} the caller's principal (null when unauthenticated), {@code agentTotal}
     * the agent's resources (to find persistence ids in use), {@code volumesInUse} the persistence ids of volumes
     * that live tasks use.
     */
    public record Context(String allocationRole, String principal, ResourceSet agentTotal, Set<String> volumesInUse) {
        public Context {
            volumesInUse = Set.copyOf(volumesInUse);
        }
    }

    /** RESERVE: each resource gets one more (dynamic) reservation on top of what it had. */
    public static ResourceSet reserve(ResourceSet pool, List<Resource> source, List<Resource> resources,
                                      Context context) {
        ResourceSet reserved = parse(resources, "reserve");
        requireSome(reserved, "RESERVE");
        ResourceSet consumed = ResourceSet.empty();
        for (Resource resource : reserved.toList()) {
            if (!Reservations.isDynamicallyReserved(resource)) {
                throw new IllegalArgumentException("Resource " + ResourceSet.of(List.of(resource))
                        + " is not dynamically reserved");
            }
            if (Reservations.isPersistentVolume(resource)) {
                throw new IllegalArgumentException("A RESERVE operation cannot reserve a persistent volume");
            }
            if (resource.hasRevocable()) {
                throw new IllegalArgumentException("Revocable resources cannot be reserved");
            }
            checkRole(Reservations.role(resource), context, "reserve");
            checkPrincipal(resource.getReservations(resource.getReservationsCount() - 1).getPrincipal(), context,
                    "reserve");
            consumed = consumed.plus(ResourceSet.of(List.of(Reservations.popped(resource))));
        }
        if (!source.isEmpty()) {
            ResourceSet given = parse(source, "reserve source");
            if (!given.withoutAllocationInfo().equals(consumed)) {
                throw new IllegalArgumentException("'reserve.source' " + given + " is not what 'reserve.resources'"
                        + " are reserved from (" + consumed + ")");
            }
        }
        return replace(pool, consumed, reserved, "reserve");
    }

    /** UNRESERVE: each resource loses its top (dynamic) reservation. */
    public static ResourceSet unreserve(ResourceSet pool, List<Resource> resources, Context context) {
        ResourceSet unreserved = parse(resources, "unreserve");
        requireSome(unreserved, "UNRESERVE");
        ResourceSet freed = ResourceSet.empty();
        for (Resource resource : unreserved.toList()) {
            if (!Reservations.isDynamicallyReserved(resource)) {
                throw new IllegalArgumentException("Resource " + ResourceSet.of(List.of(resource))
                        + " is not dynamically reserved");
            }
            if (Reservations.isPersistentVolume(resource)) {
                throw new IllegalArgumentException("A dynamically reserved persistent volume "
                        + ResourceSet.of(List.of(resource)) + " cannot be unreserved; destroy it first");
            }
            checkRole(Reservations.role(resource), context, "unreserve");
            freed = freed.plus(ResourceSet.of(List.of(Reservations.popped(resource))));
        }
        return replace(pool, unreserved, freed, "unreserve");
    }

    /** CREATE: reserved disk becomes persistent volumes, each with an id not used on the agent for its role. */
    public static ResourceSet create(ResourceSet pool, List<Resource> volumes, Context context) {
        ResourceSet created = parse(volumes, "create");
        requireSome(created, "CREATE");
        ResourceSet consumed = ResourceSet.empty();
        Set<String> ids = new HashSet<>();
        for (Resource volume : created.toList()) {
            if (!Reservations.isPersistentVolume(volume)) {
                throw new IllegalArgumentException("Resource " + ResourceSet.of(List.of(volume))
                        + " is not a persistent volume: it needs 'disk.persistence.id'");
            }
            String role = Reservations.role(volume);
            String id = volume.getDisk().getPersistence().getId();
            if (!ids.add(role + "/" + id) || volumeIds(context.agentTotal(), role).contains(id)) {
                throw new IllegalArgumentException("Persistence ID '" + id + "' is already used by a volume of role '"
                        + role + "' on this agent");
            }
            checkRole(role, context, "create a volume");
            checkPrincipal(volume.getDisk().getPersistence().getPrincipal(), context, "create a volume");
            consumed = consumed.plus(ResourceSet.of(List.of(Reservations.withoutVolume(volume))));
        }
        return replace(pool, consumed, created, "create");
    }

    /** DESTROY: persistent volumes no task uses become plain reserved disk again. */
    public static ResourceSet destroy(ResourceSet pool, List<Resource> volumes, Context context) {
        ResourceSet destroyed = parse(volumes, "destroy");
        requireSome(destroyed, "DESTROY");
        ResourceSet freed = ResourceSet.empty();
        for (Resource volume : destroyed.toList()) {
            if (!Reservations.isPersistentVolume(volume)) {
                throw new IllegalArgumentException("Resource " + ResourceSet.of(List.of(volume))
                        + " is not a persistent volume");
            }
            String id = volume.getDisk().getPersistence().getId();
            if (context.volumesInUse().contains(id)) {
                throw new IllegalArgumentException("Persistent volume '" + id + "' is in use by a task");
            }
            checkRole(Reservations.role(volume), context, "destroy a volume");
            freed = freed.plus(ResourceSet.of(List.of(Reservations.withoutVolume(volume))));
        }
        return replace(pool, destroyed, freed, "destroy");
    }

    /**
     * GROW_VOLUME: a persistent volume no task uses takes {@code addition}, more disk with the same reservations
     * (and disk source), from the pool.
     */
    public static ResourceSet grow(ResourceSet pool, Resource volume, Resource addition, Context context) {
        Resource grown = singleVolume(volume, "grow", context);
        ResourceSet added = parse(List.of(addition), "grow a volume by");
        Resource extra = added.toList().isEmpty() ? null : added.toList().get(0);
        if (extra == null || added.toList().size() != 1 || extra.getScalar().getValue() <= 0) {
            throw new IllegalArgumentException("'addition' must be a positive amount of disk");
        }
        if (!Reservations.withoutVolume(grown).toBuilder().clearScalar().build()
                .equals(extra.toBuilder().clearScalar().build())) {
            throw new IllegalArgumentException("'addition' must be disk with the volume's reservations and source,"
                    + " not a volume or other resources");
        }
        ResourceSet taken = ResourceSet.of(List.of(grown)).plus(added);
        Resource bigger = grown.toBuilder().setScalar(org.apache.mesos.v1.Protos.Value.Scalar.newBuilder()
                .setValue(grown.getScalar().getValue() + extra.getScalar().getValue())).build();
        return replace(pool, taken, ResourceSet.of(List.of(bigger)), "grow a volume with");
    }

    /** SHRINK_VOLUME: a persistent volume no task uses gives {@code subtract} MB back as plain reserved disk. */
    public static ResourceSet shrink(ResourceSet pool, Resource volume, double subtract, Context context) {
        Resource shrunk = singleVolume(volume, "shrink", context);
        double size = shrunk.getScalar().getValue();
        if (!(subtract > 0) || !(subtract < size)) {
            throw new IllegalArgumentException("'subtract' (" + subtract + ") must be above 0 and below the volume's"
                    + " size (" + size + ")");
        }
        Resource smaller = shrunk.toBuilder().setScalar(org.apache.mesos.v1.Protos.Value.Scalar.newBuilder()
                .setValue(size - subtract)).build();
        Resource freed = Reservations.withoutVolume(shrunk).toBuilder().setScalar(
                org.apache.mesos.v1.Protos.Value.Scalar.newBuilder().setValue(subtract)).build();
        return replace(pool, ResourceSet.of(List.of(shrunk)), ResourceSet.of(List.of(smaller, freed)),
                "shrink a volume of");
    }

    private static Resource singleVolume(Resource volume, String action, Context context) {
        ResourceSet parsed = parse(List.of(volume), action + " a volume");
        Resource only = parsed.toList().isEmpty() ? null : parsed.toList().get(0);
        if (only == null || !Reservations.isPersistentVolume(only)) {
            throw new IllegalArgumentException("'volume' must be a persistent volume");
        }
        if (only.hasShared()) {
            throw new IllegalArgumentException("A shared persistent volume cannot be resized");
        }
        String id = only.getDisk().getPersistence().getId();
        if (context.volumesInUse().contains(id)) {
            throw new IllegalArgumentException("Persistent volume '" + id + "' is in use by a task");
        }
        checkRole(Reservations.role(only), context, action + " a volume");
        return only;
    }

    /** The persistence ids of the volumes of {@code role} in {@code resources}. */
    public static Set<String> volumeIds(ResourceSet resources, String role) {
        Set<String> ids = new HashSet<>();
        for (Resource resource : resources.toList()) {
            if (Reservations.isPersistentVolume(resource) && (role == null || Reservations.role(resource).equals(role))) {
                ids.add(resource.getDisk().getPersistence().getId());
            }
        }
        return ids;
    }

    private static ResourceSet parse(List<Resource> resources, String what) {
        try {
            return ResourceSet.of(resources).withoutAllocationInfo();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid resources to " + what + ": " + e.getMessage(), e);
        }
    }

    private static void requireSome(ResourceSet resources, String operation) {
        if (resources.isEmpty()) {
            throw new IllegalArgumentException("A " + operation + " operation needs resources");
        }
    }

    private static void checkRole(String role, Context context, String action) {
        String allocated = context.allocationRole();
        if (allocated != null && !role.equals(allocated)) {
            throw new IllegalArgumentException("Cannot " + action + " for role '" + role
                    + "': it does not match the offer's allocation role '" + allocated + "'");
        }
    }

    private static void checkPrincipal(String given, Context context, String action) {
        if (context.principal() != null && !given.isEmpty() && !given.equals(context.principal())) {
            throw new IllegalArgumentException("An attempt to " + action + " was made by principal '"
                    + context.principal() + "', which does not match principal '" + given
                    + "' in the operation");
        }
    }

    private static ResourceSet replace(ResourceSet pool, ResourceSet taken, ResourceSet added, String what) {
        if (!pool.contains(taken)) {
            throw new InsufficientResources("Cannot " + what + " " + taken + ": only " + pool + " are available");
        }
        return pool.minus(taken).plus(added);
    }
}
