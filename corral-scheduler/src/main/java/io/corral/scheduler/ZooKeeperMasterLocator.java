package io.corral.scheduler;

import io.corral.protocol.MasterInfos;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.ZkUnreachableException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;

/**
 * The leading master as elected in ZooKeeper (the lowest {@code json.info_} znode under the root path). It follows a
 * master failover by itself, which a fixed URL cannot do once the configured master is gone.
 *
 * <p>Threading: thread-safe; the detector keeps the leader current from Curator's threads.
 */
public final class ZooKeeperMasterLocator implements MasterLocator {
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final String url;
    private final CuratorFramework curator;
    private final MasterDetector detector;
    /** Mesos's MasterInfo carries no scheme: the client says whether it speaks HTTPS. */
    private final String scheme;

    private ZooKeeperMasterLocator(String url, CuratorFramework curator, MasterDetector detector, String scheme) {
        this.url = url;
        this.scheme = scheme;
        this.curator = curator;
        this.detector = detector;
    }

    /**
     * Connects to the ensemble named by {@code zkUrl} ({@code zk://host:port[,host:port]/root}).
     *
     * @throws IllegalArgumentException when the URL is malformed
     * @throws ZkUnreachableException when no server of the ensemble answers within the connect timeout
     */
    public static ZooKeeperMasterLocator connect(String zkUrl, Duration sessionTimeout, Duration connectTimeout) {
        return connect(zkUrl, sessionTimeout, connectTimeout, "http");
    }

    /** As above, the masters' base URIs with {@code scheme} ({@code http} or {@code https}). */
    public static ZooKeeperMasterLocator connect(String zkUrl, Duration sessionTimeout, Duration connectTimeout,
                                                 String scheme) {
        return connect(ZkUrl.parse(zkUrl), sessionTimeout, connectTimeout, scheme);
    }

    /**
     * Connects to the ensemble {@code zk} names, over TLS when it carries {@link ZkUrl#tls()} (e.g.
     * {@code ZkUrl.parse("zk://zk1:2281/corral").withTls(Optional.of(ZkTls.of(ca, null)))}); the masters' base URIs
     * with {@code scheme}.
     */
    public static ZooKeeperMasterLocator connect(ZkUrl zk, Duration sessionTimeout, Duration connectTimeout,
                                                 String scheme) {
        ZkUrl parsed = zk;
        CuratorFramework curator = ZkClients.connect(parsed, sessionTimeout, connectTimeout);
        try {
            return new ZooKeeperMasterLocator(parsed.toString(), curator, new MasterDetector(curator, parsed.rootPath()),
                    scheme);
        } catch (RuntimeException e) {
            curator.close();
            throw e;
        }
    }

    public static ZooKeeperMasterLocator connect(String zkUrl) {
        return connect(zkUrl, DEFAULT_SESSION_TIMEOUT, DEFAULT_CONNECT_TIMEOUT);
    }

    /** {@link #connect(ZkUrl, Duration, Duration, String)} with the default timeouts. */
    public static ZooKeeperMasterLocator connect(ZkUrl zk, String scheme) {
        return connect(zk, DEFAULT_SESSION_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, scheme);
    }

    /** With the default timeouts, the masters' base URIs with {@code scheme}. */
    public static ZooKeeperMasterLocator connect(String zkUrl, String scheme) {
        return connect(zkUrl, DEFAULT_SESSION_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, scheme);
    }

    @Override
    public URI master(Duration timeout) throws InterruptedException {
        MasterDetector.Leader leader;
        try {
            leader = detector.awaitLeader(timeout);
        } catch (TimeoutException e) {
            throw new MasterNotFoundException("ZooKeeper at " + url + " names no leading master: " + e.getMessage());
        }
        return MasterAddresses.parseBase(MasterInfos.httpAddress(leader.info()), scheme);
    }

    @Override
    public Runnable onLeader(Runnable listener) {
        java.util.function.Consumer<java.util.Optional<MasterDetector.Leader>> watcher = leader -> {
            if (leader.isPresent()) {
                listener.run();
            }
        };
        detector.addListener(watcher);
        return () -> detector.removeListener(watcher);
    }

    @Override
    public String describe() {
        return url;
    }

    @Override
    public void close() {
        try {
            detector.close();
        } finally {
            curator.close();
        }
    }
}
