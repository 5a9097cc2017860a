package io.corral.protocol.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * How much each client may ask of a master, read from a file in Mesos's {@code --rate_limits} JSON format:
 *
 * <pre>{@code
 * {"limits": [{"principal": "foo", "qps": 55.5, "capacity": 100000},
 *             {"principal": "bar", "qps": 300},
 *             {"principal": "baz"}],
 *  "aggregate_default_qps": 333, "aggregate_default_capacity": 1000000}
 * }</pre>
 *
 * <p>As in Mesos: a principal listed without {@code qps} is not throttled (and {@code capacity} is then ignored);
 * a {@code qps} without {@code capacity} queues without bound; principals not listed, and clients without a
 * principal, share one aggregate limit when {@code aggregate_default_qps} is given and are not throttled otherwise.
 *
 * <p>Corral adds two limits Mesos does not have (its parser would reject them, so a file using them is Corral's
 * only): {@code max_connections} and {@code max_streams} on a limit, and {@code default_max_connections} and
 * {@code default_max_streams} at the top, bounding a client's concurrent connections and open event streams
 * ({@link #DEFAULT_MAX_CONNECTIONS}, {@link #DEFAULT_MAX_STREAMS} when not given). A client is a principal, or, for
 * requests without one (an {@code --insecure} master, or before a connection authenticated), a remote address.
 *
 * <p>Unknown fields are refused, so a typo does not silently turn a limit off. Immutable; thread-safe.
 */
public final class RateLimits {
    /**
     * Concurrent connections per client. A Mesos framework uses two (its event stream and its calls), an agent
     * two; 1,024 lets a whole rack share one address or principal while a flood of idle sockets is cut off.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    /**
     * Open event streams (framework SUBSCRIBE, operator SUBSCRIBE, agent REGISTER) per client. Each may hold up to
     * 64 MiB for a slow reader, so this bounds what one client can make the master buffer. Agents all
     * authenticate as one principal: a cluster of more agents must raise it for that principal.
     */
    public static final int DEFAULT_MAX_STREAMS = 256;

    private static final Set<String> TOP_FIELDS = Set.of("limits", "aggregate_default_qps",
            "aggregate_default_capacity", "default_max_connections", "default_max_streams");
    private static final Set<String> LIMIT_FIELDS = Set.of("principal", "qps", "capacity", "max_connections",
            "max_streams");
    private static final RateLimits NONE = new RateLimits(Map.of(), OptionalDouble.empty(), OptionalLong.empty(),
            DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_STREAMS);

    /**
     * One principal's limits.
     *
     * @param qps            requests served per second; empty: not throttled
     * @param capacity       requests that may wait for their turn; empty: no bound
     * @param maxConnections empty: the default
     * @param maxStreams     empty: the default
     */
    public record Limit(String principal, OptionalDouble qps, OptionalLong capacity, OptionalInt maxConnections,
                        OptionalInt maxStreams) {}

    /** A rate: {@code qps} requests a second, with at most {@code capacity} waiting (empty: unbounded). */
    public record Rate(double qps, OptionalLong capacity) {}

    private final Map<String, Limit> limits;
    private final OptionalDouble aggregateDefaultQps;
    private final OptionalLong aggregateDefaultCapacity;
    private final int defaultMaxConnections;
    private final int defaultMaxStreams;

    private RateLimits(Map<String, Limit> limits, OptionalDouble aggregateDefaultQps,
                       OptionalLong aggregateDefaultCapacity, int defaultMaxConnections, int defaultMaxStreams) {
        this.limits = Map.copyOf(limits);
        this.aggregateDefaultQps = aggregateDefaultQps;
        this.aggregateDefaultCapacity = aggregateDefaultCapacity;
        this.defaultMaxConnections = defaultMaxConnections;
        this.defaultMaxStreams = defaultMaxStreams;
    }

    /** No rate limits; the default connection and stream limits. */
    public static RateLimits none() {
        return NONE;
    }

    public static RateLimits read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static RateLimits parse(String json, String where) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + " is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object of Mesos rate limits,"
                    + " {\"limits\": [{\"principal\": ..., \"qps\": ..., \"capacity\": ...}]}");
        }
        requireKnown(root, TOP_FIELDS, where);
        Map<String, Limit> limits = new LinkedHashMap<>();
        JsonNode list = root.path("limits");
        if (!list.isMissingNode()) {
            if (!list.isArray()) {
                throw new IllegalArgumentException(where + ": 'limits' must be a list");
            }
            for (int i = 0; i < list.size(); i++) {
                Limit limit = limit(list.get(i), where + ", limits[" + i + "]");
                if (limits.put(limit.principal(), limit) != null) {
                    throw new IllegalArgumentException(where + ": principal '" + limit.principal()
                            + "' is listed twice");
                }
            }
        }
        return new RateLimits(limits, qps(root, "aggregate_default_qps", where),
                count(root, "aggregate_default_capacity", where),
                atLeastOne(root, "default_max_connections", where).orElse(DEFAULT_MAX_CONNECTIONS),
                atLeastOne(root, "default_max_streams", where).orElse(DEFAULT_MAX_STREAMS));
    }

    private static Limit limit(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": expected {\"principal\": ..., \"qps\": ...}");
        }
        requireKnown(node, LIMIT_FIELDS, where);
        JsonNode principal = node.get("principal");
        if (principal == null || !principal.isTextual() || principal.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": 'principal' is required");
        }
        return new Limit(principal.asText(), qps(node, "qps", where), count(node, "capacity", where),
                atLeastOne(node, "max_connections", where), atLeastOne(node, "max_streams", where));
    }

    /**
     * The rate {@code principal}'s requests are held to, and whether it is its own or the aggregate shared by every
     * principal not listed (and by requests without a principal). Empty: not throttled.
     */
    public Optional<Rate> rateOf(Optional<String> principal) {
        Limit own = principal.map(limits::get).orElse(null);
        if (own != null) {
            return own.qps().isPresent() ? Optional.of(new Rate(own.qps().getAsDouble(), own.capacity()))
                    : Optional.empty();
        }
        return aggregateDefault();
    }

    /** The rate every principal not listed shares; empty without {@code aggregate_default_qps}. */
    public Optional<Rate> aggregateDefault() {
        return aggregateDefaultQps.isPresent()
                ? Optional.of(new Rate(aggregateDefaultQps.getAsDouble(), aggregateDefaultCapacity))
                : Optional.empty();
    }

    /** True when {@code principal} has a limit of its own (else it falls under the aggregate default). */
    public boolean lists(String principal) {
        return limits.containsKey(principal);
    }

    public Map<String, Limit> limits() {
        return limits;
    }

    /** Most concurrent connections of a client: a principal (possibly its own limit) or, with none, an address. */
    public int maxConnections(Optional<String> principal) {
        return principal.map(limits::get).flatMap(l -> box(l.maxConnections())).orElse(defaultMaxConnections);
    }

    /** Most open event streams of a client, as {@link #maxConnections}. */
    public int maxStreams(Optional<String> principal) {
        return principal.map(limits::get).flatMap(l -> box(l.maxStreams())).orElse(defaultMaxStreams);
    }

    private static Optional<Integer> box(OptionalInt value) {
        return value.isPresent() ? Optional.of(value.getAsInt()) : Optional.empty();
    }

    private static void requireKnown(JsonNode node, Set<String> known, String where) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new IllegalArgumentException(where + ": unknown field '" + name + "'; known: "
                        + new java.util.TreeSet<>(known));
            }
        }
    }

    private static OptionalDouble qps(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber() || !(value.asDouble() > 0) || Double.isInfinite(value.asDouble())) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a positive number of requests"
                    + " per second");
        }
        return OptionalDouble.of(value.asDouble());
    }

    private static OptionalLong count(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a whole number, 0 or more");
        }
        return OptionalLong.of(value.asLong());
    }

    private static OptionalInt atLeastOne(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null) {
            return OptionalInt.empty();
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1) {
            throw new IllegalArgumentException(where + ": '" + field + "' must be a whole number, 1 or more");
        }
        return OptionalInt.of(value.asInt());
    }
}
