package io.corral.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Where a local cluster's ports come from: consecutive ports from a base, or free ports the OS picks. */
public interface PortPlan {

    /** {@code count} distinct ports. */
    List<Integer> take(int count);

    /** {@code base}, {@code base + 1}, ... */
    static PortPlan from(int base) {
        return count -> {
            if (base < 1 || base + count - 1 > 65535) {
                throw new IllegalArgumentException("--base-port " + base + " leaves no room for " + count
                        + " consecutive ports: use a port from 1024 to " + (65535 - count + 1));
            }
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ports.add(base + i);
            }
            return ports;
        };
    }

    /**
     * Ports that are free on loopback right now. All sockets stay open until every port is chosen, so the OS cannot
     * hand out the same port twice.
     */
    static PortPlan free() {
        return count -> {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                List<Integer> ports = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    sockets.add(socket);
                    ports.add(socket.getLocalPort());
                }
                return ports;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find " + count + " free ports on loopback", e);
            } finally {
                for (ServerSocket socket : sockets) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // Closing a listening socket that accepted nothing does not fail in practice.
                    }
                }
            }
        };
    }
}
