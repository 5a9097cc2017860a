package io.corral.protocol.resources;

import com.google.protobuf.UnknownFieldSet;
import io.corral.protocol.Roles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * The kinds of resources ({@link ResourceSet}: a Resource without its value, its reservation in canonical form), made
 * once and shared. Nearly every resource a master sees is plain: a name and a type, unreserved, perhaps allocated to
 * a role, with nothing else. Each task of an ACCEPT names its cpus and mem, and the master reads them several times
 * (validation, the agent's books, the framework's share), so making their kinds anew each time (two protobuf copies
 * each) was the largest cost of a launch. Plain kinds are kept here by (name, type, allocation role), and so is the
 * same kind without its allocation info. Other resources (reserved, disk, revocable, shared, from a provider, with
 * unknown fields) are made each time, as before.
 *
 * <p>The tables are bounded ({@link #LIMIT} entries each; past it, kinds are made and not kept), as names and roles
 * come from outside.
 *
 * <p>Threading: safe from any thread (concurrent maps of immutable messages).
 */
final class Kinds {
    static final int LIMIT = 4096;

    private record PlainKey(String name, Value.Type type, String allocationRole) { }

    private static final Map<PlainKey, Resource> PLAIN = new ConcurrentHashMap<>();
    private static final Map<Resource, Resource> WITHOUT_ALLOCATION = new ConcurrentHashMap<>();

    private Kinds() {
    }

    /** The kind of {@code resource}. */
    static Resource of(Resource resource) {
        if (!isPlain(resource)) {
            return made(resource);
        }
        PlainKey key = new PlainKey(resource.getName(), resource.getType(),
                resource.hasAllocationInfo() ? resource.getAllocationInfo().getRole() : null);
        Resource kind = PLAIN.get(key);
        if (kind == null) {
            kind = made(resource);
            if (PLAIN.size() < LIMIT) {
                Resource raced = PLAIN.putIfAbsent(key, kind);
                kind = raced != null ? raced : kind;
            }
        }
        return kind;
    }

    /** {@code kind} with its allocation info cleared. */
    static Resource withoutAllocationInfo(Resource kind) {
        if (!kind.hasAllocationInfo()) {
            return kind;
        }
        Resource without = WITHOUT_ALLOCATION.get(kind);
        if (without == null) {
            without = kind.toBuilder().clearAllocationInfo().build();
            if (WITHOUT_ALLOCATION.size() < LIMIT) {
                WITHOUT_ALLOCATION.putIfAbsent(kind, without);
            }
        }
        return without;
    }

    private static Resource made(Resource resource) {
        return Reservations.canonical(resource.toBuilder().clearScalar().clearRanges().clearSet().buildPartial());
    }

    /** Nothing but a name, a type, a value, the default role if any, and an allocation role if any. */
    private static boolean isPlain(Resource resource) {
        return resource.getReservationsCount() == 0 && !resource.hasReservation()
                && (!resource.hasRole() || resource.getRole().equals(Roles.DEFAULT))
                && !resource.hasDisk() && !resource.hasRevocable() && !resource.hasShared()
                && !resource.hasProviderId() && isEmpty(resource.getUnknownFields())
                && (!resource.hasAllocationInfo() || (resource.getAllocationInfo().hasRole()
                        && isEmpty(resource.getAllocationInfo().getUnknownFields())));
    }

    private static boolean isEmpty(UnknownFieldSet fields) {
        return fields.asMap().isEmpty();
    }
}
