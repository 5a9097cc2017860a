package io.corral.master.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.master.MasterView;
import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.resources.ResourceSet;
import java.util.Collection;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * Renders {@code /master/state} in Mesos's legacy JSON shape ({@code docs/mesos-compatibility.md}, "Master state
 * JSON"): top-level master facts, {@code slaves}, {@code frameworks} with their tasks, {@code completed_frameworks},
 * resources flattened to {@code {"cpus":4,...}}.
 *
 * <p>Threading: stateless; renders a published {@link MasterView} on any thread (never the master's loop).
 */
final class StateJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private StateJson() {}

    static byte[] render(MasterView master) {
        try {
            return MAPPER.writeValueAsBytes(state(master));
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
        long active = master.agents().stream().filter(AgentView::connected).count();
        long unreachable = master.agents().stream().filter(AgentView::isUnreachable).count();
        root.put("activated_slaves", active);
        root.put("deactivated_slaves", master.agents().size() - active - unreachable);
        root.put("unreachable_slaves", unreachable);
        root.putObject("flags");
        ArrayNode slaves = root.putArray("slaves");
        master.agents().forEach(agent -> slaves.add(agent(agent)));
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
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", agent.id().getValue());
        node.put("hostname", agent.info().getHostname());
        node.put("port", agent.info().getPort());
        node.put("pid", "slave(1)@" + agent.info().getHostname() + ":" + agent.info().getPort());
        node.put("registered_time", agent.registeredMillis() / 1000.0);
        node.set("resources", flat(agent.total()));
        node.set("used_resources", flat(agent.used()));
        node.set("offered_resources", flat(agent.offered()));
        node.set("reserved_resources", MAPPER.createObjectNode());
        node.set("unreserved_resources", flat(agent.total()));
        node.putArray("attributes");
        node.put("active", agent.connected());
        // Corral's addition: Mesos lists unreachable agents only by count; here each says so itself.
        node.put("unreachable", agent.isUnreachable());
        if (agent.isUnreachable()) {
            node.put("unreachable_time", agent.unreachableSinceMillis() / 1000.0);
        }
        node.put("version", agent.info().hasId() ? "corral" : "");
        return node;
    }

    private static ObjectNode framework(FrameworkView framework, boolean active) {
        ObjectNode node = MAPPER.createObjectNode();
        var info = framework.info();
        node.put("id", framework.id().getValue());
        node.put("name", info.getName());
        node.put("user", info.getUser());
        node.put("hostname", info.getHostname());
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
        node.putArray("executors");
        return node;
    }

    private static ArrayNode tasks(Collection<TaskView> tasks) {
        ArrayNode array = MAPPER.createArrayNode();
        for (TaskView task : tasks) {
            array.add(task(task));
        }
        return array;
    }

    private static ObjectNode task(TaskView task) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", task.id().getValue());
        node.put("name", task.info().getName());
        node.put("framework_id", task.frameworkId().getValue());
        node.put("executor_id", "");
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

    private static ObjectNode flat(ResourceSet resources) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("cpus", 0.0);
        node.put("gpus", 0.0);
        node.put("mem", 0.0);
        node.put("disk", 0.0);
        resources.flatten().forEach((name, value) -> node.set(name, MAPPER.valueToTree(value)));
        return node;
    }
}
