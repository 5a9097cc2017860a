package io.corral.protocol.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports free on loopback right now, all different: every socket stays open until all are chosen, so the OS cannot
 * hand out the same port twice (asking for one port at a time, as curator-test's {@code InstanceSpec} does, once gave
 * two servers of a test ensemble the same client port).
 *
 * <p>Threading: stateless.
 */
public final class FreePorts {
    private FreePorts() {
    }

    /** {@code count} distinct ports that were free on loopback when asked for. */
    public static List<Integer> loopback(int count) {
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
    }
}
