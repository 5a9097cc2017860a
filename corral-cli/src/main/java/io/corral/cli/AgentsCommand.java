package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code corral agents}: the cluster's agents, from the leading master's {@code /master/state}. */
@Command(name = "agents",
        mixinStandardHelpOptions = true,
        subcommands = {AgentModeCommands.Deactivate.class, AgentModeCommands.Reactivate.class,
                AgentModeCommands.Gone.class},
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "List the agents the leading master knows: ID, HOSTNAME, STATE (active, inactive: disconnected, "
                        + "unreachable, deactivated, draining, drained), CPUS and MEM (MB) as used/total, live TASKS, and AGE since the agent "
                        + "registered."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral agents",
                "  corral agents deactivate AGENT_ID     (no offers; tasks keep running)",
                "  corral agents reactivate AGENT_ID",
                "  corral agents gone AGENT_ID --yes     (for good: its tasks are lost)",
                "  corral agents --json | jq '.[] | select(.state == \"unreachable\") | .hostname'"})
public final class AgentsCommand extends ClusterCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--json",
            description = "Print a JSON array of the agents as /master/state has them, plus state and tasks.")
    boolean json;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    public AgentsCommand() {
    }

    AgentsCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        super(locator, out, err, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        StateRead read = StateRead.of(locator, cluster, err, "agents");
        if (read.failed()) {
            return read.exitCode();
        }
        List<ObjectNode> agents = agents(read.state());
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            agents.forEach(array::add);
            out.println(array);
        } else if (agents.isEmpty()) {
            out.println("No agents.");
        } else {
            Table table = new Table("ID", "HOSTNAME", "STATE", "CPUS", "MEM", "TASKS", "AGE");
            long now = clock.millis();
            for (ObjectNode agent : agents) {
                table.row(agent.path("id").asText(), agent.path("hostname").asText(), agent.path("state").asText(),
                        usedOfTotal(agent, "cpus"), usedOfTotal(agent, "mem"), agent.path("tasks").asLong(),
                        PsCommand.age(now - (long) (agent.path("registered_time").asDouble() * 1000)));
            }
            table.print(out);
        }
        out.flush();
        return 0;
    }

    /** Each agent of the state, with its {@code state} in words and how many live tasks it runs. */
    static List<ObjectNode> agents(JsonNode state) {
        Map<String, Long> liveTasks = new HashMap<>();
        for (JsonNode framework : state.path("frameworks")) {
            for (JsonNode task : framework.path("tasks")) {
                if (!PsCommand.TERMINAL_STATES.contains(task.path("state").asText())) {
                    liveTasks.merge(task.path("slave_id").asText(), 1L, Long::sum);
                }
            }
        }
        return java.util.stream.StreamSupport.stream(state.path("slaves").spliterator(), false)
                .filter(JsonNode::isObject)
                .map(agent -> {
                    ObjectNode copy = ((ObjectNode) agent).deepCopy();
                    copy.put("state", state(agent));
                    copy.put("tasks", liveTasks.getOrDefault(agent.path("id").asText(), 0L));
                    return copy;
                })
                .toList();
    }

    /** The agent's state in words: an operator's drain or deactivation first, as it explains why no offers. */
    private static String state(JsonNode agent) {
        if (agent.path("unreachable").asBoolean()) {
            return "unreachable";
        }
        String drain = agent.path("drain_info").path("state").asText("");
        if (!drain.isEmpty()) {
            return drain.toLowerCase(java.util.Locale.ROOT);
        }
        if (agent.path("deactivated").asBoolean()) {
            return "deactivated";
        }
        return agent.path("active").asBoolean() ? "active" : "inactive";
    }

    private static String usedOfTotal(JsonNode agent, String resource) {
        return PsCommand.number(agent.path("used_resources").path(resource).asDouble()) + "/"
                + PsCommand.number(agent.path("resources").path(resource).asDouble());
    }
}
