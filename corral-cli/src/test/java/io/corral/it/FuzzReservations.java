package io.corral.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.it.FuzzRequests.FuzzRequest;
import io.corral.it.FuzzRequests.Refs;
import io.corral.protocol.json.MesosJson;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.Resource;

/**
 * Reservations and persistent volumes for the fuzz test: resources reserved in either of Mesos's formats (the old
 * {@code role} plus {@code reservation}, and the {@code reservations} stack), volumes with good and hostile container
 * paths and persistence ids, and the RESERVE, UNRESERVE, CREATE and DESTROY operations an ACCEPT carries before its
 * LAUNCH, on the offer's real resources most of the time.
 */
final class FuzzReservations {
    private FuzzReservations() {}

    /** Roles reserved for: the rival's own (it may), one below it (a refinement), others, and '*' (never valid). */
    static final String[] ROLES = {FuzzWorld.RIVAL_ROLE, FuzzWorld.RIVAL_ROLE + "/sub", "other", "eng/web", "*"};

    static final String[] GOOD_PATHS = {"data", "vol/a", "d"};
    static final String[] HOSTILE_PATHS = {"/abs", "../escape", "a/../../b", "", "x\u0000y", "a\\b", "..", "a/..",
        "p".repeat(5000), "./.", "\u00e9/\u6f22"};

    /** A role for {@code choice} (0..24): mostly {@code own}, sometimes one it does not have, sometimes hostile. */
    static String role(int choice, String own, Refs refs, int slot, int slots) {
        String plausible = choice < 12 ? own : choice < 16 ? own + "/sub" : ROLES[choice % ROLES.length];
        return refs.id(slot, slots, plausible);
    }

    /** {@code resource} reserved (dynamically) for {@code role}, in the old format or as a stack. */
    static ObjectNode reserved(ObjectNode resource, String role, boolean stack, boolean refined) {
        if (!stack) {
            resource.put("role", role);
            resource.putObject("reservation").put("principal", "fuzz");
            return resource;
        }
        ArrayNode reservations = resource.putArray("reservations");
        int slash = role.lastIndexOf('/');
        if (refined && slash > 0) { // reserved for the parent first, then refined to the role
            reservations.addObject().put("type", "DYNAMIC").put("role", role.substring(0, slash));
        }
        reservations.addObject().put("type", "DYNAMIC").put("role", role).put("principal", "fuzz");
        return resource;
    }

    /** A persistent volume of {@code disk} MB for {@code role}, with its id and container path. */
    static ObjectNode volume(double disk, String role, boolean stack, String id, String path) {
        ObjectNode volume = reserved(FuzzWorld.scalar("disk", disk), role, stack, false);
        ObjectNode info = volume.putObject("disk");
        info.putObject("persistence").put("id", id).put("principal", "fuzz");
        info.putObject("volume").put("container_path", path).put("mode", "RW");
        return volume;
    }

    /** A container path: mostly a good one, from {@code choice} 70 on a hostile one. */
    static String containerPath(int choice) {
        return choice < 70 ? GOOD_PATHS[choice % GOOD_PATHS.length]
                : HOSTILE_PATHS[choice % HOSTILE_PATHS.length];
    }

    static boolean isVolume(JsonNode resource) {
        return resource.path("disk").has("persistence");
    }

    static boolean isReserved(JsonNode resource) {
        return resource.path("reservations").size() > 0
                || (resource.has("role") && !resource.path("role").asText().equals("*"));
    }

    // ---- an ACCEPT's operations ----

    /**
     * Adds the resource operations {@code plan} chooses to an ACCEPT's {@code operations} (before its LAUNCH), from
     * {@code offered} (the first offer's resources) where they need reserved resources or volumes.
     *
     * @return the volumes the ACCEPT's first task is to use
     */
    static List<ObjectNode> acceptOperations(ArrayNode operations, FuzzRequest plan, FuzzWorld.Scheduler actor,
                                             List<Resource> offered) {
        Refs refs = plan.refs();
        int kind = refs.op() % 100;
        if (kind < 45) {
            return List.of(); // a plain LAUNCH, as before reservations
        }
        AcceptOps ops = new AcceptOps(operations, plan, actor, offered);
        if (kind < 60) {
            ops.reserve();
        } else if (kind < 70) {
            ops.reserve();
            ops.useVolume(ops.create(null));
        } else if (kind < 78) {
            ops.useVolume(ops.create(ops.offeredReservedDisk()));
        } else if (kind < 86) {
            ops.unreserve(ops.offeredReserved(false));
        } else if (kind < 92) {
            JsonNode volume = ops.offeredReserved(true);
            ops.destroy(volume);
            if (volume != null && refs.op() % 2 == 0) {
                ops.unreserve(withoutVolume(volume));
            }
        } else if (kind < 96) {
            ops.useVolume(ops.offeredReserved(true));
        } else { // a round trip: what it reserves and creates, it destroys and unreserves
            ObjectNode reserved = ops.reserve();
            ObjectNode volume = ops.create(null);
            ops.destroy(volume);
            ops.unreserve(reserved);
        }
        return ops.volumes;
    }

    /** The reserved disk a volume is made of. */
    static ObjectNode withoutVolume(JsonNode volume) {
        ObjectNode disk = volume.deepCopy();
        disk.remove("disk");
        return disk;
    }

    /** One ACCEPT's resource operations, written as {@code plan} says. */
    private static final class AcceptOps {
        private final ArrayNode operations;
        private final FuzzRequest plan;
        private final Refs refs;
        private final FuzzWorld.Scheduler actor;
        private final List<Resource> offered;
        private final boolean stack;
        private final boolean withId;
        private final String role;
        private ObjectNode reservedDisk;
        final List<ObjectNode> volumes = new ArrayList<>();

        AcceptOps(ArrayNode operations, FuzzRequest plan, FuzzWorld.Scheduler actor, List<Resource> offered) {
            this.operations = operations;
            this.plan = plan;
            this.refs = plan.refs();
            this.actor = actor;
            this.offered = offered;
            int how = refs.op() / 100;
            this.stack = how % 2 == 1;
            this.withId = (how / 2) % 2 == 0;
            this.role = role((how / 4) % 25, actor.role, refs, 2, 5);
        }

        /** RESERVE of a little unreserved cpus and disk for the role; returns the reserved disk. */
        ObjectNode reserve() {
            double disk = 20 + refs.number() % 5;
            ObjectNode cpus = reserved(allocated(FuzzWorld.scalar("cpus", 0.1)), role, stack, false);
            reservedDisk = reserved(allocated(FuzzWorld.scalar("disk", disk)), role, stack, false);
            ArrayNode resources = operation("RESERVE").putObject("reserve").putArray("resources");
            resources.add(cpus);
            resources.add(reservedDisk);
            return reservedDisk;
        }

        /** CREATE of a volume from {@code disk} (or from what {@link #reserve} reserved); returns the volume. */
        ObjectNode create(JsonNode disk) {
            JsonNode from = disk != null ? disk : reservedDisk;
            if (from == null) {
                from = reserved(FuzzWorld.scalar("disk", 20), role, stack, false);
            }
            ObjectNode volume = from.deepCopy();
            ObjectNode info = volume.putObject("disk");
            info.putObject("persistence").put("id", refs.id(2, 5, "vol-" + plan.bodyVariant() % 20))
                    .put("principal", "fuzz");
            info.putObject("volume").put("container_path", containerPath(refs.uuid())).put("mode", "RW");
            operation("CREATE").putObject("create").putArray("volumes").add(volume);
            return volume;
        }

        void destroy(JsonNode volume) {
            if (volume != null) {
                operation("DESTROY").putObject("destroy").putArray("volumes").add(volume.deepCopy());
            }
        }

        void unreserve(JsonNode resource) {
            if (resource != null) {
                operation("UNRESERVE").putObject("unreserve").putArray("resources").add(resource.deepCopy());
            }
        }

        void useVolume(JsonNode volume) {
            if (volume != null) {
                volumes.add((ObjectNode) volume.deepCopy());
            }
        }

        /** An offered reserved resource: a volume, or anything reserved but a volume; null when none. */
        JsonNode offeredReserved(boolean volume) {
            List<ObjectNode> found = new ArrayList<>();
            for (Resource resource : offered) {
                ObjectNode json = MesosJson.toJson(resource);
                if (isReserved(json) && isVolume(json) == volume) {
                    found.add(json);
                }
            }
            return found.isEmpty() ? null : found.get(refs.task() % found.size());
        }

        /** Offered reserved disk that is not a volume yet, a part of it; null when none. */
        JsonNode offeredReservedDisk() {
            for (Resource resource : offered) {
                ObjectNode json = MesosJson.toJson(resource);
                if (resource.getName().equals("disk") && isReserved(json) && !isVolume(json)) {
                    double part = refs.op() % 3 == 0 ? json.path("scalar").path("value").asDouble() : 10;
                    ((ObjectNode) json.get("scalar")).put("value", part);
                    return json;
                }
            }
            return null;
        }

        private ObjectNode allocated(ObjectNode resource) {
            if (refs.op() % 3 != 1) { // Mesos wants it on offered resources; Corral also takes it without
                resource.putObject("allocation_info").put("role", actor.role);
            }
            return resource;
        }

        private ObjectNode operation(String type) {
            ObjectNode operation = operations.addObject().put("type", type);
            if (withId) {
                operation.putObject("id").put("value", "op-" + plan.bodyVariant() % 1000 + "-"
                        + operations.size());
            }
            return operation;
        }
    }
}
