package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a task runs (or ran), as the leading master's {@code /master/state} tells any Mesos client: the task's
 * framework and state, and its agent's address (the agent's {@code hostname} and {@code port}, which its {@code pid}
 * {@code slave(1)@host:port} also says). The agent's own {@code /state} then names the sandbox ({@link AgentClient}).
 *
 * @param agent the agent's HTTP address, or null when the master no longer lists the agent
 */
record TaskLocation(String frameworkId, String taskId, String state, String agentId, URI agent) {

    boolean isTerminal() {
        return PsCommand.TERMINAL_STATES.contains(state);
    }

    /**
     * Every task with this id (of the given framework, when not null), one per framework: its live entry if it has
     * one, else its latest completed one; frameworks in the state's order.
     */
    static List<TaskLocation> find(JsonNode state, String taskId, String frameworkId) {
        Map<String, URI> agents = new LinkedHashMap<>();
        for (JsonNode agent : state.path("slaves")) {
            agents.put(agent.path("id").asText(), URI.create("http://" + agent.path("hostname").asText() + ":"
                    + agent.path("port").asInt()));
        }
        Map<String, TaskLocation> byFramework = new LinkedHashMap<>();
        for (String frameworks : new String[] {"frameworks", "completed_frameworks"}) {
            for (JsonNode framework : state.path(frameworks)) {
                String id = framework.path("id").asText();
                if (frameworkId != null && !frameworkId.equals(id)) {
                    continue;
                }
                for (String tasks : new String[] {"tasks", "completed_tasks", "unreachable_tasks"}) {
                    for (JsonNode task : framework.path(tasks)) {
                        if (!task.path("id").asText().equals(taskId)) {
                            continue;
                        }
                        String agentId = task.path("slave_id").asText();
                        TaskLocation found = new TaskLocation(id, taskId, task.path("state").asText(), agentId,
                                agents.get(agentId));
                        TaskLocation known = byFramework.get(id);
                        if (known == null || (known.isTerminal() && !found.isTerminal())
                                || (known.isTerminal() && found.isTerminal())) {
                            byFramework.put(id, found); // completed tasks are oldest first: the later one wins
                        }
                    }
                }
            }
        }
        return new ArrayList<>(byFramework.values());
    }
}
