package io.corral.zookeeper.presence;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of a ZooKeeper server that can stop forwarding bytes without closing any
 * connection: to the server, a client behind a frozen proxy looks exactly like a SIGSTOPped process (its session
 * gets no pings and expires); to the client, the server has gone silent.
 *
 * <p>Threading: one accept thread plus two pump threads per connection, all daemons. {@link #freeze()},
 * {@link #thaw()} and {@link #close()} may be called from any thread.
 */
final class FreezableProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private boolean frozen; // guarded by gate
    private volatile boolean closed;

    FreezableProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("proxy-accept", this::acceptLoop).start();
    }

    /** host:port to give clients instead of the server's. */
    String connectString() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Holds every byte in either direction until {@link #thaw()}; new connections are accepted but stay silent. */
    void freeze() {
        synchronized (gate) {
            frozen = true;
        }
    }

    void thaw() {
        synchronized (gate) {
            frozen = false;
            gate.notifyAll();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        thaw();
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                sockets.add(client);
                sockets.add(server);
                server.connect(target);
                daemon("proxy-up", () -> pump(client, server)).start();
                daemon("proxy-down", () -> pump(server, client)).start();
            } catch (IOException e) {
                // Closed, or the server refused this one connection: the client will retry.
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                awaitThawed();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // One side closed: close the other below.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private void awaitThawed() throws InterruptedIOException {
        synchronized (gate) {
            while (frozen && !closed) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("proxy closed");
                }
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
