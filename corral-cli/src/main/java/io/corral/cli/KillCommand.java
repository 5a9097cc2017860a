package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral kill TASK...}: an operator kills running tasks. Each task id is looked up in the leading master's
 * state (a task id is unique within its framework only: {@code --framework} settles an ambiguity), then killed
 * through Corral's {@code POST /api/v1/corral/kill}; the framework sees the kill in its tasks' updates.
 */
@Command(name = "kill",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = "Kill running tasks by id (see `corral ps`).",
        footerHeading = "%nExamples:%n",
        footer = {"  corral kill web-1 web-2",
                "  corral kill web-1 --framework 4f1c...-0001 --grace 30s"})
public final class KillCommand extends ClusterCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(arity = "1..*", paramLabel = "TASK", description = "Ids of the tasks to kill.")
    List<String> taskIds;

    @Option(names = "--framework", paramLabel = "ID", description = "Only tasks of this framework.")
    String frameworkId;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time between SIGTERM and SIGKILL (default: the task's kill policy, else 3s).")
    Duration grace;

    @Option(names = "--json", description = "Print a JSON array of {framework_id, task_id, result}.")
    boolean json;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    public KillCommand() {
    }

    KillCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        super(locator, out, err, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        StateRead read = StateRead.of(locator, cluster, err, "kill");
        if (read.failed()) {
            return read.exitCode();
        }
        ObjectNode request = JSON.createObjectNode();
        ArrayNode tasks = request.putArray("tasks");
        for (String taskId : taskIds) {
            List<String> frameworks = frameworksRunning(read.state(), taskId);
            if (frameworks.isEmpty()) {
                err.println("corral kill: no running task '" + taskId + "'"
                        + (frameworkId != null ? " in framework " + frameworkId : "") + "; see `corral ps`");
                return 1;
            }
            if (frameworks.size() > 1) {
                err.println("corral kill: task '" + taskId + "' runs in frameworks " + String.join(", ", frameworks)
                        + "; say which with --framework");
                return 2;
            }
            tasks.addObject().put("framework_id", frameworks.get(0)).put("task_id", taskId);
        }
        if (grace != null) {
            request.put("grace_period_seconds", grace.toMillis() / 1000.0);
        }
        return OperatorClient.run("kill", err, () -> print(new OperatorClient().postJson(locator, cluster,
                "/api/v1/corral/kill", request.toString().getBytes(StandardCharsets.UTF_8))));
    }

    /** The frameworks in which a task of this id is live, as the state shows them. */
    private List<String> frameworksRunning(JsonNode state, String taskId) {
        List<String> found = new ArrayList<>();
        for (JsonNode framework : state.path("frameworks")) {
            String id = framework.path("id").asText();
            if (frameworkId != null && !frameworkId.equals(id)) {
                continue;
            }
            for (JsonNode task : framework.path("tasks")) {
                if (task.path("id").asText().equals(taskId)) {
                    found.add(id);
                }
            }
        }
        return found;
    }

    private void print(byte[] answer) {
        JsonNode results;
        try {
            results = JSON.readTree(answer).path("results");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (json) {
            out.println(results);
        } else {
            Table table = new Table("TASK", "FRAMEWORK", "RESULT");
            for (JsonNode result : results) {
                table.row(result.path("task_id").asText(), result.path("framework_id").asText(),
                        result.path("result").asText().replace('_', ' '));
            }
            table.print(out);
        }
        out.flush();
    }
}
