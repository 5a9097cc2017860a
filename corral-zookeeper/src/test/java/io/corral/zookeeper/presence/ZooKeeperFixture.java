package io.corral.zookeeper.presence;

import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * A real ZooKeeper server for one test, the clients the test opens on it, and everything else the test wants closed
 * afterwards (in reverse order).
 *
 * <p>Not thread-safe: used from the test thread only.
 */
final class ZooKeeperFixture implements AutoCloseable {

    static final String ROOT = "/corral";
    static final Duration SESSION = Duration.ofSeconds(2);
    static final Duration WAIT = Duration.ofSeconds(15);

    /** A 200 ms tick grants 2 s sessions (the range is 2..20 ticks) and expires them at most a tick late. */
    private static final int TICK_MS = 200;

    private final TestingServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    ZooKeeperFixture() throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MS, -1), true);
    }

    /** A connected client with a {@link #SESSION} session. */
    CuratorFramework client() {
        return clientTo(server.getConnectString());
    }

    /** A client that reaches the server only through a proxy the test can freeze. */
    CuratorFramework clientBehind(FreezableProxy proxy) {
        return clientTo(proxy.connectString());
    }

    FreezableProxy proxy() throws Exception {
        return track(new FreezableProxy(server.getPort()));
    }

    <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private CuratorFramework clientTo(String connectString) {
        return track(ZkClients.connect(ZkUrl.parse("zk://" + connectString + ROOT), SESSION, WAIT));
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        server.close();
    }
}
