package io.corral.zookeeper.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link EnsembleHealth} as JSON, the body of a master's {@code GET /master/zookeeper} and part of
 * {@code corral status --json}:
 *
 * <pre>{@code
 * {"checked_at": 1700000000.5, "quorum_size": 2, "servers_up": 3, "has_quorum": true, "leader": "10.0.0.1:2181",
 *  "servers": [{"address": "10.0.0.1:2181", "reachable": true, "serving": true, "mode": "leader",
 *               "latency_avg_ms": 0.4, "latency_max_ms": 12, "outstanding_requests": 0, "znode_count": 57,
 *               "connections": 6}, ...]}
 * }</pre>
 * {@code checked_at} is in seconds since the epoch, like Mesos's timestamps; {@code leader} is null without one;
 * a server that does not serve carries {@code last_error}. The ensemble-level fields are derived, so reading ignores
 * them and recomputes them from the servers.
 *
 * <p>Stateless and thread-safe.
 */
public final class EnsembleHealthJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EnsembleHealthJson() {}

    public static ObjectNode toJson(EnsembleHealth health) {
        ObjectNode root = JSON.createObjectNode();
        root.put("checked_at", health.checkedAtMillis() / 1000.0);
        root.put("quorum_size", health.quorumSize());
        root.put("servers_up", health.serversUp());
        root.put("has_quorum", health.hasQuorum());
        root.put("leader", health.leader().orElse(null));
        var servers = root.putArray("servers");
        for (ServerHealth server : health.servers()) {
            ObjectNode node = servers.addObject();
            node.put("address", server.address());
            node.put("reachable", server.reachable());
            node.put("serving", server.isServing());
            node.put("mode", server.mode().label());
            node.put("latency_avg_ms", server.latencyAvgMs());
            node.put("latency_max_ms", server.latencyMaxMs());
            node.put("outstanding_requests", server.outstandingRequests());
            node.put("znode_count", server.znodeCount());
            node.put("connections", server.connections());
            server.lastError().ifPresent(error -> node.put("last_error", error));
        }
        return root;
    }

    public static byte[] toBytes(EnsembleHealth health) {
        try {
            return JSON.writeValueAsBytes(toJson(health));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write ensemble health as JSON", e);
        }
    }

    /**
     * Reads what {@link #toJson} wrote.
     *
     * @throws IllegalArgumentException when {@code json} has no {@code servers} array of objects with an address
     */
    public static EnsembleHealth fromJson(JsonNode json) {
        JsonNode servers = json.path("servers");
        if (!servers.isArray()) {
            throw new IllegalArgumentException("ensemble health JSON lacks its \"servers\" array");
        }
        List<ServerHealth> list = new ArrayList<>();
        for (JsonNode node : servers) {
            if (!node.path("address").isTextual()) {
                throw new IllegalArgumentException("a server in ensemble health JSON lacks its \"address\": " + node);
            }
            list.add(new ServerHealth(node.path("address").asText(), node.path("reachable").asBoolean(),
                    ServerMode.parse(node.path("mode").asText(null)), node.path("latency_avg_ms").asDouble(),
                    node.path("latency_max_ms").asLong(), node.path("outstanding_requests").asLong(),
                    node.path("znode_count").asLong(), node.path("connections").asLong(),
                    Optional.ofNullable(node.path("last_error").textValue())));
        }
        return new EnsembleHealth(list, Math.round(json.path("checked_at").asDouble() * 1000));
    }
}
