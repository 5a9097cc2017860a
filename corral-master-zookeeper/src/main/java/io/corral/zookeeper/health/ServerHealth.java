package io.corral.zookeeper.health;

import java.util.Objects;
import java.util.Optional;

/**
 * One ZooKeeper server as its last probe saw it. The figures come from the server's own monitoring commands; they
 * are 0 when the server was not serving (unreachable, or up without a quorum).
 *
 * <p>Immutable.
 *
 * @param address             "host:port" of the server's client port, as in the connect string
 * @param reachable           the server answered on its client port
 * @param mode                its role; {@link ServerMode#UNKNOWN} unless it serves
 * @param latencyAvgMs        average request latency since the server started or its stats were reset (ms)
 * @param latencyMaxMs        highest request latency over the same period (ms)
 * @param outstandingRequests requests queued in the server, not yet answered
 * @param znodeCount          znodes in the server's data tree
 * @param connections         open client connections, this probe's own connection included
 * @param lastError           why the last probe found the server unreachable or not serving; empty when it serves
 */
public record ServerHealth(String address, boolean reachable, ServerMode mode, double latencyAvgMs, long latencyMaxMs,
                           long outstandingRequests, long znodeCount, long connections, Optional<String> lastError) {

    public ServerHealth {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(lastError, "lastError");
    }

    /** A server whose probe failed: not reachable, or reachable ({@code reachable}) but not serving. */
    public static ServerHealth failed(String address, boolean reachable, String error) {
        return new ServerHealth(address, reachable, ServerMode.UNKNOWN, 0, 0, 0, 0, 0, Optional.of(error));
    }

    /** True when the server answers clients (it has a mode). */
    public boolean isServing() {
        return reachable && mode.isServing();
    }

    public boolean isLeader() {
        return mode == ServerMode.LEADER;
    }
}
