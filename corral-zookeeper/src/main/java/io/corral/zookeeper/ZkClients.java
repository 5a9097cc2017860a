package io.corral.zookeeper;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * Opens Curator clients to the ensemble a {@link ZkUrl} names.
 *
 * <p>Session handling follows Mesos: when a client stays disconnected for the negotiated session timeout, Curator
 * declares the session LOST by itself (its standard connection handling policy) instead of waiting for the servers to
 * report expiry; retryable operations back off up to 2 s between attempts.
 *
 * <p>Stateless; thread-safe. The returned client is thread-safe and owned by the caller, who closes it.
 */
public final class ZkClients {

    private static final int RETRY_BASE_MS = 100;
    private static final int RETRY_MAX_MS = 2_000;
    private static final int RETRY_ATTEMPTS = 10;

    private ZkClients() {
    }

    /**
     * Starts a client and waits for its first connection.
     *
     * @param sessionTimeout the session timeout to ask for (the servers clamp it, by default to 2..20 ticks)
     * @param connectTimeout how long to wait for the first connection
     * @return a started, connected client
     * @throws ZkUnreachableException if no server answered within {@code connectTimeout}; the client is closed
     */
    public static CuratorFramework connect(ZkUrl url, Duration sessionTimeout, Duration connectTimeout) {
        requirePositive(sessionTimeout, "sessionTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(url.connectString())
                .sessionTimeoutMs(Math.toIntExact(sessionTimeout.toMillis()))
                // How long an operation waits for a (re)connection; never longer than the session lives.
                .connectionTimeoutMs(Math.toIntExact(Math.min(connectTimeout.toMillis(), sessionTimeout.toMillis())))
                .retryPolicy(new BoundedExponentialBackoffRetry(RETRY_BASE_MS, RETRY_MAX_MS, RETRY_ATTEMPTS))
                .aclProvider(ZkAcls.provider(url.credentials()))
                // Keep the servers the operator listed; do not let the ensemble's dynamic config rewrite them.
                .ensembleTracker(false);
        url.credentials().ifPresent(c -> builder.authorization("digest", c.digestAuth()));

        CuratorFramework client = builder.build();
        client.start();
        boolean connected;
        try {
            connected = client.blockUntilConnected(Math.toIntExact(connectTimeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            client.close();
            Thread.currentThread().interrupt();
            throw new ZkUnreachableException("Interrupted while connecting to ZooKeeper at " + url.connectString(), e);
        }
        if (!connected) {
            client.close();
            throw new ZkUnreachableException(unreachableMessage(url, connectTimeout));
        }
        return client;
    }

    static String unreachableMessage(ZkUrl url, Duration connectTimeout) {
        return "ZooKeeper at " + url.connectString() + " is unreachable (no connection within "
                + describe(connectTimeout) + "): check that the servers in " + url + " are running";
    }

    /** "10s" for whole seconds, else "1500ms". */
    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + duration);
        }
    }
}
