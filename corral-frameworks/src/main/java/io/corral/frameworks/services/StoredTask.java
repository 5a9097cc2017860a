package io.corral.frameworks.services;

import java.util.List;
import java.util.Map;

/**
 * A task of an app, stored ({@code apps/<key>/tasks/<task id>}) before its LAUNCH is sent, so that a new leader
 * knows every instance that may run, reconciles it and neither duplicates nor loses it. Deleted once the task ended.
 *
 * @param version the app version it was launched from
 * @param healthy the agent's last health verdict, written when it changes: masters answer reconciliation with the
 *                task's state but not necessarily its health, and a new leader must not take a healthy instance
 *                for an unhealthy one (it would replace it below the minimum healthy); null before the first
 */
public record StoredTask(String taskId, String appId, long version, String agentId, String hostname,
                         Map<String, String> attributes, List<Integer> ports, String launchedAt, Boolean healthy) {

    public StoredTask withHealthy(Boolean value) {
        return new StoredTask(taskId, appId, version, agentId, hostname, attributes, ports, launchedAt, value);
    }

    public Constraints.Place place() {
        return new Constraints.Place(hostname, attributes);
    }
}
