package io.corral.zookeeper.health;

import io.corral.zookeeper.ZkUrl;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every server of a ZooKeeper ensemble through its monitoring commands ({@code mntr}, or {@code srvr} where
 * {@code mntr} is not allowed) and keeps the latest {@link EnsembleHealth}. Masters run one for {@code /metrics} and
 * {@code /master/zookeeper}; {@code corral status} uses {@link #checkOnce} directly.
 *
 * <p>It polls rather than asking on demand so that a metrics scrape never waits on a dead server's socket timeout.
 * A server that goes down, comes back or changes role, and the loss or return of the quorum, are logged once each.
 *
 * <p>Threading: one private poller thread runs a round every {@code interval} (rounds never overlap); within a round
 * the servers are probed in parallel, one thread each, so a hung server delays no other. {@link #health()} may be
 * called from any thread and never blocks. {@link #close()} is idempotent.
 */
public final class EnsembleMonitor implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** Per connect and per read: a loopback or LAN server answers in milliseconds even when busy. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(EnsembleMonitor.class);

    private final List<String> servers;
    private final ServerProbe probe;
    private final Clock clock;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(daemon("zk-health"));
    private final ExecutorService probes;
    private volatile EnsembleHealth health;

    private EnsembleMonitor(List<String> servers, Duration timeout, Clock clock) {
        this(servers, timeout, clock, java.util.Optional.empty());
    }

    private EnsembleMonitor(List<String> servers, Duration timeout, Clock clock,
                            java.util.Optional<io.corral.zookeeper.ZkTls> tls) {
        this.servers = servers;
        this.probe = new ServerProbe(timeout, tls);
        this.clock = clock;
        this.probes = Executors.newFixedThreadPool(servers.size(), daemon("zk-health-probe"));
        this.health = EnsembleHealth.unchecked(servers);
    }

    /** Watches the ensemble of {@code zk}'s connect string, every 5 s with a 2 s timeout. */
    public static EnsembleMonitor start(ZkUrl zk) {
        EnsembleMonitor monitor = new EnsembleMonitor(requireServers(servers(zk)), DEFAULT_TIMEOUT, Clock.systemUTC(),
                zk.tls());
        monitor.poller.scheduleWithFixedDelay(monitor::pollOnce, 0, DEFAULT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return monitor;
    }

    /** One round of probes of {@code zk}'s servers, over TLS when the URL says so. */
    public static EnsembleHealth checkOnce(ZkUrl zk, Duration timeout, Clock clock) {
        EnsembleMonitor monitor = new EnsembleMonitor(requireServers(servers(zk)), timeout, clock, zk.tls());
        try {
            return monitor.round();
        } finally {
            monitor.close();
        }
    }

    /**
     * Starts polling at once, then every {@code interval}.
     *
     * @param servers  "host:port" of every server's client port
     * @param timeout  bound on each connect and read of a probe
     * @param clock    stamps each round ({@link EnsembleHealth#checkedAtMillis()})
     */
    public static EnsembleMonitor start(List<String> servers, Duration interval, Duration timeout, Clock clock) {
        requirePositive(interval, "poll interval");
        EnsembleMonitor monitor = new EnsembleMonitor(requireServers(servers), timeout, clock);
        monitor.poller.scheduleWithFixedDelay(monitor::pollOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return monitor;
    }

    /** One round of probes, on the calling thread's behalf (for one-shot tools such as {@code corral status}). */
    public static EnsembleHealth checkOnce(List<String> servers, Duration timeout, Clock clock) {
        EnsembleMonitor monitor = new EnsembleMonitor(requireServers(servers), timeout, clock);
        try {
            return monitor.round();
        } finally {
            monitor.close();
        }
    }

    /** The "host:port" servers of a zk:// URL's connect string, in order. */
    public static List<String> servers(ZkUrl zk) {
        return List.of(zk.connectString().split(","));
    }

    /** The health as of the latest round; every server "not checked yet" before the first round ends. */
    public EnsembleHealth health() {
        return health;
    }

    @Override
    public void close() {
        poller.shutdownNow();
        probes.shutdownNow();
    }

    private void pollOnce() {
        try {
            EnsembleHealth next = round();
            logChanges(health, next);
            health = next;
        } catch (RuntimeException e) {
            // A failed round must not end the schedule (a ScheduledExecutorService silently drops a task that throws).
            if (!poller.isShutdown()) {
                LOG.error("ZooKeeper health round failed", e);
            }
        }
    }

    /**
     * Probes every server in parallel and waits for all; each probe is bounded by the timeout and never throws. The
     * pool has one thread per server and rounds never overlap, so no probe ever waits in a queue.
     */
    private EnsembleHealth round() {
        List<CompletableFuture<ServerHealth>> answers = new ArrayList<>();
        for (String server : servers) {
            answers.add(CompletableFuture.supplyAsync(() -> probe.probe(server), probes));
        }
        List<ServerHealth> results = answers.stream().map(CompletableFuture::join).toList();
        return new EnsembleHealth(results, clock.millis());
    }

    private static void logChanges(EnsembleHealth before, EnsembleHealth after) {
        boolean firstRound = before.checkedAtMillis() == 0;
        for (ServerHealth now : after.servers()) {
            ServerHealth was = before.server(now.address()).orElseThrow();
            if (!now.isServing() && (was.isServing() || firstRound)) {
                LOG.warn("ZooKeeper server {} is down: {}", now.address(), now.lastError().orElse("?"));
            } else if (now.isServing() && !firstRound && now.mode() != was.mode()) {
                LOG.info("ZooKeeper server {} serves as {}", now.address(), now.mode().label());
            }
        }
        if (!after.hasQuorum() && (before.hasQuorum() || firstRound)) {
            LOG.warn("ZooKeeper ensemble has no quorum: {} of {} servers serve, {} needed", after.serversUp(),
                    after.servers().size(), after.quorumSize());
        } else if (after.hasQuorum() && !before.hasQuorum() && !firstRound) {
            LOG.info("ZooKeeper ensemble has its quorum again; leader {}", after.leader().orElse("?"));
        }
    }

    private static List<String> requireServers(List<String> servers) {
        Objects.requireNonNull(servers, "servers");
        if (servers.isEmpty() || servers.stream().anyMatch(s -> s == null || s.isBlank())) {
            throw new IllegalArgumentException("list the ZooKeeper servers to watch as host:port, e.g. "
                    + "127.0.0.1:2181; got " + servers);
        }
        return List.copyOf(servers);
    }

    private static void requirePositive(Duration duration, String what) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, e.g. 5s; got " + duration);
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
