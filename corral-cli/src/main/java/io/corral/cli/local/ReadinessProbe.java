package io.corral.cli.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Tells whether a supervised process is up. Each call is one quick network round trip on loopback.
 *
 * <p>Stateless; thread-safe.
 */
@FunctionalInterface
public interface ReadinessProbe {
    int TIMEOUT_MS = 500;

    boolean isUp(ProcessSpec spec);

    /** Up once its port accepts a connection. */
    static ReadinessProbe portAccepts() {
        return spec -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(spec.host(), spec.port()), TIMEOUT_MS);
                return true;
            } catch (IOException e) {
                return false;
            }
        };
    }

    /**
     * ZooKeeper servers are up once they serve requests (an ensemble member listens long before it has a quorum,
     * so an open port says little): ZooKeeper's {@code srvr} command then reports a {@code Mode:}. Other processes
     * are up once their port accepts.
     */
    static ReadinessProbe forLocalCluster() {
        ReadinessProbe port = portAccepts();
        return spec -> spec.role().equals(LocalTopology.ZK) ? zooKeeperServes(spec) : port.isUp(spec);
    }

    private static boolean zooKeeperServes(ProcessSpec spec) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(spec.host(), spec.port()), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("Mode:");
        } catch (IOException e) {
            return false;
        }
    }
}
