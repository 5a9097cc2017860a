package io.corral.zookeeper;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link EmbeddedZooKeeper} server needs to know.
 *
 * @param id         0 for a standalone server; 1..n for member {@code id} of an n-server ensemble
 * @param dataDir    where snapshots, transaction logs and {@code myid} live; reuse it to keep data across restarts
 * @param clientHost address the client port binds to (default 127.0.0.1)
 * @param clientPort port clients connect to
 * @param servers    for ensembles: "host:quorumPort:electionPort" of every member, in id order (entry i is id i+1);
 *                   empty for a standalone server
 * @param tls        the secure client port, when it serves one
 */
public record ZkServerConfig(int id, Path dataDir, String clientHost, int clientPort, List<String> servers,
                             java.util.Optional<ZkServerTls> tls) {

    public static final String DEFAULT_CLIENT_HOST = "127.0.0.1";

    public ZkServerConfig(int id, Path dataDir, String clientHost, int clientPort, List<String> servers) {
        this(id, dataDir, clientHost, clientPort, servers, java.util.Optional.empty());
    }

    /** The same server, also (or, {@link ZkServerTls#tlsOnly()}, only) serving TLS. */
    public ZkServerConfig withTls(java.util.Optional<ZkServerTls> tls) {
        return new ZkServerConfig(id, dataDir, clientHost, clientPort, servers, tls);
    }

    /** Whether clients reach it on a plain port (and four-letter words work in the clear). */
    public boolean servesPlain() {
        return tls.isEmpty() || !tls.get().tlsOnly();
    }

    public ZkServerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        tls = tls == null ? java.util.Optional.empty() : tls;
        clientHost = clientHost == null || clientHost.isBlank() ? DEFAULT_CLIENT_HOST : clientHost;
        servers = servers == null ? List.of() : List.copyOf(servers);
        if (clientPort < 1 || clientPort > 65535) {
            throw new IllegalArgumentException("ZooKeeper client port " + clientPort + " is out of range: use 1..65535");
        }
        if (id < 0) {
            throw new IllegalArgumentException("ZooKeeper server id " + id + " is negative: use 0 (standalone) or 1..n");
        }
        if (id == 0 && !servers.isEmpty()) {
            throw new IllegalArgumentException(
                    "a standalone ZooKeeper (id 0) takes no server list: give an id from 1 to " + servers.size());
        }
        if (id > 0 && id > servers.size()) {
            throw new IllegalArgumentException("ZooKeeper server id " + id + " has no entry in the server list of "
                    + servers.size() + ": list every member as host:quorumPort:electionPort in id order");
        }
        for (String server : servers) {
            if (server.split(":", -1).length != 3) {
                throw new IllegalArgumentException("ZooKeeper server entry '" + server
                        + "' must be host:quorumPort:electionPort, e.g. 127.0.0.1:2888:3888");
            }
        }
    }

    /** A standalone server on 127.0.0.1. */
    public static ZkServerConfig standalone(Path dataDir, int clientPort) {
        return new ZkServerConfig(0, dataDir, DEFAULT_CLIENT_HOST, clientPort, List.of());
    }

    /** Member {@code id} (1-based) of the ensemble {@code servers}, serving clients on 127.0.0.1. */
    public static ZkServerConfig member(int id, Path dataDir, int clientPort, List<String> servers) {
        return new ZkServerConfig(id, dataDir, DEFAULT_CLIENT_HOST, clientPort, servers);
    }

    public boolean isStandalone() {
        return id == 0;
    }
}
