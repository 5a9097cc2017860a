package io.corral.zookeeper.health;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The health of a whole ZooKeeper ensemble as one round of probes saw it: every server of the connect string, in
 * its order, and what follows for the ensemble.
 *
 * <p>The quorum is judged from the servers this client knows: a majority of the servers that are not observers must
 * serve as leader or follower (observers do not vote); a standalone server that serves is a quorum by itself. An
 * ensemble with more members than the connect string lists can therefore be judged too pessimistically, never too
 * optimistically.
 *
 * <p>Immutable.
 *
 * @param servers         every server, in connect-string order
 * @param checkedAtMillis when the probes of this round ended (ms since the epoch); 0 when never checked
 */
public record EnsembleHealth(List<ServerHealth> servers, long checkedAtMillis) {

    static final String NOT_CHECKED = "not checked yet";

    public EnsembleHealth {
        servers = List.copyOf(Objects.requireNonNull(servers, "servers"));
    }

    /** The state before the first probe: every server unknown. */
    public static EnsembleHealth unchecked(List<String> addresses) {
        return new EnsembleHealth(addresses.stream().map(a -> ServerHealth.failed(a, false, NOT_CHECKED)).toList(), 0);
    }

    /** Servers that must serve for the ensemble to have a quorum: a majority of the voting (non-observer) servers. */
    public int quorumSize() {
        long voters = servers.stream().filter(s -> s.mode() != ServerMode.OBSERVER).count();
        return (int) (voters / 2 + 1);
    }

    /** Servers that serve clients, in any mode. */
    public int serversUp() {
        return (int) servers.stream().filter(ServerHealth::isServing).count();
    }

    public boolean hasQuorum() {
        if (servers.stream().anyMatch(s -> s.isServing() && s.mode() == ServerMode.STANDALONE)) {
            return true;
        }
        long voting = servers.stream()
                .filter(s -> s.isServing() && (s.mode() == ServerMode.LEADER || s.mode() == ServerMode.FOLLOWER))
                .count();
        return leader().isPresent() && voting >= quorumSize();
    }

    /** "host:port" of the server that reports itself leader (or standalone), if any serves. */
    public Optional<String> leader() {
        return servers.stream()
                .filter(s -> s.isServing() && (s.isLeader() || s.mode() == ServerMode.STANDALONE))
                .map(ServerHealth::address)
                .findFirst();
    }

    /** The server with this address, if the ensemble lists it. */
    public Optional<ServerHealth> server(String address) {
        return servers.stream().filter(s -> s.address().equals(address)).findFirst();
    }
}
