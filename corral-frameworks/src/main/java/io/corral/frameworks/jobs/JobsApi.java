package io.corral.frameworks.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.ApiRequest;
import io.corral.frameworks.common.ApiResponse;
import io.corral.frameworks.common.Routes;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The Jobs REST API (docs/jobs.md): {@code /v1/jobs} (GET list, POST create), {@code /v1/jobs/{id}} (GET, PUT,
 * DELETE), {@code /v1/jobs/{id}/runs} (POST: run now; GET: the history, newest first). All served by the leader (a
 * standby redirects). Invalid definitions: 422 naming every field; unknown job: 404; "run now" of a job that forbids
 * overlap while a run is active, or creating an existing id: 409.
 *
 * <p>Stateless; the routes run on HTTP worker threads and hand their work to the term's loop.
 */
public final class JobsApi {
    private JobsApi() {
    }

    public static Routes routes(JobsFramework jobs) {
        return new Routes()
                .post("/v1/jobs/{id}/runs", request -> {
                    Run run = jobs.call(term -> term.runNow(request.param("id"), request.caller()));
                    return ApiResponse.created(JobStateJson.write(run),
                            "/v1/jobs/" + request.param("id") + "/runs");
                })
                .get("/v1/jobs/{id}/runs", request -> {
                    JobState state = jobs.call(term -> term.get(request.param("id"), request.caller()))
                            .orElseThrow(() -> ApiException.notFound("no job " + request.param("id")));
                    ArrayNode runs = JsonNodeFactory.instance.arrayNode();
                    state.runs().stream().sorted(Comparator.comparingLong(Run::number).reversed())
                            .forEach(run -> runs.add(JobStateJson.write(run)));
                    return ApiResponse.ok(runs);
                })
                .get("/v1/jobs/{id}", request -> ApiResponse.ok(view(jobs.call(term -> term.get(request.param("id"), request.caller()))
                        .orElseThrow(() -> ApiException.notFound("no job " + request.param("id"))))))
                .put("/v1/jobs/{id}", request -> {
                    JobDefinition definition = definition(request, request.param("id"));
                    return ApiResponse.ok(view(jobs.call(term -> term.replace(definition, request.caller()))));
                })
                .delete("/v1/jobs/{id}", request -> {
                    jobs.call(term -> term.remove(request.param("id"), request.caller()));
                    return new ApiResponse(204, null, Map.of());
                })
                .get("/v1/jobs", request -> {
                    ArrayNode list = JsonNodeFactory.instance.arrayNode();
                    jobs.call(term -> term.list(request.caller())).forEach(state -> list.add(view(state)));
                    return ApiResponse.ok(list);
                })
                .post("/v1/jobs", request -> {
                    JobDefinition definition = definition(request, null);
                    JobState created = jobs.call(term -> term.create(definition, request.caller()));
                    return ApiResponse.created(view(created), "/v1/jobs/" + created.id());
                });
    }

    /**
     * The definition in the body; 422 naming every invalid field. On PUT the id may be left out (the path's is used)
     * but not contradict the path.
     */
    static JobDefinition definition(ApiRequest request, String pathId) {
        JsonNode body = request.jsonObject();
        if (pathId != null) {
            ObjectNode copy = ((ObjectNode) body).deepCopy();
            if (!copy.hasNonNull("id")) {
                copy.put("id", pathId);
            } else if (!copy.get("id").asText().equals(pathId)) {
                throw ApiException.invalid("job", List.of(new ApiException.FieldError("id",
                        "must be the job's id in the path, " + pathId)));
            }
            body = copy;
        }
        try {
            return JobJson.parse(body);
        } catch (InvalidJobException e) {
            throw ApiException.invalid("job", e.errors().stream()
                    .map(f -> new ApiException.FieldError(f.field(), f.message())).toList());
        }
    }

    /** A job as the API shows it: its definition, when it is next due, its active runs and its last run. */
    static ObjectNode view(JobState state) {
        ObjectNode json = JobJson.write(state.definition());
        if (state.definition().schedule() != null) {
            json.put("next_run_at", ScheduleEngine.nextDue(state.definition().schedule(), state.lastScheduled())
                    .map(Object::toString).orElse(null));
        }
        json.put("created_at", state.createdAt().toString());
        ArrayNode active = json.putArray("active_runs");
        state.active().forEach(run -> active.add(JobStateJson.write(run)));
        List<Run> finished = state.runs().stream().filter(run -> !run.isActive()).toList();
        if (finished.isEmpty()) {
            json.putNull("last_run");
        } else {
            json.set("last_run", JobStateJson.write(finished.get(finished.size() - 1)));
        }
        return json;
    }
}
