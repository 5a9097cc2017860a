package io.corral.zookeeper.health;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Asks one ZooKeeper server how it is, over its client port: {@code mntr} first (the richest answer), {@code srvr}
 * when the server's whitelist refuses {@code mntr}. Each command opens its own short-lived plain socket, bounded by
 * {@code timeout} for the connect and for every read; over TLS for an ensemble Corral speaks TLS to (ZooKeeper
 * answers four-letter words on its secure client port too).
 *
 * <p>Stateless and thread-safe; {@link #probe} blocks for at most about two timeouts and never throws.
 */
final class ServerProbe {
    /** mntr answers about 5 KB; a bound keeps a misbehaving peer from filling memory. */
    private static final int MAX_REPLY_BYTES = 1 << 20;

    private final Duration timeout;
    /** Sockets for the secure client ports of an ensemble spoken to over TLS; null for plain ports. */
    private final javax.net.ssl.SSLSocketFactory tls;

    ServerProbe(Duration timeout) {
        this(timeout, java.util.Optional.empty());
    }

    /** Over TLS when {@code tls} is present, checking the servers as Corral's ZooKeeper clients do. */
    ServerProbe(Duration timeout, java.util.Optional<io.corral.zookeeper.ZkTls> tls) {
        this.tls = tls.map(io.corral.zookeeper.ZkTls::socketFactory).orElse(null);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe timeout must be positive, e.g. 2s; got " + timeout);
        }
    }

    /** The server's health; unreachable with the reason when it does not answer. */
    ServerHealth probe(String address) {
        String host;
        int port;
        try {
            int colon = address.lastIndexOf(':');
            host = address.substring(0, colon).replace("[", "").replace("]", "");
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (RuntimeException e) {
            return ServerHealth.failed(address, false, "not a host:port address");
        }
        try {
            String reply = send(host, port, "mntr");
            if (!FourLetterWordReplies.isRefused(reply)) {
                return FourLetterWordReplies.parseMntr(address, reply);
            }
            reply = send(host, port, "srvr");
            if (FourLetterWordReplies.isRefused(reply)) {
                return ServerHealth.failed(address, true,
                        "the server allows neither mntr nor srvr: add them to its 4lw.commands.whitelist");
            }
            return FourLetterWordReplies.parseSrvr(address, reply);
        } catch (IOException e) {
            return ServerHealth.failed(address, false, describe(e));
        }
    }

    /**
     * Sends a four-letter word and reads the answer until the server closes the connection, as ZooKeeper does after
     * answering one. (ZooKeeper's own FourLetterWordMain logs every call at INFO, too loud for a poll every few
     * seconds, hence this small client.)
     */
    private String send(String host, int port, String word) throws IOException {
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            if (tls == null) {
                return exchange(socket, word, true);
            }
            try (javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) tls.createSocket(socket, host, port, true)) {
                io.corral.zookeeper.ZkTls.verifyHostname(secure);
                return exchange(secure, word, false); // TLS cannot half-close: the server closes after answering
            }
        }
    }

    private static String exchange(Socket socket, String word, boolean halfClose) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(word.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (halfClose) {
            socket.shutdownOutput();
        }
        return new String(socket.getInputStream().readNBytes(MAX_REPLY_BYTES), StandardCharsets.UTF_8);
    }

    private String describe(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof SocketTimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
