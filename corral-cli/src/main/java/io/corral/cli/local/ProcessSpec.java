package io.corral.cli.local;

import java.nio.file.Path;
import java.util.List;

/**
 * One process of a local cluster: its identity, how to start it and where it writes. The identity (name, ports, data
 * directory in the arguments) stays the same across restarts.
 *
 * @param role       zk, master or agent
 * @param name       unique within the cluster, e.g. {@code zk-1}
 * @param corralArgs the {@code corral} subcommand and flags, e.g. {@code [zk, --id, 1, ...]}
 * @param address    what it serves on, {@code host:port}; the supervisor calls it up once this port accepts
 * @param logFile    stdout and stderr of every incarnation, appended
 * @param pidFile    holds the pid of the current incarnation
 */
public record ProcessSpec(String role, String name, List<String> corralArgs, String address, Path logFile,
                          Path pidFile) {

    public ProcessSpec {
        corralArgs = List.copyOf(corralArgs);
        if (address.lastIndexOf(':') < 0) {
            throw new IllegalArgumentException("address of " + name + " must be host:port, got " + address);
        }
    }

    public String host() {
        return address.substring(0, address.lastIndexOf(':'));
    }

    public int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
