package io.corral.master.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.corral.master.MasterView;
import io.corral.master.ViewApprover;
import io.corral.master.VisibleView;
import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.Runs;
import io.corral.master.state.TaskView;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.ResponseBody;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * Renders {@code /master/state} in Mesos's legacy JSON shape ({@code docs/mesos-compatibility.md}, "Master state
 * JSON"): top-level master facts, {@code slaves}, {@code frameworks} with their tasks, {@code completed_frameworks},
 * resources flattened to {@code {"cpus":4,...}}; and the smaller legacy endpoints cut from the same objects
 * ({@code /master/state-summary}, {@code /master/slaves}, {@code /master/frameworks}, {@code /master/tasks},
 * {@code /master/roles}). Callers pass what the reader may see ({@link VisibleView}); the renderers of roles and of
 * the summary take the reader's {@link ViewApprover} themselves, since they count what the reader is not shown.
 *
 * <p>Tasks and agents are most of a large state and most are unchanged between two reads, so their objects are
 * kept with their views ({@link TaskView#stateJson}, {@link AgentView#infoJson}) and copied into each rendering as
 * UTF-8 bytes ({@link JsonFragment}).
 *
 * <p>Threading: stateless; renders a published {@link MasterView} on any thread (never the master's loop).
 */
public final class StateJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The size of the last state rendered, a hint for the next (a race only costs a resize). */
    private static volatile int lastStateBytes = 64 * 1024;

    private StateJson() {}

    static byte[] render(MasterView master) {
        return render(master, Map.of());
    }

    /** {@code /master/state} with this master's flags (Mesos's names), as Mesos shows them there. */
    public static byte[] render(MasterView master, Map<String, String> flags) {
        return render(master, flags, false).bytes();
    }

    /**
     * {@code /master/state} as {@link #render(MasterView, Map)}, written gzip-compressed as it goes when {@code gzip}
     * (its readers take gzip), else into one array sized like the last state: Jackson's writeValueAsBytes chains
     * blocks, which cost a large state (100,000 tasks, 39 MB) more than rendering it (bench/state-read).
     */
    public static ResponseBody render(MasterView master, Map<String, String> flags, boolean gzip) {
        ObjectNode state = state(master);
        ObjectNode shown = state.putObject("flags");
        new java.util.TreeMap<>(flags).forEach(shown::put);
        ResponseBody body = ResponseBody.written(gzip, lastStateBytes, out -> MAPPER.writeValue(out, state));
        lastStateBytes = (int) Math.max(1024, Math.min(body.length(), Integer.MAX_VALUE - 8));
        return body;
    }

    /** {@code /master/slaves}: the agents, as in {@code /master/state}. */
    static byte[] slaves(MasterView master) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("slaves", agents(master.agents()));
        root.putArray("recovered_slaves");
        return bytes(root);
    }

    /** {@code /master/frameworks}: live and completed frameworks with their tasks, as in {@code /master/state}. */
    static byte[] frameworks(MasterView master) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode frameworks = root.putArray("frameworks");
        master.frameworks().forEach(framework -> frameworks.add(framework(framework, true)));
        ArrayNode completed = root.putArray("completed_frameworks");
        master.completedFrameworks().forEach(framework -> completed.add(framework(framework, false)));
        root.putArray("unregistered_frameworks");
        return bytes(root);
    }

    /** {@code /master/roles}: each role a framework is in, its weight (always 1 so far) and what it uses. */
    static byte[] roles(MasterView master) {
        return roles(master, ViewApprover.all());
    }

    /**
     * {@code /master/roles} for a reader who sees only some roles ({@code view_roles}); a role shown lists all its
     * frameworks and what they use, as Mesos shows it.
     */
    static byte[] roles(MasterView master, ViewApprover approver) {
        Map<String, ObjectNode> roles = new TreeMap<>();
        Map<String, ResourceSet> used = new HashMap<>();
        for (FrameworkView framework : master.frameworks()) {
            if (!approver.role(framework.role())) {
                continue;
            }
            ObjectNode role = roles.computeIfAbsent(framework.role(), name -> {
                ObjectNode node = MAPPER.createObjectNode();
                node.put("name", name);
                node.put("weight", 1.0);
                node.putArray("frameworks");
                return node;
            });
            ((ArrayNode) role.get("frameworks")).add(framework.id().getValue());
            used.merge(framework.role(), framework.allocated(), ResourceSet::plusAtMost); // may pass 1e12
        }
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode array = root.putArray("roles");
        roles.forEach((name, role) -> array.add(role.set("resources", flat(used.get(name)))));
        return bytes(root);
    }

    /**
     * {@code /master/tasks}: tasks of live and completed frameworks, newest first unless {@code order=asc}, paged
     * by {@code offset} and {@code limit}, optionally only one framework's or one task id.
     */
    static byte[] tasks(MasterView master, TasksQuery query) {
        List<TaskView> all = new ArrayList<>();
        for (List<FrameworkView> frameworks : List.of(master.frameworks(),
                master.completedFrameworks())) {
            for (FrameworkView framework : frameworks) {
                if (query.frameworkId() == null || query.frameworkId().equals(framework.id().getValue())) {
                    all.addAll(framework.tasks());
                    all.addAll(framework.completedTasks());
                }
            }
        }
        Comparator<TaskView> byStart = Comparator.comparingDouble(StateJson::startedAt);
        ArrayNode array = MAPPER.createArrayNode();
        all.stream()
                .filter(task -> query.taskId() == null || query.taskId().equals(task.id().getValue()))
                .sorted(query.ascending() ? byStart : byStart.reversed())
                .skip(query.offset())
                .limit(query.limit())
                .forEach(task -> array.addRawValue(taskJson(task)));
        ObjectNode root = MAPPER.createObjectNode();
        root.set("tasks", array);
        return bytes(root);
    }

    /** The query of {@code /master/tasks}, validated: Mesos's defaults are limit 100, offset 0, newest first. */
    record TasksQuery(int limit, int offset, boolean ascending, String frameworkId, String taskId) {
        static TasksQuery parse(UnaryOperator<String> param) {
            return new TasksQuery(number(param.apply("limit"), "limit", 100), number(param.apply("offset"), "offset", 0),
                    order(param.apply("order")), param.apply("framework_id"), param.apply("task_id"));
        }

        private static int number(String text, String name, int otherwise) {
            if (text == null) {
                return otherwise;
            }
            try {
                int value = Integer.parseInt(text);
                if (value >= 0) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw new HttpError(400, "Invalid '" + name + "' '" + text
                    + "': expected a non-negative integer");
        }

        private static boolean order(String text) {
            if (text == null || text.equals("des")) {
                return false;
            }
            if (text.equals("asc")) {
                return true;
            }
            throw new HttpError(400, "Invalid 'order' '" + text + "': expected asc or des");
        }
    }

    /** {@code /master/state-summary}: agents and frameworks with task counts by state, without the tasks. */
    static byte[] summary(MasterView master) {
        return summary(master, ViewApprover.all());
    }

    /**
     * {@code /master/state-summary} as Mesos shows it to a reader with view ACLs: only the frameworks it may see
     * ({@code view_frameworks}), agents without the resources of roles it may not see; the task counts, of agents and
     * of frameworks shown, count every task, as Mesos counts them.
     */
    static byte[] summary(MasterView master, ViewApprover approver) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("hostname", master.info().getHostname());
        root.put("cluster", "");
        Map<String, Map<String, Long>> byAgent = new HashMap<>();
        Map<String, Set<String>> frameworksOnAgent = new HashMap<>();
        ArrayNode frameworks = root.putArray("frameworks");
        for (FrameworkView framework : master.frameworks()) {
            ObjectNode node = approver.framework(framework.info()) ? frameworks.addObject()
                    : MAPPER.createObjectNode(); // counted for its agents, not shown
            node.put("id", framework.id().getValue());
            node.put("name", framework.info().getName());
            node.put("hostname", framework.info().getHostname());
            node.put("webui_url", framework.info().getWebuiUrl());
            node.put("active", framework.connected());
            node.put("connected", framework.connected());
            node.put("recovered", false);
            node.set("used_resources", flat(framework.allocated()));
            Map<String, Long> counts = new TreeMap<>();
            Set<String> agents = new TreeSet<>();
            for (TaskView task : framework.tasks()) {
                counts.merge(task.state().name(), 1L, Long::sum);
                agents.add(task.agentId().getValue());
                byAgent.computeIfAbsent(task.agentId().getValue(), id -> new TreeMap<>())
                        .merge(task.state().name(), 1L, Long::sum);
                frameworksOnAgent.computeIfAbsent(task.agentId().getValue(), id -> new TreeSet<>())
                        .add(framework.id().getValue());
            }
            putCounts(node, counts);
            agents.forEach(node.putArray("slave_ids")::add);
        }
        ArrayNode slaves = root.putArray("slaves");
        for (AgentView agent : master.agents()) {
            ObjectNode node = agent(VisibleView.agent(agent, approver));
            putCounts(node, byAgent.getOrDefault(agent.id().getValue(), Map.of()));
            frameworksOnAgent.getOrDefault(agent.id().getValue(), Set.of())
                    .forEach(node.putArray("framework_ids")::add);
            slaves.add(node);
        }
        return bytes(root);
    }

    private static void putCounts(ObjectNode node, Map<String, Long> counts) {
        for (TaskState state : List.of(TaskState.TASK_STAGING, TaskState.TASK_STARTING,
                TaskState.TASK_RUNNING, TaskState.TASK_KILLING, TaskState.TASK_FINISHED, TaskState.TASK_KILLED,
                TaskState.TASK_FAILED, TaskState.TASK_LOST, TaskState.TASK_ERROR, TaskState.TASK_UNREACHABLE)) {
            node.put(state.name(), counts.getOrDefault(state.name(), 0L));
        }
    }

    private static double startedAt(TaskView task) {
        return task.statuses().isEmpty() ? 0 : task.statuses().get(0).getTimestamp();
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode state(MasterView master) {
        ObjectNode root = MAPPER.createObjectNode();
        var info = master.info();
        root.put("version", info.getVersion());
        root.put("id", info.getId());
        root.put("pid", info.getPid());
        root.put("hostname", info.getHostname());
        root.put("start_time", master.startMillis() / 1000.0);
        root.put("elected_time", master.startMillis() / 1000.0);
        root.put("leader", info.getPid());
        root.set("leader_info", MesosJson.toJson(info));
        long active = master.agents().stream().filter(a -> a.connected() && !a.deactivated()).count();
        long unreachable = master.agents().stream().filter(AgentView::isUnreachable).count();
        root.put("activated_slaves", active);
        root.put("deactivated_slaves", master.agents().size() - active - unreachable);
        root.put("unreachable_slaves", unreachable);
        root.putObject("flags");
        root.set("slaves", agents(master.agents()));
        root.putArray("recovered_slaves");
        ArrayNode frameworks = root.putArray("frameworks");
        master.frameworks().forEach(framework -> frameworks.add(framework(framework, true)));
        ArrayNode completed = root.putArray("completed_frameworks");
        master.completedFrameworks().forEach(framework -> completed.add(framework(framework, false)));
        root.putArray("orphan_tasks");
        root.putArray("unregistered_frameworks");
        return root;
    }

    private static ObjectNode agent(AgentView agent) {
        return agentInfo(agent).setAll(agentNow(agent));
    }

    /**
     * The agents in {@code /master/state} and {@code /master/slaves}, in runs of about 64 kept compressed as the tasks'
     * are ({@link AgentView#statePart}). An agent's JSON object: its description is rendered once per change of its
     * info or resources and kept ({@link AgentView#infoJson}) as the object's opening and fields with a trailing comma;
     * what changes often (used, offered, modes) follows as the remaining fields and the closing brace, kept while the
     * agent's view stays equal ({@link AgentView#stateJson}).
     */
    private static ArrayNode agents(List<AgentView> agents) {
        ArrayNode array = MAPPER.createArrayNode();
        for (List<AgentView> run : Runs.of(agents, agent -> agent.id().getValue().hashCode())) {
            array.addPOJO(new CompressedRun(run.get(0).statePart().get(run,
                    () -> CompressedRun.pieces(run, StateJson::agentPieces))));
        }
        return array;
    }

    /** An agent's object as its two kept arrays: its description's opening and fields, then the rest. */
    private static List<byte[]> agentPieces(AgentView agent) {
        byte[] described = agent.infoJson().get(() -> {
            byte[] object = utf8(agentInfo(agent));
            object[object.length - 1] = ','; // "{...}" -> "{...,"
            return object;
        });
        byte[] now = agent.stateJson().get(agent, () -> {
            byte[] object = utf8(agentNow(agent));
            return java.util.Arrays.copyOfRange(object, 1, object.length); // "{...}" -> "...}"
        });
        return List.of(described, now);
    }

    /** What changes only with the agent's info and total resources. */
    private static ObjectNode agentInfo(AgentView agent) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", agent.id().getValue());
        node.put("hostname", agent.info().getHostname());
        node.put("port", agent.info().getPort());
        node.put("pid", "slave(1)@" + agent.info().getHostname() + ":" + agent.info().getPort());
        node.put("registered_time", agent.registeredMillis() / 1000.0);
        node.set("resources", flat(agent.total()));
        ResourceSet unreserved = agent.total().filter(Reservations::isUnreserved);
        Map<String, List<org.apache.mesos.v1.Protos.Resource>> reserved = new java.util.TreeMap<>();
        for (org.apache.mesos.v1.Protos.Resource resource : agent.total().toList()) {
            if (!Reservations.isUnreserved(resource)) {
                reserved.computeIfAbsent(Reservations.role(resource), r -> new ArrayList<>()).add(resource);
            }
        }
        ObjectNode reservedFlat = node.putObject("reserved_resources");
        ObjectNode reservedFull = MAPPER.createObjectNode();
        reserved.forEach((role, resources) -> {
            reservedFlat.set(role, flat(ResourceSet.of(resources)));
            reservedFull.set(role, full(resources));
        });
        node.set("unreserved_resources", flat(unreserved));
        node.set("reserved_resources_full", reservedFull);
        node.set("unreserved_resources_full", full(unreserved.toList()));
        node.set("attributes", io.corral.protocol.resources.AgentAttributes.toJson(agent.info().getAttributesList()));
        node.put("version", agent.info().hasId() ? "corral" : "");
        return node;
    }

    /** What changes as tasks start and end, offers come and go, and operators act. */
    private static ObjectNode agentNow(AgentView agent) {
        ObjectNode node = MAPPER.createObjectNode();
        node.set("used_resources", flat(agent.used()));
        node.set("offered_resources", flat(agent.offered()));
        node.put("active", agent.connected() && !agent.deactivated());
        node.put("deactivated", agent.deactivated());
        agent.drain().ifPresent(drain -> node.set("drain_info", MesosJson.toJson(drain)));
        // Corral's addition: Mesos lists unreachable agents only by count; here each says so itself.
        node.put("unreachable", agent.isUnreachable());
        if (agent.isUnreachable()) {
            node.put("unreachable_time", agent.unreachableSinceMillis() / 1000.0);
        }
        return node;
    }

    private static byte[] utf8(ObjectNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode framework(FrameworkView framework, boolean active) {
        ObjectNode node = MAPPER.createObjectNode();
        var info = framework.info();
        node.put("id", framework.id().getValue());
        node.put("name", info.getName());
        node.put("user", info.getUser());
        node.put("hostname", info.getHostname());
        if (info.hasPrincipal()) {
            node.put("principal", info.getPrincipal()); // as Mesos's state shows it, only when set
        }
        node.put("role", framework.role());
        node.put("failover_timeout", info.getFailoverTimeout());
        node.put("checkpoint", info.getCheckpoint());
        node.put("active", active && framework.connected());
        node.put("connected", framework.connected());
        node.put("recovered", false);
        node.put("registered_time", framework.registeredMillis() / 1000.0);
        node.put("webui_url", info.getWebuiUrl());
        ResourceSet used = framework.allocated();
        node.set("used_resources", flat(used));
        node.set("resources", flat(used));
        node.set("tasks", tasks(framework.tasks()));
        node.set("completed_tasks", tasks(framework.completedTasks()));
        node.putArray("offers");
        ArrayNode executors = node.putArray("executors");
        for (io.corral.master.state.Executor executor : framework.executors()) {
            executors.add(executor(executor));
        }
        return node;
    }

    /** An executor as Mesos's state lists it under its framework. */
    private static ObjectNode executor(io.corral.master.state.Executor executor) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("executor_id", executor.id().getValue());
        node.put("name", executor.info().getName());
        node.put("framework_id", executor.frameworkId().getValue());
        node.put("slave_id", executor.agentId().getValue());
        node.put("type", executor.info().getType().name());
        if (executor.info().hasCommand()) {
            node.set("command", MAPPER.createObjectNode().put("value", executor.info().getCommand().getValue()));
        }
        node.set("resources", flat(executor.resources()));
        return node;
    }

    /**
     * A framework's tasks: runs of about 64 tasks ({@link Runs}), each kept compressed with the view of its first
     * task while its tasks are the same ({@link TaskView#statePart}), so a reader who takes gzip gets the unchanged
     * runs copied, not compressed again; every task's object is its kept rendering ({@link #taskJson}).
     */
    private static ArrayNode tasks(List<TaskView> tasks) {
        ArrayNode array = MAPPER.createArrayNode();
        for (List<TaskView> run : Runs.of(tasks, TaskView::idHash)) {
            array.addPOJO(new CompressedRun(run.get(0).statePart().get(run,
                    () -> CompressedRun.pieces(run, task -> List.of(taskBytes(task))))));
        }
        return array;
    }

    /**
     * A task's JSON object, rendered once per change of the task and kept with its view ({@link TaskView#stateJson}):
     * tasks are most of a large state, and most of them are unchanged between two reads.
     */
    private static RawValue taskJson(TaskView task) {
        return JsonFragment.value(taskBytes(task));
    }

    private static byte[] taskBytes(TaskView task) {
        return task.stateJson().get(() -> utf8(task(task)));
    }

    private static ObjectNode task(TaskView task) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", task.id().getValue());
        node.put("name", task.info().getName());
        node.put("framework_id", task.frameworkId().getValue());
        node.put("executor_id", task.executorId() == null ? "" : task.executorId().getValue());
        node.put("slave_id", task.agentId().getValue());
        node.put("state", task.state().name());
        node.set("resources", flat(task.resources()));
        ArrayNode statuses = node.putArray("statuses");
        for (TaskStatus status : task.statuses()) {
            ObjectNode s = statuses.addObject();
            s.put("state", status.getState().name());
            s.put("timestamp", status.getTimestamp());
            if (status.hasMessage()) {
                s.put("message", status.getMessage());
            }
        }
        return node;
    }

    /**
     * Resources as Mesos's v0 endpoints show them in {@code *_full} fields: one object per resource, in the old
     * reservation format where it can say it (Mesos downgrades them too), else in the stack format.
     */
    private static ArrayNode full(List<org.apache.mesos.v1.Protos.Resource> resources) {
        ArrayNode array = MAPPER.createArrayNode();
        for (org.apache.mesos.v1.Protos.Resource resource : resources) {
            org.apache.mesos.v1.Protos.Resource old = Reservations.downgraded(resource);
            array.add(io.corral.protocol.json.MesosJson.toJson(old != null ? old : resource));
        }
        return array;
    }

    private static ObjectNode flat(ResourceSet resources) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("cpus", 0.0);
        node.put("gpus", 0.0);
        node.put("mem", 0.0);
        node.put("disk", 0.0);
        resources.flatten().forEach((name, value) -> { // a scalar's number, or ranges' or a set's text
            if (value instanceof Double number) {
                node.put(name, number);
            } else {
                node.put(name, String.valueOf(value));
            }
        });
        return node;
    }
}
