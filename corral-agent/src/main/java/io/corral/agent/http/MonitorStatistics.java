package io.corral.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.agent.AgentView;
import io.corral.agent.http.RunningContainers.Container;
import io.corral.protocol.json.MesosJson;

/**
 * {@code GET /monitor/statistics} (also {@code /monitor/statistics.json}): Mesos's per-executor usage, a JSON array of
 * {@code {executor_id, executor_name, framework_id, source, statistics}} with one entry per running container, its
 * {@code statistics} a {@code ResourceStatistics} (cpu times, memory, limits, processes; what the isolators measure).
 *
 * <p>Stateless; reads {@code /proc} and cgroup files on the caller's thread (an HTTP reader, never the loop).
 */
public final class MonitorStatistics {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private MonitorStatistics() {
    }

    public static byte[] render(AgentView view, ContainerUsage usage) {
        ArrayNode entries = MAPPER.createArrayNode();
        ContainerUsage.ProcessTable processes = ContainerUsage.ProcessTable.read();
        for (Container container : RunningContainers.of(view)) {
            ObjectNode entry = entries.addObject();
            entry.put("executor_id", container.executor().id());
            entry.put("executor_name", container.executor().info().getName());
            entry.put("framework_id", container.executor().frameworkId().getValue());
            entry.put("source", container.executor().info().getSource());
            entry.put("container_id", container.containerId());
            entry.set("statistics", MesosJson.toJson(usage.usage(container.containerId(), processes, container.launcherPid(),
                    container.resources())));
        }
        try {
            return MAPPER.writeValueAsBytes(entries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
