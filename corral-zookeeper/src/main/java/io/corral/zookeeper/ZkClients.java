package io.corral.zookeeper;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;

/**
 * Opens Curator clients to the ensemble a {@link ZkUrl} names.
 *
 * <p>Session handling follows Mesos: when a client stays disconnected for the negotiated session timeout, Curator
 * declares the session LOST by itself (its standard connection handling policy) instead of waiting for the servers to
 * report expiry; retryable operations back off up to 2 s between attempts.
 *
 * <p>Credentials: with {@code zk://user:password@...} the client authenticates with ZooKeeper's digest scheme and
 * creates znodes with the ACLs of {@link ZkAcls}. The digest scheme accepts any password at login and only refuses
 * operations later, so {@link #connect} checks at once that this identity may write to Corral's root: a wrong
 * password ends there with one line ({@link ZkAccessDeniedException}), not with a NoAuth error deep in some operation.
 *
 * <p>TLS: with {@link ZkUrl#tls()} the client speaks TLS to the servers' secure client ports, configured through its
 * own {@code ZKClientConfig} ({@link ZkTls}); when it cannot connect and a server refused its TLS (a certificate not
 * signed by the CA given, a plain port), the error says so in one line instead of "unreachable".
 *
 * <p>Stateless; thread-safe. The returned client is thread-safe and owned by the caller, who closes it.
 */
public final class ZkClients {

    private static final int RETRY_BASE_MS = 100;
    private static final int RETRY_MAX_MS = 2_000;
    private static final int RETRY_ATTEMPTS = 10;
    /** No znode has this version (versions count up from 0), so a conditional write with it never applies. */
    private static final int IMPOSSIBLE_VERSION = Integer.MIN_VALUE;

    private ZkClients() {
    }

    /**
     * Starts a client and waits for its first connection.
     *
     * @param sessionTimeout the session timeout to ask for (the servers clamp it, by default to 2..20 ticks)
     * @param connectTimeout how long to wait for the first connection
     * @return a started, connected client
     * @throws ZkUnreachableException  if no server answered within {@code connectTimeout}; the client is closed
     * @throws ZkAccessDeniedException if the URL has credentials and ZooKeeper refuses this identity the right to
     *                                 write to the root path (or its nearest existing parent); the client is closed
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
                .aclProvider(ZkAcls.of(url))
                // Keep the servers the operator listed; do not let the ensemble's dynamic config rewrite them.
                .ensembleTracker(false);
        url.credentials().ifPresent(c -> builder.authorization("digest", c.digestAuth()));
        // Per client, never JVM-wide: another client in this JVM may speak to another ensemble, or in the clear.
        url.tls().ifPresent(tls -> builder.zkClientConfig(tls.clientConfig()));

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
            throw new ZkUnreachableException(url.tls()
                    .flatMap(tls -> tls.diagnose(url.connectString(), connectTimeout))
                    .map(why -> "Cannot connect to ZooKeeper at " + url.connectString() + ": " + why)
                    .orElseGet(() -> unreachableMessage(url, connectTimeout)));
        }
        if (url.credentials().isPresent()) {
            try {
                checkAccess(client, url);
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
        }
        return client;
    }

    /**
     * Checks that the client may write to the root path, or, while it does not exist, to its nearest existing parent
     * (where Corral will create it). Corral's identity has every right on the znodes it created, so WRITE stands for
     * all the rights it needs.
     *
     * <p>How: it reads the znode, then writes the same bytes back on the condition of a version no znode has.
     * ZooKeeper checks the ACL before the version, so the answer is NoAuth for an identity without WRITE and
     * BadVersion for one with it, and nothing is written (no data, no watch fired, no version bumped). This asks the
     * server itself, so it holds for any ACL scheme; comparing ACLs from getACL would not, and ZooKeeper masks the
     * digests there for clients without ADMIN anyway.
     *
     * <p>Clients without credentials are not checked: they may be readers (detectors, {@code corral run}) of a
     * protected cluster, which is allowed.
     *
     * @throws ZkAccessDeniedException if ZooKeeper refuses the read or the write
     * @throws ZkUnreachableException  if ZooKeeper fails otherwise meanwhile
     */
    static void checkAccess(CuratorFramework client, ZkUrl url) {
        for (String path = url.rootPath(); ; path = ZKPaths.getPathAndNode(path).getPath()) {
            try {
                byte[] data = client.getData().forPath(path);
                client.setData().withVersion(IMPOSSIBLE_VERSION).forPath(path, data);
                return; // not reached: no znode has that version
            } catch (KeeperException.BadVersionException e) {
                return; // allowed: only the impossible version was refused
            } catch (KeeperException.NoAuthException e) {
                throw ZkAccessDeniedException.forUrl(path, url);
            } catch (KeeperException.NoNodeException e) {
                if (path.equals("/")) {
                    return; // not reached: "/" always exists; ends the walk all the same
                }
                // Not created yet: the parent decides whether Corral may create it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ZkUnreachableException("Interrupted while checking access to " + path + " in " + url, e);
            } catch (Exception e) {
                throw new ZkUnreachableException("ZooKeeper at " + url.connectString()
                        + " failed while Corral checked its access to " + path + ": " + e.getMessage(), e);
            }
        }
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
