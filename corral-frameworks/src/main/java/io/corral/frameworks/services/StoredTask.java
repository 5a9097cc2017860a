package io.corral.frameworks.services;

import java.util.List;
import java.util.Map;

/**
 * A task of an app, stored ({@code apps/<key>/tasks/<task id>}) before its LAUNCH is sent, so that a new leader
 * knows every instance that may run, reconciles it and neither duplicates nor loses it. Deleted once the task ended.
 *
 * @param version the app version it was launched from
 */
public record StoredTask(String taskId, String appId, long version, String agentId, String hostname,
                         Map<String, String> attributes, List<Integer> ports, String launchedAt) {
    public Constraints.Place place() {
        return new Constraints.Place(hostname, attributes);
    }
}
