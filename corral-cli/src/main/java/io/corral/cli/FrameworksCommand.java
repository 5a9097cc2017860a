package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code corral frameworks}: the cluster's frameworks, from the leading master's {@code /master/state}. */
@Command(name = "frameworks",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "List the frameworks the leading master knows: ID, NAME, ROLE, STATE (connected, disconnected: "
                        + "within its failover timeout; completed with --all), live TASKS, CPUS and MEM (MB) in use, "
                        + "and AGE since it registered."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral frameworks",
                "  corral frameworks --all --json | jq '.[].name'"})
public final class FrameworksCommand extends ClusterCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = {"-a", "--all"}, description = "Include completed (torn down) frameworks.")
    boolean all;

    @Option(names = "--json",
            description = "Print a JSON array of the frameworks as /master/state has them, without their task "
                    + "lists, plus state and tasks (the count of live tasks).")
    boolean json;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    public FrameworksCommand() {
    }

    FrameworksCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        super(locator, out, err, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        StateRead read = StateRead.of(locator, cluster, err, "frameworks");
        if (read.failed()) {
            return read.exitCode();
        }
        List<ObjectNode> frameworks = frameworks(read.state(), all);
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            frameworks.forEach(array::add);
            out.println(array);
        } else if (frameworks.isEmpty()) {
            out.println(all ? "No frameworks." : "No frameworks (--all shows completed ones).");
        } else {
            Table table = new Table("ID", "NAME", "ROLE", "STATE", "TASKS", "CPUS", "MEM", "AGE");
            long now = clock.millis();
            for (ObjectNode framework : frameworks) {
                JsonNode used = framework.path("used_resources");
                table.row(framework.path("id").asText(), framework.path("name").asText(),
                        framework.path("role").asText(), framework.path("state").asText(),
                        framework.path("tasks").asLong(), PsCommand.number(used.path("cpus").asDouble()),
                        PsCommand.number(used.path("mem").asDouble()),
                        PsCommand.age(now - (long) (framework.path("registered_time").asDouble() * 1000)));
            }
            table.print(out);
        }
        out.flush();
        return 0;
    }

    /** Each framework (completed ones too with {@code all}) without its task lists, with state and live tasks. */
    static List<ObjectNode> frameworks(JsonNode state, boolean all) {
        List<ObjectNode> frameworks = new ArrayList<>();
        add(state.path("frameworks"), false, frameworks);
        if (all) {
            add(state.path("completed_frameworks"), true, frameworks);
        }
        return frameworks;
    }

    private static void add(JsonNode list, boolean completed, List<ObjectNode> into) {
        for (JsonNode framework : list) {
            if (!framework.isObject()) {
                continue;
            }
            ObjectNode copy = ((ObjectNode) framework).deepCopy();
            long live = 0;
            for (JsonNode task : framework.path("tasks")) {
                if (!PsCommand.TERMINAL_STATES.contains(task.path("state").asText())) {
                    live++;
                }
            }
            copy.remove(List.of("tasks", "completed_tasks", "unreachable_tasks"));
            copy.put("state", completed ? "completed"
                    : framework.path("connected").asBoolean() ? "connected" : "disconnected");
            copy.put("tasks", live);
            into.add(copy);
        }
    }
}
