package io.corral.zookeeper.health;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the answers of ZooKeeper's monitoring commands into a {@link ServerHealth}.
 *
 * <p>{@code mntr} answers one {@code key<TAB>value} per line ({@code zk_server_state}, {@code zk_avg_latency}...);
 * {@code srvr} answers {@code Key: value} lines ({@code Mode:}, {@code Latency min/avg/max: 0/0.5/3}...). A server
 * that does not allow a command answers "... is not executed because it is not in the whitelist."; one that runs
 * without a quorum answers "This ZooKeeper instance is not currently serving requests".
 *
 * <p>Stateless.
 */
final class FourLetterWordReplies {
    static final String NOT_SERVING = "not serving requests (it has no quorum or is still starting)";

    private FourLetterWordReplies() {}

    /** The server refused the command because its {@code 4lw.commands.whitelist} does not list it. */
    static boolean isRefused(String reply) {
        return reply.contains("not in the whitelist");
    }

    static boolean isNotServing(String reply) {
        return reply.contains("not currently serving requests");
    }

    /** Reads an {@code mntr} answer. */
    static ServerHealth parseMntr(String address, String reply) {
        Map<String, String> values = keyValues(reply, "\t");
        return health(address, reply, "mntr", values.get("zk_server_state"),
                number(values.get("zk_avg_latency")),
                (long) number(values.get("zk_max_latency")),
                (long) number(values.get("zk_outstanding_requests")),
                (long) number(values.get("zk_znode_count")),
                (long) number(values.get("zk_num_alive_connections")));
    }

    /** Reads a {@code srvr} answer. */
    static ServerHealth parseSrvr(String address, String reply) {
        Map<String, String> values = keyValues(reply, ": ");
        String[] latency = values.getOrDefault("Latency min/avg/max", "").split("/");
        return health(address, reply, "srvr", values.get("Mode"),
                latency.length == 3 ? number(latency[1]) : 0,
                latency.length == 3 ? (long) number(latency[2]) : 0,
                (long) number(values.get("Outstanding")),
                (long) number(values.get("Node count")),
                (long) number(values.get("Connections")));
    }

    private static ServerHealth health(String address, String reply, String command, String mode, double latencyAvg,
                                       long latencyMax, long outstanding, long znodes, long connections) {
        if (isNotServing(reply)) {
            return ServerHealth.failed(address, true, NOT_SERVING);
        }
        if (mode == null) {
            return ServerHealth.failed(address, true, "unexpected answer to " + command + ": " + firstLine(reply));
        }
        return new ServerHealth(address, true, ServerMode.parse(mode), latencyAvg, latencyMax, outstanding, znodes,
                connections, Optional.empty());
    }

    private static Map<String, String> keyValues(String reply, String separator) {
        Map<String, String> values = new HashMap<>();
        for (String line : reply.split("\n")) {
            int at = line.indexOf(separator);
            if (at > 0) {
                values.putIfAbsent(line.substring(0, at).strip(), line.substring(at + separator.length()).strip());
            }
        }
        return values;
    }

    /** A figure, or 0 when missing or malformed: one odd figure must not hide the server's mode. */
    private static double number(String text) {
        if (text == null) {
            return 0;
        }
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String firstLine(String reply) {
        String line = reply.strip().lines().findFirst().orElse("(empty)");
        return line.length() > 120 ? line.substring(0, 120) + "..." : line;
    }
}
