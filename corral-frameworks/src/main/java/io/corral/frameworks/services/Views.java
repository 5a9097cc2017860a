package io.corral.frameworks.services;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;

/** What the REST API answers with: snapshots taken on the scheduler's loop. Immutable. */
public final class Views {
    private Views() {
    }

    /** One task of an app; {@code healthy} is always present (null: no verdict, or no health check). */
    public record TaskView(String id, @JsonProperty("agent_id") String agentId, String host, String state,
                           @JsonInclude(JsonInclude.Include.ALWAYS) Boolean healthy, long version, List<Integer> ports,
                           @JsonProperty("launched_at") String launchedAt) {}

    /**
     * Instance counts of an app against its target. {@code unconfirmed}: tasks a new leader has not heard of yet
     * (reconciliation pending); they are in none of the other counts.
     */
    public record Counts(int target, int unconfirmed, int staged, int running, int healthy, int unreachable, int killing) {}

    /** An app: its definition (fields at the top level), counts, deployment, and tasks on {@code GET /v1/apps/{id}}. */
    public record AppView(@JsonUnwrapped AppDefinition definition, Counts counts,
                          @JsonProperty("config_version") long configVersion, boolean removing,
                          DeploymentView deployment, @JsonProperty("last_failure") String lastFailure,
                          @JsonProperty("launch_delay_seconds") double launchDelaySeconds, List<TaskView> tasks) {}

    /**
     * A deployment in progress: what it does, how far it is, and why it waits when it does.
     *
     * @param old      instances of older versions still running
     * @param failures instances that ended on their own since the deployment began
     * @param state    {@code in_progress}, {@code waiting} (launches delayed by the restart backoff)
     */
    public record DeploymentView(String id, @JsonProperty("app_id") String appId, String kind,
                                 @JsonProperty("from_version") Long fromVersion,
                                 @JsonProperty("to_version") long toVersion, int target, int staged, int running,
                                 int healthy, int old, int failures, String state, String reason,
                                 @JsonProperty("started_at") String startedAt) {}

    /** The answer to a change: the version it created and the deployment carrying it out. */
    public record ChangeResult(String id, long version, @JsonProperty("deployment_id") String deploymentId) {}
}
