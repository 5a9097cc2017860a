package io.corral.zookeeper.presence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;

/**
 * The data of a presence znode:
 * {@code {"version":1,"agent_id":"<id>","address":"<host:port>","since":<epoch millis>}}.
 *
 * <p>{@code since} is when the agent process announced itself; it stays the same when the znode is re-created in a
 * new ZooKeeper session. Readers ignore fields they do not know, so later versions may add fields.
 *
 * <p>Immutable; thread-safe.
 */
public record PresenceDocument(String agentId, String address, long sinceMillis) {

    /** The format written today; bump it (with a migration note) when the format changes incompatibly. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    public PresenceDocument {
        PresencePaths.requireAgentId(agentId);
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("the address of agent " + agentId
                    + " must not be empty: give the host:port the agent serves on");
        }
    }

    /** Compact UTF-8 JSON. */
    public byte[] toJson() {
        ObjectNode json = JSON.createObjectNode()
                .put("version", VERSION)
                .put("agent_id", agentId)
                .put("address", address)
                .put("since", sinceMillis);
        try {
            return JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: an ObjectNode always serializes", e);
        }
    }

    /**
     * Reads what {@link #toJson()} wrote.
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static PresenceDocument parse(byte[] data) {
        Objects.requireNonNull(data, "data");
        JsonNode json;
        try {
            json = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("presence data is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("presence data is not JSON: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("presence data must be a JSON object with agent_id, address and since");
        }
        return new PresenceDocument(text(json, "agent_id"), text(json, "address"), number(json, "since"));
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("presence data needs a string field \"" + field + "\"");
        }
        return value.asText();
    }

    private static long number(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("presence data needs an integer field \"" + field
                    + "\" (milliseconds since the epoch)");
        }
        return value.asLong();
    }
}
