package io.corral.cli.local;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUnreachableException;
import io.corral.zookeeper.ZkUrl;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link LeaderFeed} that asks ZooKeeper who leads (through {@link MasterDetector}, as every Mesos client does)
 * and then waits until that master answers {@code GET /master/state} with 200 before reporting it.
 *
 * <p>Threading: all work (connecting, following the detector, polling HTTP) runs on one private thread, which also
 * calls the listener; the detector's callbacks are handed over to it.
 */
public final class ZooKeeperLeaderFeed implements LeaderFeed {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperLeaderFeed.class);
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration RETRY_DELAY = Duration.ofMillis(250);

    private final ZkUrl url;
    private final Consumer<Optional<String>> listener;
    private final ScheduledExecutorService thread;
    private final HttpClient http;
    /** The local cluster's CA when it serves HTTPS; its masters are then asked over HTTPS. */
    private final Optional<ClientTls> tls;

    // Confined to the feed thread.
    private CuratorFramework client;
    private MasterDetector detector;
    private String candidate;
    private Optional<String> reported = Optional.empty();
    private boolean closed;

    /** The operator's credential, for the state requests that tell a serving leader; empty when insecure. */
    private final Optional<Credential> credential;

    private ZooKeeperLeaderFeed(ZkUrl url, Optional<Credential> credential, Optional<ClientTls> tls,
                                Consumer<Optional<String>> listener) {
        this.url = url;
        this.tls = tls;
        this.http = ClientTls.builder(tls).connectTimeout(Duration.ofSeconds(1)).build();
        this.credential = credential;
        this.listener = listener;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "leader-feed");
            t.setDaemon(true);
            return t;
        });
    }

    public static LeaderFeed open(String zkUrl, Consumer<Optional<String>> listener) {
        return open(zkUrl, Optional.empty(), Optional.empty(), listener);
    }

    /** Feeds that ask the masters as {@code credential} (the cluster's operator). */
    public static LeaderFeed.Factory as(Optional<Credential> credential) {
        return as(credential, Optional.empty());
    }

    /** Feeds that ask the masters as {@code credential}, over HTTPS checked with {@code tls} when present. */
    public static LeaderFeed.Factory as(Optional<Credential> credential, Optional<ClientTls> tls) {
        return as(credential, tls, Optional.empty());
    }

    /** As above, reading ZooKeeper over TLS with {@code zkTls} when present. */
    public static LeaderFeed.Factory as(Optional<Credential> credential, Optional<ClientTls> tls,
                                        Optional<io.corral.zookeeper.ZkTls> zkTls) {
        return (zkUrl, listener) -> open(ZkUrl.parse(zkUrl).withTls(zkTls), credential, tls, listener);
    }

    private static LeaderFeed open(String zkUrl, Optional<Credential> credential, Optional<ClientTls> tls,
                                   Consumer<Optional<String>> listener) {
        return open(ZkUrl.parse(zkUrl), credential, tls, listener);
    }

    private static LeaderFeed open(ZkUrl zkUrl, Optional<Credential> credential, Optional<ClientTls> tls,
                                   Consumer<Optional<String>> listener) {
        ZooKeeperLeaderFeed feed = new ZooKeeperLeaderFeed(zkUrl, credential, tls, listener);
        feed.thread.execute(feed::connect);
        return feed;
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            client = ZkClients.connect(url, SESSION_TIMEOUT, CONNECT_TIMEOUT);
        } catch (ZkUnreachableException e) {
            log.debug("ZooKeeper not reachable yet: {}", e.getMessage());
            thread.schedule(this::connect, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        detector = new MasterDetector(client, url.rootPath());
        detector.addListener(leader -> thread.execute(() -> leaderChanged(leader)));
    }

    private void leaderChanged(Optional<MasterDetector.Leader> leader) {
        candidate = leader.map(l -> MasterInfos.httpAddress(l.info())).orElse(null);
        if (candidate == null) {
            report(Optional.empty());
        } else {
            awaitServing(candidate);
        }
    }

    /** Polls the candidate's state endpoint until it answers 200, unless another leader took its place. */
    private void awaitServing(String address) {
        if (closed || !address.equals(candidate)) {
            return;
        }
        if (answers(address)) {
            report(Optional.of(address));
        } else {
            thread.schedule(() -> awaitServing(address), RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private boolean answers(String address) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(ClientTls.scheme(tls) + "://" + address
                        + "/master/state"))
                .timeout(Duration.ofSeconds(2))
                .GET();
        credential.ifPresent(c -> builder.header("Authorization", Authentication.basicHeader(c)));
        HttpRequest request = builder.build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void report(Optional<String> leader) {
        if (closed || Objects.equals(reported, leader)) {
            return;
        }
        reported = leader;
        listener.accept(leader);
    }

    @Override
    public void close() {
        thread.execute(() -> {
            closed = true;
            if (detector != null) {
                detector.close();
            }
            if (client != null) {
                client.close();
            }
        });
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
