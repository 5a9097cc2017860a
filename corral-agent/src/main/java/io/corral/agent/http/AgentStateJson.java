package io.corral.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.agent.AgentView;
import io.corral.agent.AgentView.ExecutorView;
import io.corral.agent.AgentView.TaskView;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * The agent's {@code GET /state} (also {@code /slave(1)/state} and {@code /state.json}) in the shape of Mesos's agent
 * state JSON: top-level facts, then {@code frameworks} with their {@code executors} and {@code completed_executors},
 * and {@code completed_frameworks}. Each executor has its sandbox as {@code directory}: this is how Mesos clients find
 * a task's files (the master names the agent, the agent's state the directory, {@code /files/read} the content).
 *
 * <p>Stateless; renders an immutable view on any thread (never the agent's loop).
 */
public final class AgentStateJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AgentStateJson() {
    }

    /** @param flags the agent's flags; null leaves them out (a principal without {@code view_flags}, as Mesos) */
    public static byte[] render(AgentView view, Map<String, String> flags, String version) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", version);
        root.put("build_user", "corral");
        root.put("start_time", view.startMillis() / 1000.0);
        root.put("id", view.agentId());
        root.put("pid", "slave(1)@" + view.info().getHostname() + ":" + view.info().getPort());
        root.put("hostname", view.info().getHostname());
        root.put("port", view.info().getPort());
        root.put("registered", view.registered());
        root.set("resources", flat(view.info().getResourcesList()));
        root.set("attributes", io.corral.protocol.resources.AgentAttributes.toJson(view.info().getAttributesList()));
        root.putArray("capabilities");
        if (flags != null) {
            ObjectNode flagsNode = root.putObject("flags");
            flags.forEach(flagsNode::put);
        }
        ArrayNode frameworks = root.putArray("frameworks");
        for (FrameworkInfo framework : view.frameworks()) {
            frameworks.add(framework(framework, view));
        }
        ArrayNode completed = root.putArray("completed_frameworks");
        for (FrameworkInfo framework : view.completedFrameworks()) {
            completed.add(framework(framework, view));
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode framework(FrameworkInfo info, AgentView view) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", info.getId().getValue());
        node.put("name", info.getName());
        node.put("user", info.getUser());
        node.put("failover_timeout", info.getFailoverTimeout());
        node.put("checkpoint", info.getCheckpoint());
        node.put("hostname", info.getHostname());
        if (info.hasPrincipal()) {
            node.put("principal", info.getPrincipal());
        }
        if (info.getRolesCount() > 0) {
            ArrayNode roles = node.putArray("roles");
            info.getRolesList().forEach(roles::add);
        } else {
            node.put("role", info.getRole());
        }
        node.set("executors", executors(view.executors(), info.getId()));
        node.set("completed_executors", executors(view.completedExecutors(), info.getId()));
        return node;
    }

    private static ArrayNode executors(List<ExecutorView> executors, FrameworkID frameworkId) {
        ArrayNode array = MAPPER.createArrayNode();
        for (ExecutorView executor : executors) {
            if (executor.frameworkId().equals(frameworkId)) {
                array.add(executor(executor));
            }
        }
        return array;
    }

    private static ObjectNode executor(ExecutorView executor) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", executor.id());
        node.put("name", executor.info().getName());
        node.put("source", executor.info().getSource());
        node.put("container", executor.containerId());
        node.put("directory", executor.directory().toString());
        node.set("resources", flat(executor.resources()));
        if (executor.info().hasType()) {
            node.put("type", executor.info().getType().name());
        }
        ArrayNode tasks = node.putArray("tasks");
        ArrayNode queued = node.putArray("queued_tasks");
        ArrayNode completed = node.putArray("completed_tasks");
        for (TaskView task : executor.tasks()) {
            if (task.isTerminal()) {
                completed.add(task(task)); // Mesos lists terminated tasks there too
            } else if (task.state() == TaskState.TASK_STAGING && !executor.commandTask()) {
                queued.add(task(task)); // waiting for its custom executor to subscribe
            } else {
                tasks.add(task(task));
            }
        }
        executor.completedTasks().forEach(task -> completed.add(task(task)));
        return node;
    }

    private static ObjectNode task(TaskView task) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", task.id());
        node.put("name", task.task().getName());
        node.put("framework_id", task.frameworkId().getValue());
        node.put("executor_id", task.task().hasExecutor() ? task.task().getExecutor().getExecutorId().getValue() : "");
        node.put("slave_id", task.task().getAgentId().getValue());
        node.put("state", task.state().name());
        node.set("resources", flat(task.task().getResourcesList()));
        if (!task.task().getResourcesList().isEmpty() && task.task().getResources(0).hasAllocationInfo()) {
            node.put("role", task.task().getResources(0).getAllocationInfo().getRole());
        }
        ArrayNode statuses = node.putArray("statuses");
        if (task.latestStatus() != null) {
            ObjectNode status = statuses.addObject();
            status.put("state", task.latestStatus().getState().name());
            status.put("timestamp", task.latestStatus().getTimestamp());
            if (task.latestStatus().hasMessage()) {
                status.put("message", task.latestStatus().getMessage());
            }
        }
        return node;
    }

    /** Mesos's flattened resources: {@code {"cpus":1,"mem":64,"disk":0,"gpus":0,"ports":"[31000-31000]"}}. */
    static ObjectNode flat(List<Resource> resources) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("cpus", 0.0);
        node.put("gpus", 0.0);
        node.put("mem", 0.0);
        node.put("disk", 0.0);
        ResourceSet.of(resources).flatten().forEach((name, value) -> node.set(name, MAPPER.valueToTree(value)));
        return node;
    }
}
