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
        return forLocalCluster(java.util.Optional.empty());
    }

    /** As above, asking ZooKeeper over TLS when its client ports are TLS only ({@code corral local --tls}). */
    static ReadinessProbe forLocalCluster(java.util.Optional<io.corral.zookeeper.ZkTls> zkTls) {
        ReadinessProbe port = portAccepts();
        javax.net.ssl.SSLSocketFactory tls = zkTls.map(io.corral.zookeeper.ZkTls::socketFactory).orElse(null);
        return spec -> spec.role().equals(LocalTopology.ZK) ? zooKeeperServes(spec, tls) : port.isUp(spec);
    }

    private static boolean zooKeeperServes(ProcessSpec spec, javax.net.ssl.SSLSocketFactory tls) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(spec.host(), spec.port()), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            if (tls == null) {
                return srvrSaysServing(socket);
            }
            try (javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) tls.createSocket(socket, spec.host(),
                    spec.port(), true)) {
                io.corral.zookeeper.ZkTls.verifyHostname(secure);
                return srvrSaysServing(secure);
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean srvrSaysServing(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("srvr".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("Mode:");
    }
}
