package io.corral.zookeeper.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Format 1 to 2. Format 1 stored an agent's state as a string with the time it became unreachable in a separate
 * top-level field, and did not record when an agent was marked gone:
 *
 * <pre>{"format":1, "state":"UNREACHABLE", "unreachable_since":1700000000000, ...}</pre>
 *
 * Format 2 stores a state object that carries its own start time for every timed state:
 *
 * <pre>{"format":2, "state":{"kind":"UNREACHABLE", "since":1700000000000}, ...}</pre>
 *
 * A gone agent of format 1 gets its last update time as its "since", the best time format 1 knows. Meta, framework
 * and role documents did not change.
 */
final class AgentStateObjectMigration implements Migration {

    @Override
    public int fromFormat() {
        return 1;
    }

    @Override
    public ObjectNode migrate(DocumentKind kind, ObjectNode document) {
        if (kind != DocumentKind.AGENT) {
            return document;
        }
        JsonNode state = document.remove("state");
        JsonNode unreachableSince = document.remove("unreachable_since");
        if (state == null || !state.isTextual()) {
            throw new RegistryFormatException("a format 1 agent document needs \"state\" as a string, got " + state);
        }
        ObjectNode upgraded = document.objectNode().put("kind", state.asText());
        switch (state.asText()) {
            case "UNREACHABLE" -> upgraded.set("since", requireNumber(unreachableSince, "unreachable_since"));
            case "GONE" -> upgraded.set("since", requireNumber(document.get("updated_at"), "updated_at"));
            default -> {
                // ACTIVE and DRAINING have no start time.
            }
        }
        document.set("state", upgraded);
        return document;
    }

    private static JsonNode requireNumber(JsonNode value, String field) {
        if (value == null || !value.isIntegralNumber()) {
            throw new RegistryFormatException("a format 1 agent document needs \"" + field
                    + "\" as epoch milliseconds, got " + value);
        }
        return value;
    }
}
