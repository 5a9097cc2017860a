package io.corral.frameworks.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.frameworks.jobs.Run.KillReason;
import io.corral.frameworks.jobs.Run.Trigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Jobs and runs in JSON: the document stored per job in ZooKeeper, and what the REST API shows of runs (the same
 * fields, times in ISO-8601 UTC). Field names are snake_case as in the rest of Corral's JSON.
 *
 * <p>Stateless; thread-safe.
 */
public final class JobStateJson {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private JobStateJson() {
    }

    public static ObjectNode write(JobState state) {
        ObjectNode json = JSON.objectNode();
        json.set("definition", JobJson.write(state.definition()));
        json.put("created_at", state.createdAt().toString());
        json.put("last_scheduled", state.lastScheduled().toString());
        json.put("next_run", state.nextRun());
        ArrayNode runs = json.putArray("runs");
        state.runs().forEach(run -> runs.add(write(run)));
        return json;
    }

    public static JobState read(JsonNode json) {
        List<Run> runs = new ArrayList<>();
        json.get("runs").forEach(run -> runs.add(readRun(run)));
        return new JobState(JobJson.parse(json.get("definition")), Instant.parse(json.get("created_at").asText()),
                Instant.parse(json.get("last_scheduled").asText()), json.get("next_run").asLong(), runs);
    }

    /** A run as the history shows it (and as it is stored). */
    public static ObjectNode write(Run run) {
        ObjectNode json = JSON.objectNode();
        json.put("id", run.number());
        json.put("trigger", run.trigger().name().toLowerCase(Locale.ROOT));
        json.put("scheduled_at", run.scheduledAt().toString());
        json.put("state", run.state().json());
        json.put("attempt", run.attempt());
        putText(json, "task_id", run.taskId());
        putText(json, "agent_id", run.agentId());
        putText(json, "host", run.host());
        putText(json, "sandbox", run.sandbox());
        putTime(json, "not_before", run.notBefore());
        putTime(json, "launched_at", run.launchedAt());
        putTime(json, "started_at", run.startedAt());
        putTime(json, "ended_at", run.endedAt());
        if (run.exitCode() != null) {
            json.put("exit_code", run.exitCode());
        } else {
            json.putNull("exit_code");
        }
        putText(json, "message", run.message());
        if (run.killRequested() != null) {
            json.put("kill_requested", run.killRequested().name().toLowerCase(Locale.ROOT));
        }
        if (run.unreachable()) {
            json.put("unreachable", true);
        }
        return json;
    }

    static Run readRun(JsonNode json) {
        String kill = text(json, "kill_requested");
        return new Run(json.get("id").asLong(), Trigger.valueOf(json.get("trigger").asText().toUpperCase(Locale.ROOT)),
                time(json, "scheduled_at"), RunState.fromJson(json.get("state").asText()), json.get("attempt").asInt(),
                text(json, "task_id"), text(json, "agent_id"), text(json, "host"), text(json, "sandbox"),
                time(json, "not_before"), time(json, "launched_at"), time(json, "started_at"),
                time(json, "ended_at"), json.hasNonNull("exit_code") ? json.get("exit_code").asInt() : null,
                text(json, "message"), kill == null ? null : KillReason.valueOf(kill.toUpperCase(Locale.ROOT)),
                json.path("unreachable").asBoolean(false));
    }

    private static void putText(ObjectNode json, String field, String value) {
        if (value != null) {
            json.put(field, value);
        } else {
            json.putNull(field);
        }
    }

    private static void putTime(ObjectNode json, String field, Instant value) {
        putText(json, field, value == null ? null : value.toString());
    }

    private static String text(JsonNode json, String field) {
        return json.hasNonNull(field) ? json.get(field).asText() : null;
    }

    private static Instant time(JsonNode json, String field) {
        String text = text(json, field);
        return text == null ? null : Instant.parse(text);
    }
}
