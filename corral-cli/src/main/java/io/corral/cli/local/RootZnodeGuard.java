package io.corral.cli.local;

import io.corral.zookeeper.ZkAcls;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUnreachableException;
import io.corral.zookeeper.ZkUrl;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the root znode {@code /} of the ensemble {@code corral local} runs itself: ZooKeeper leaves it
 * {@code world:anyone ALL}, so any local user could create znodes beside {@code /corral}. It gets everyone READ
 * (Mesos detectors list {@code /corral} under it; the masters' {@code json.info_} znodes stay world-readable) and
 * Corral's digest identity ALL, the ACL {@link ZkAcls} gives the root path's parents. Only for an ensemble Corral
 * started: the root of someone else's ensemble is theirs to protect.
 *
 * <p>Threading: {@link #start} runs the work on its own daemon thread, retrying until ZooKeeper serves;
 * {@link #done()} completes once the ACL is set (or the guard gave up, exceptionally).
 */
public final class RootZnodeGuard {
    private static final Logger LOG = LoggerFactory.getLogger(RootZnodeGuard.class);
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final int ATTEMPTS = 100;

    private final ZkUrl url;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    /** @param url the ensemble, with Corral's digest credentials */
    private RootZnodeGuard(ZkUrl url) {
        if (url.credentials().isEmpty()) {
            throw new IllegalArgumentException("the root znode is protected for Corral's digest identity: "
                    + "the URL needs zk://user:password@");
        }
        this.url = url;
    }

    public static RootZnodeGuard start(ZkUrl url) {
        RootZnodeGuard guard = new RootZnodeGuard(url);
        Thread thread = new Thread(guard::run, "root-znode-guard");
        thread.setDaemon(true);
        thread.start();
        return guard;
    }

    public CompletableFuture<Void> done() {
        return done;
    }

    /** The ACL {@code /} gets: everyone READ, Corral ALL. */
    static List<ACL> rootAcl(ZkUrl url) {
        return ZkAcls.of(url).aclFor("/");
    }

    private void run() {
        for (int attempt = 1; attempt <= ATTEMPTS && !done.isDone(); attempt++) {
            try (CuratorFramework client = ZkClients.connect(url, SESSION_TIMEOUT, CONNECT_TIMEOUT)) {
                client.setACL().withACL(rootAcl(url)).forPath("/");
                LOG.info("Root znode / of the local ensemble: everyone may read, only Corral may write");
                done.complete(null);
                return;
            } catch (ZkUnreachableException e) {
                LOG.debug("ZooKeeper not serving yet: {}", e.getMessage());
            } catch (Exception e) {
                LOG.warn("Could not set the ACL of / on the local ensemble: {}", e.getMessage());
                done.completeExceptionally(e);
                return;
            }
        }
        done.completeExceptionally(new IllegalStateException("ZooKeeper did not serve; / stays open"));
    }
}
