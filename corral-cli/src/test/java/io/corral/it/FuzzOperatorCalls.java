package io.corral.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.it.FuzzRequests.FuzzRequest;
import io.corral.it.FuzzRequests.Refs;
import java.util.List;

/**
 * The operator API calls ({@code POST /api/v1}) of the fuzz test, as a well-behaved operator would send them, on the
 * world's real agent, frameworks and reservations most of the time: the GET_* calls, UPDATE_WEIGHTS and UPDATE_QUOTA,
 * TEARDOWN, RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES, SET_LOGGING_LEVEL (for a few
 * milliseconds only: the world puts the level back after each one, so the JVM never stays at TRACE), and SUBSCRIBE.
 * The {@link FuzzRequests} machinery then mutates them like any other call.
 */
final class FuzzOperatorCalls {
    private FuzzOperatorCalls() {}

    /** What the GET template asks; the last few the master does not serve, or do not exist. */
    private static final String[] GETS = {"GET_HEALTH", "GET_FLAGS", "GET_VERSION", "GET_METRICS",
        "GET_LOGGING_LEVEL", "GET_STATE", "GET_AGENTS", "GET_FRAMEWORKS", "GET_EXECUTORS", "GET_TASKS", "GET_ROLES",
        "GET_WEIGHTS", "GET_MASTER", "GET_QUOTA", "GET_MAINTENANCE_STATUS", "GET_MAINTENANCE_SCHEDULE",
        "GET_OPERATIONS", "LIST_FILES", "READ_FILE", "DRAIN_AGENT", "MARK_AGENT_GONE", "SET_QUOTA", "UNKNOWN"};

    static ObjectNode call(FuzzRequest plan, FuzzWorld world) {
        Refs refs = plan.refs();
        ObjectNode call = FuzzWorld.JSON.createObjectNode();
        String agentId = FuzzRequests.agentId(refs.agent(), world.agentId, world);
        switch (plan.template()) {
            case OPERATOR_GET -> get(call, refs, agentId);
            case OPERATOR_ROLES -> roles(call, refs);
            case OPERATOR_TEARDOWN -> {
                call.put("type", "TEARDOWN");
                // The rival mostly: tearing the main framework down often would starve the deep paths.
                FuzzWorld.Scheduler victim = refs.framework() < 50 ? world.rival : world.main;
                FuzzRequests.putId(call.putObject("teardown"), "framework_id",
                        FuzzRequests.frameworkId(refs.framework() < 10 ? 0 : 80 + refs.framework() % 20, false,
                                victim, world));
            }
            case OPERATOR_RESERVE -> reserve(call, refs, agentId);
            case OPERATOR_UNRESERVE -> unreserve(call, refs, agentId, world);
            case OPERATOR_CREATE_VOLUMES -> createVolumes(call, refs, agentId, world);
            case OPERATOR_DESTROY_VOLUMES -> destroyVolumes(call, refs, agentId, world);
            case OPERATOR_LOGGING -> logging(call, refs);
            case OPERATOR_SUBSCRIBE -> call.put("type", "SUBSCRIBE");
            default -> throw new IllegalStateException(plan.template().name());
        }
        return call;
    }

    private static void get(ObjectNode call, Refs refs, String agentId) {
        String type = GETS[refs.number() % GETS.length];
        call.put("type", type);
        switch (type) {
            case "GET_METRICS" -> {
                if (refs.task() < 50) {
                    call.putObject("get_metrics").putObject("timeout").put("nanoseconds",
                            refs.number(0, 1, 1_000_000_000));
                }
            }
            case "READ_FILE" -> call.putObject("read_file").put("path", "/master/log").put("offset", 0);
            case "DRAIN_AGENT", "MARK_AGENT_GONE" -> FuzzRequests.putId(call.putObject(
                    type.toLowerCase(java.util.Locale.ROOT)), "agent_id", agentId);
            default -> { }
        }
    }

    /** UPDATE_WEIGHTS or UPDATE_QUOTA for a plausible role; the world clears them again every few hundred calls. */
    private static void roles(ObjectNode call, Refs refs) {
        String role = FuzzReservations.role(refs.uuid() % 25, FuzzWorld.RIVAL_ROLE, refs, 1, 2);
        if (refs.op() % 2 == 0) {
            call.put("type", "UPDATE_WEIGHTS");
            call.putObject("update_weights").putArray("weight_infos").addObject().put("role", role)
                    .put("weight", refs.number(0, 2, 1 + refs.number() % 3));
            return;
        }
        call.put("type", "UPDATE_QUOTA");
        ObjectNode update = call.putObject("update_quota");
        update.put("force", refs.op() % 4 == 1);
        ObjectNode config = update.putArray("quota_configs").addObject().put("role", role);
        String[] names = {"cpus", "mem", "disk", "gpus", "ports"};
        String name = names[refs.task() % (refs.task() < 80 ? 3 : names.length)];
        double guarantee = refs.number(0, 2, name.equals("cpus") ? 0.5 : 32);
        if (refs.op() % 3 != 2) {
            config.putObject("guarantees").putObject(name).put("value", guarantee);
        }
        if (refs.op() % 5 != 3) {
            config.putObject("limits").putObject(name).put("value", guarantee * (1 + refs.number() % 3));
        }
    }

    private static void reserve(ObjectNode call, Refs refs, String agentId) {
        call.put("type", "RESERVE_RESOURCES");
        ObjectNode reserve = call.putObject("reserve_resources");
        FuzzRequests.putId(reserve, "agent_id", agentId);
        String role = FuzzReservations.role((refs.op() / 4) % 25, FuzzWorld.RIVAL_ROLE, refs, 1, 3);
        boolean stack = refs.op() % 2 == 1;
        boolean refined = (refs.op() / 2) % 2 == 0;
        ArrayNode resources = reserve.putArray("resources");
        ArrayNode source = refs.uuid() % 4 == 0 ? reserve.putArray("source") : null;
        String[] names = {"cpus", "mem", "disk"};
        double[] amounts = {0.1 * (1 + refs.number() % 3), 16 * (1 + refs.number() % 4), 10 * (1 + refs.number() % 5)};
        int count = 1 + refs.task() % 3;
        for (int i = 0; i < count; i++) {
            double amount = refs.number(i == 0 ? 0 : 2, 3, amounts[i]);
            resources.add(FuzzReservations.reserved(FuzzWorld.scalar(names[i], amount), role, stack, refined));
            if (source != null) {
                source.add(FuzzWorld.scalar(names[i], amount));
            }
        }
        if (refs.task() >= 90) {
            ObjectNode ports = resources.addObject().put("name", "ports").put("type", "RANGES");
            long port = 31500 + refs.number();
            ports.putObject("ranges").putArray("range").addObject().put("begin", port).put("end", port + 1);
            FuzzReservations.reserved(ports, role, stack, refined);
        }
    }

    private static void unreserve(ObjectNode call, Refs refs, String agentId, FuzzWorld world) {
        call.put("type", "UNRESERVE_RESOURCES");
        ObjectNode unreserve = call.putObject("unreserve_resources");
        FuzzRequests.putId(unreserve, "agent_id", agentId);
        JsonNode known = known(world, refs, false);
        ArrayNode resources = unreserve.putArray("resources");
        if (known != null && refs.uuid() < 70) {
            ObjectNode resource = known.deepCopy();
            if (refs.uuid() % 3 == 1 && resource.path("scalar").has("value")) { // a part of it
                ((ObjectNode) resource.get("scalar")).put("value", resource.path("scalar").path("value").asDouble()
                        / 2);
            }
            resources.add(resource);
        } else {
            String role = FuzzReservations.role((refs.op() / 4) % 25, FuzzWorld.RIVAL_ROLE, refs, 1, 3);
            resources.add(FuzzReservations.reserved(FuzzWorld.scalar("cpus", refs.number(0, 3, 0.1)), role,
                    refs.op() % 2 == 1, false));
        }
    }

    private static void createVolumes(ObjectNode call, Refs refs, String agentId, FuzzWorld world) {
        call.put("type", "CREATE_VOLUMES");
        ObjectNode create = call.putObject("create_volumes");
        FuzzRequests.putId(create, "agent_id", agentId);
        JsonNode known = known(world, refs, false);
        ArrayNode volumes = create.putArray("volumes");
        int count = 1 + refs.task() % 2;
        for (int i = 0; i < count; i++) {
            String id = refs.id(2, 3, "vol-" + (refs.number() + i) % 12);
            String path = FuzzReservations.containerPath(refs.uuid());
            if (known != null && known.path("name").asText().equals("disk") && refs.task() < 60) {
                ObjectNode volume = known.deepCopy();
                ((ObjectNode) volume.get("scalar")).put("value", Math.min(10, known.path("scalar").path("value")
                        .asDouble()));
                ObjectNode disk = volume.putObject("disk");
                disk.putObject("persistence").put("id", id);
                disk.putObject("volume").put("container_path", path).put("mode", "RW");
                volumes.add(volume);
            } else {
                String role = FuzzReservations.role((refs.op() / 4) % 25, FuzzWorld.RIVAL_ROLE, refs, 1, 3);
                volumes.add(FuzzReservations.volume(refs.number(0, 3, 10), role, refs.op() % 2 == 1, id, path));
            }
        }
    }

    private static void destroyVolumes(ObjectNode call, Refs refs, String agentId, FuzzWorld world) {
        call.put("type", "DESTROY_VOLUMES");
        ObjectNode destroy = call.putObject("destroy_volumes");
        FuzzRequests.putId(destroy, "agent_id", agentId);
        JsonNode known = known(world, refs, true);
        ArrayNode volumes = destroy.putArray("volumes");
        if (known != null && refs.uuid() < 75) {
            volumes.add(known.deepCopy());
        } else {
            String role = FuzzReservations.role((refs.op() / 4) % 25, FuzzWorld.RIVAL_ROLE, refs, 1, 3);
            volumes.add(FuzzReservations.volume(refs.number(0, 3, 10), role, refs.op() % 2 == 1,
                    refs.id(2, 3, "vol-" + refs.number() % 12), FuzzReservations.containerPath(refs.uuid())));
        }
    }

    /** A reserved resource (or volume) of the fuzz agent that the world saw last; null when none. */
    private static JsonNode known(FuzzWorld world, Refs refs, boolean volume) {
        List<JsonNode> matching = world.knownReserved().stream()
                .filter(r -> FuzzReservations.isVolume(r) == volume).toList();
        return matching.isEmpty() ? null : matching.get(refs.task() % matching.size());
    }

    /** GET_LOGGING_LEVEL, or SET_LOGGING_LEVEL for at most a second (the world puts the level back at once). */
    private static void logging(ObjectNode call, Refs refs) {
        if (refs.op() % 3 == 0) {
            call.put("type", "GET_LOGGING_LEVEL");
            return;
        }
        call.put("type", "SET_LOGGING_LEVEL");
        ObjectNode set = call.putObject("set_logging_level");
        set.put("level", refs.number() % 3);
        long[] hostile = {-1, Long.MAX_VALUE, Long.MIN_VALUE, 8L * 24 * 3600 * 1_000_000_000L};
        set.putObject("duration").put("nanoseconds", refs.extreme(0, 1)
                ? hostile[refs.extreme() % hostile.length] : (refs.number() % 10) * 100_000_000L);
    }
}
