package io.corral.agent.checks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** A TCP check: whether a connection to 127.0.0.1:port opens in time (1) or not (0). Always performed. */
final class TcpProbe implements Probe {
    private final int port;

    TcpProbe(int port) {
        this.port = port;
    }

    @Override
    public ProbeResult run(Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port),
                    (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return ProbeResult.of(1);
        } catch (IOException e) {
            return new ProbeResult(true, 0, "connect to 127.0.0.1:" + port + " failed: " + e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "TCP check 127.0.0.1:" + port;
    }
}
