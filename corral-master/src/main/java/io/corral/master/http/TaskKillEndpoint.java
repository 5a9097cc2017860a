package io.corral.master.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.master.Master;
import io.corral.master.Tasks;
import io.corral.protocol.MesosIds;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;

/**
 * {@code POST /api/v1/corral/kill}: an operator kills tasks (Mesos's operator API has no call for it; Corral's CLI
 * needs one). Body: {@code {"tasks":[{"framework_id":"...","task_id":"..."}], "grace_period_seconds":5}} (the grace
 * period is optional: the task's kill policy, else the agent's default). Answer 200 with each task's outcome:
 * {@code {"results":[{"framework_id","task_id","result":"killing"|"killing_when_agent_returns"|"already_ended"|
 * "unknown"}]}}; the framework learns of the kill from the task's updates, as if it had asked.
 *
 * <p>Threading: called on HTTP I/O threads; holds no state; the kills are decided on the master's loop.
 */
final class TaskKillEndpoint {
    static final String PATH = "/api/v1/corral/kill";
    /** At most this many tasks per request: a request is one event on the master's loop. */
    static final int MAX_TASKS = 1000;
    private static final double MAX_GRACE_SECONDS = 3600;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Target(FrameworkID frameworkId, TaskID taskId) {}

    void handle(Master master, HttpExchange exchange) {
        Responses.requirePost(exchange);
        JsonNode body = parse(exchange.body());
        List<Target> targets = targets(body);
        long graceNanos = graceNanos(body);
        master.submit(() -> {
            List<Tasks.OperatorKill> results = new ArrayList<>();
            for (Target target : targets) {
                results.add(master.tasks().killByOperator(target.frameworkId(), target.taskId(),
                        graceNanos));
            }
            return results;
        }).whenComplete((results, failure) -> {
            if (failure != null) {
                Responses.fail(exchange, failure);
            } else {
                exchange.respond(200, "application/json", answer(targets, results));
            }
        });
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || !json.isObject()) {
                throw new HttpError(400, "Expecting a JSON object: {\"tasks\":[{\"framework_id\":\"...\","
                        + "\"task_id\":\"...\"}]}");
            }
            return json;
        } catch (IOException e) {
            throw new HttpError(400, "The body is not JSON: " + e.getMessage());
        }
    }

    private static List<Target> targets(JsonNode body) {
        JsonNode tasks = body.get("tasks");
        if (tasks == null || !tasks.isArray() || tasks.isEmpty()) {
            throw new HttpError(400, "Expecting 'tasks': a non-empty array of {\"framework_id\", \"task_id\"}");
        }
        if (tasks.size() > MAX_TASKS) {
            throw new HttpError(400, "At most " + MAX_TASKS + " tasks per request; got " + tasks.size());
        }
        List<Target> targets = new ArrayList<>();
        for (JsonNode task : tasks) {
            targets.add(new Target(FrameworkID.newBuilder().setValue(id(task, "framework_id")).build(),
                    TaskID.newBuilder().setValue(id(task, "task_id")).build()));
        }
        return targets;
    }

    private static String id(JsonNode task, String field) {
        JsonNode value = task.get(field);
        if (value == null || !value.isTextual()) {
            throw new HttpError(400, "Expecting '" + field + "' (a string) in every task");
        }
        String invalid = MesosIds.invalidReason(value.asText());
        if (invalid != null) {
            throw new HttpError(400, "'" + field + "' is invalid: " + invalid);
        }
        return value.asText();
    }

    private static long graceNanos(JsonNode body) {
        JsonNode grace = body.get("grace_period_seconds");
        if (grace == null || grace.isNull()) {
            return 0;
        }
        double seconds = grace.isNumber() ? grace.asDouble() : Double.NaN;
        if (!(seconds >= 0 && seconds <= MAX_GRACE_SECONDS)) {
            throw new HttpError(400, "'grace_period_seconds' must be a number from 0 to " + (int) MAX_GRACE_SECONDS);
        }
        return (long) (seconds * 1e9);
    }

    private static byte[] answer(List<Target> targets, List<Tasks.OperatorKill> results) {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode array = answer.putArray("results");
        for (int i = 0; i < targets.size(); i++) {
            array.addObject()
                    .put("framework_id", targets.get(i).frameworkId().getValue())
                    .put("task_id", targets.get(i).taskId().getValue())
                    .put("result", results.get(i).name().toLowerCase(Locale.ROOT));
        }
        return answer.toString().getBytes(StandardCharsets.UTF_8);
    }
}
