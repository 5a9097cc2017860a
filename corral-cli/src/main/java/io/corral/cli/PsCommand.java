package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import io.corral.protocol.http.InflatingBodyHandler;
import io.corral.protocol.task.TaskTransitions;
import io.corral.scheduler.MasterAddresses;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code corral ps}: the cluster's tasks, from the leading master's {@code /master/state}. */
@Command(name = "ps",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "List the cluster's tasks: TASK ID, NAME, FRAMEWORK, AGENT, STATE, CPUS, MEM (MB) and AGE "
                        + "(time since the task's first status update).",
                "Shows running and pending tasks; --all adds finished ones."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral ps",
                "  corral ps --all --master http://127.0.0.1:5050",
                "  corral ps --json | jq '.[].state'"})
public final class PsCommand extends ClusterCommand implements Callable<Integer> {
    /** The terminal states' names, as /master/state writes them: from the one task state table. */
    static final Set<String> TERMINAL_STATES = TaskTransitions.terminalStates().stream().map(Enum::name)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    @Option(names = {"-a", "--all"}, description = "Include finished tasks and those of finished frameworks.")
    boolean all;

    @Option(names = "--json",
            description = "Print a JSON array of the tasks as /master/state has them, plus framework_name and "
                    + "agent_hostname.")
    boolean json;

    /** Declared after the command's own options so that they come first in --help. */
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    public PsCommand() {
    }

    PsCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        super(locator, out, err, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        StateRead read = StateRead.of(locator, cluster, err, "ps");
        if (read.failed()) {
            return read.exitCode();
        }
        List<ObjectNode> tasks = tasks(read.state(), all);
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            tasks.forEach(array::add);
            out.println(array);
        } else {
            printTable(tasks, out, clock.millis());
        }
        out.flush();
        return 0;
    }

    // --------------------------------------------------------------------------------------------- fetching

    /** /master/state could not be read; the message says from where and why. */
    static final class StateUnavailableException extends RuntimeException {
        StateUnavailableException(String message) {
            super(message);
        }
    }

    /** GET /master/state from {@code master}, following one redirect to the leader. */
    static JsonNode fetchState(ClusterLocator.Target target, URI master) throws InterruptedException {
        HttpClient http = target.httpClient(Duration.ofSeconds(5));
        HttpResponse<byte[]> response = get(http, target, master);
        if (response.statusCode() == 307) {
            URI leader;
            try {
                leader = MasterAddresses.redirectTarget(response.headers().firstValue("Location").orElse(null),
                        master);
            } catch (IllegalArgumentException e) {
                throw new StateUnavailableException("the master at " + master + " redirected badly: " + e.getMessage());
            }
            response = get(http, target, leader);
            if (response.statusCode() == 307) {
                throw new StateUnavailableException("the master at " + leader + ", named leader by " + master
                        + ", redirects too; the masters disagree about the leader (an election may be under way)");
            }
            master = leader;
        }
        if (response.statusCode() != 200) {
            String body = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8).strip();
            throw new StateUnavailableException("GET /master/state on " + master + " answered "
                    + response.statusCode() + (body.isEmpty() ? "" : ": " + body)
                    + (response.statusCode() == 401 ? " (pass --credential FILE or set CORRAL_CREDENTIAL, or a fresh"
                    + " token from `corral token create`)" : ""));
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new StateUnavailableException("the master at " + master + " sent unreadable state: "
                    + e.getMessage());
        }
    }

    private static HttpResponse<byte[]> get(HttpClient http, ClusterLocator.Target target, URI master)
            throws InterruptedException {
        HttpRequest.Builder builder = InflatingBodyHandler.ask(HttpRequest.newBuilder(
                        MasterAddresses.resolve(master, "/master/state")))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .GET();
        target.authorize(builder);
        HttpRequest request = builder.build();
        try {
            return http.send(request, InflatingBodyHandler.bytes());
        } catch (IOException e) {
            throw new StateUnavailableException(target.whyUnreachable(e, master));
        }
    }

    // ------------------------------------------------------------------------------------ shaping the data

    /**
     * The tasks to show, each a copy of its /master/state object plus {@code framework_name} and
     * {@code agent_hostname}; non-terminal ones only unless {@code all}. Ordered by start time, then id.
     */
    static List<ObjectNode> tasks(JsonNode state, boolean all) {
        Map<String, String> hostnames = new HashMap<>();
        for (String agents : List.of("slaves", "recovered_slaves")) {
            for (JsonNode agent : state.path(agents)) {
                hostnames.put(agent.path("id").asText(), agent.path("hostname").asText());
            }
        }
        List<ObjectNode> tasks = new ArrayList<>();
        addTasksOf(state.path("frameworks"), List.of("tasks", "unreachable_tasks"), hostnames, tasks);
        if (all) {
            addTasksOf(state.path("frameworks"), List.of("completed_tasks"), hostnames, tasks);
            addTasksOf(state.path("completed_frameworks"), List.of("tasks", "unreachable_tasks", "completed_tasks"),
                    hostnames, tasks);
        } else {
            tasks.removeIf(task -> TERMINAL_STATES.contains(task.path("state").asText()));
        }
        tasks.sort(Comparator.comparingDouble(PsCommand::startedAt).thenComparing(t -> t.path("id").asText()));
        return tasks;
    }

    private static void addTasksOf(JsonNode frameworks, List<String> lists, Map<String, String> hostnames,
                                   List<ObjectNode> into) {
        for (JsonNode framework : frameworks) {
            for (String list : lists) {
                for (JsonNode task : framework.path(list)) {
                    if (!task.isObject()) {
                        continue;
                    }
                    ObjectNode copy = ((ObjectNode) task).deepCopy();
                    copy.put("framework_name", framework.path("name").asText(""));
                    String agentId = task.path("slave_id").asText(task.path("agent_id").asText(""));
                    copy.put("agent_hostname", hostnames.getOrDefault(agentId, agentId));
                    into.add(copy);
                }
            }
        }
    }

    /** Seconds since the epoch of the task's first status update; infinity when it has none yet. */
    static double startedAt(JsonNode task) {
        double first = Double.POSITIVE_INFINITY;
        for (JsonNode status : task.path("statuses")) {
            if (status.path("timestamp").isNumber()) {
                first = Math.min(first, status.path("timestamp").asDouble());
            }
        }
        return first;
    }

    static void printTable(List<ObjectNode> tasks, PrintStream out, long nowMillis) {
        if (tasks.isEmpty()) {
            out.println("No tasks.");
            return;
        }
        Table table = new Table("TASK ID", "NAME", "FRAMEWORK", "AGENT", "STATE", "CPUS", "MEM", "AGE");
        for (ObjectNode task : tasks) {
            JsonNode resources = task.path("resources");
            double started = startedAt(task);
            table.row(task.path("id").asText(),
                    task.path("name").asText(),
                    task.path("framework_name").asText(),
                    task.path("agent_hostname").asText(),
                    task.path("state").asText(),
                    resources.has("cpus") ? number(resources.path("cpus").asDouble()) : "-",
                    resources.has("mem") ? number(resources.path("mem").asDouble()) : "-",
                    Double.isInfinite(started) ? "-" : age(nowMillis - (long) (started * 1000)));
        }
        table.print(out);
    }

    /** "12s", "3m", "2h", "5d": the largest whole unit, as {@code docker ps} and {@code kubectl} show ages. */
    static String age(long millis) {
        long seconds = Math.max(0, millis / 1000);
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 48 * 3600) {
            return seconds / 3600 + "h";
        }
        return seconds / 86400 + "d";
    }

    static String number(double value) {
        if (value == Math.rint(value)) {
            return String.valueOf((long) value);
        }
        return String.format(Locale.ROOT, "%.3f", value).replaceAll("0+$", "");
    }
}
