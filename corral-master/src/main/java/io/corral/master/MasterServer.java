package io.corral.master;

import io.corral.master.allocator.HierarchicalDrfAllocator;
import io.corral.master.http.Leadership;
import io.corral.master.http.MasterHttp;
import io.corral.master.http.MetricsEndpoint;
import io.corral.master.http.TokenEndpoint;
import io.corral.protocol.Durations;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.concurrent.BackgroundPriority;
import io.corral.protocol.concurrent.Closeables;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.http.HttpHandler;
import io.corral.protocol.http.HttpServer;
import io.corral.protocol.http.ClientQuotas;
import io.corral.protocol.http.HttpServerOptions;
import io.corral.protocol.http.RateLimiter;
import io.corral.protocol.http.Throttle;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.RateLimits;
import io.corral.protocol.tls.ServerTls;
import io.corral.protocol.json.MesosJson;
import io.corral.zookeeper.MasterContender;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.health.EnsembleMonitor;
import io.corral.zookeeper.presence.PresenceWatcher;
import io.corral.zookeeper.registry.RegistryMirror;
import io.corral.zookeeper.registry.RegistrySnapshot;
import io.corral.zookeeper.registry.RegistryStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.VersionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One master process: serves HTTP, contends for leadership in ZooKeeper with a {@code json.info_} znode, and runs a
 * {@link Master} while it leads. A standby redirects to the leader.
 *
 * <p>Leadership ends for good when the candidacy is lost (session expired, znode gone) or another master is seen
 * leading while this one led: the process then calls {@code onLeadershipLost} and must not act again (the CLI exits
 * and its supervisor restarts it, as Mesos masters "commit suicide").
 *
 * <p>Threading: leadership changes arrive on ZooKeeper threads and are handled one at a time on a private control
 * thread; HTTP reads {@link Leadership}, which is thread-safe.
 */
public final class MasterServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MasterServer.class);
    /** The Mesos release whose APIs Corral speaks; Mesos clients read MasterInfo.version. */
    public static final String MESOS_VERSION = "1.11.0";

    /**
     * Everything a master process needs to start.
     *
     * @param credentials the principals every route but the open ones demands (HTTP Basic); empty only for a master
     *                    started {@code --insecure}, which serves anyone, as Mesos does by default
     * @param acls        who may do what (Mesos's {@code --acls}); {@link Acls#permitAll()} without a file
     * @param tls         when present, HTTPS only ({@code --tls-cert}, {@code --tls-key}); plain HTTP otherwise
     * @param rateLimits  each client's request rate, connections and event streams (Mesos's {@code --rate_limits}
     *                    plus Corral's stream and connection limits); {@link RateLimits#none()} without a file
     */
    public record Options(ZkUrl zk, String hostname, String bindHost, int port, Duration zkSessionTimeout,
                          MasterConfig master, Optional<Credentials> credentials, Acls acls,
                          Optional<ServerTls> tls, RateLimits rateLimits, Optional<BearerTokens> tokens) {
        public Options {
            java.util.Objects.requireNonNull(tls, "tls");
            java.util.Objects.requireNonNull(rateLimits, "rateLimits");
            java.util.Objects.requireNonNull(tokens, "tokens");
        }

        /** Plain HTTP, without rate limits (the default connection and stream limits still apply). */
        public Options(ZkUrl zk, String hostname, String bindHost, int port, Duration zkSessionTimeout,
                       MasterConfig master, Optional<Credentials> credentials, Acls acls) {
            this(zk, hostname, bindHost, port, zkSessionTimeout, master, credentials, acls, Optional.empty(),
                    RateLimits.none(), Optional.empty());
        }

        /** The same options, serving HTTPS with {@code tls}. */
        public Options withTls(ServerTls tls) {
            return new Options(zk, hostname, bindHost, port, zkSessionTimeout, master, credentials, acls,
                    Optional.of(tls), rateLimits, tokens);
        }

        public Options withRateLimits(RateLimits limits) {
            return new Options(zk, hostname, bindHost, port, zkSessionTimeout, master, credentials, acls, tls,
                    limits, tokens);
        }

        /** The same options, accepting and issuing bearer tokens signed with {@code tokens}' key. */
        public Options withTokens(BearerTokens tokens) {
            return new Options(zk, hostname, bindHost, port, zkSessionTimeout, master, credentials, acls, tls,
                    rateLimits, Optional.of(tokens));
        }

        /** Options for a master that authenticates nobody: tests and {@code --insecure}. */
        public static Options insecure(ZkUrl zk, String hostname, String bindHost, int port,
                                       Duration zkSessionTimeout, MasterConfig master) {
            return new Options(zk, hostname, bindHost, port, zkSessionTimeout, master, Optional.empty(),
                    Acls.permitAll());
        }
    }

    /** Paths served without credentials: liveness and version probes (load balancers, Mesos tooling). */
    public static final java.util.Set<String> OPEN_PATHS = java.util.Set.of("/health", "/master/health", "/version",
            "/master/version");

    private final Options options;
    /** The settings the next leadership term starts with; updated live from the cluster configuration. */
    private volatile MasterConfig masterConfig;
    private final Runnable onLeadershipLost;
    private final Leadership leadership = new Leadership();
    private final ExecutorService control = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "master-leadership");
        t.setDaemon(true);
        return t;
    });
    /**
     * How many steps of nice the readers run below the process (10: nice 10 for a master started at 0);
     * {@code -Dcorral.master.reader-nice=0} keeps them at the loop's priority.
     */
    private static final int READER_NICE = Integer.getInteger("corral.master.reader-nice", 10);
    /**
     * Serializes published views (state, metrics) for HTTP readers, so neither the loop nor I/O threads do. Its threads
     * run at a lower CPU priority ({@link #READER_NICE}): twenty dashboards reading a large state back to back would
     * otherwise take the cores the loop needs to allocate and launch.
     */
    private final ExecutorService readers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(() -> {
            if (READER_NICE > 0) {
                BackgroundPriority.lowerCurrentThread(READER_NICE);
            }
            r.run();
        }, "master-reader");
        t.setDaemon(true);
        return t;
    });
    /** This process's Prometheus registry: /metrics, and the meters every term records into. */
    private final PrometheusMetrics prometheus = new PrometheusMetrics();
    private final AllocationTimes allocationTimes = new AllocationTimes(prometheus.registry());
    private HttpServer http;
    private Throttle throttle;
    private EnsembleMonitor zkHealth;
    private CuratorFramework zk;
    private MasterDetector detector;
    private MasterContender contender;
    private MasterInfo info;
    /** The running leadership term's resources; null unless LEADING (or SUSPENDED after leading). */
    private Term term;
    /**
     * The last term's loop, for the HTTP threads: large answers wait while it runs an event (a closed one runs none).
     * Null before the first term.
     */
    private volatile EventLoop lastLoop;
    /** While following: reads and replays the registry now and then, so that a recovery runs warm. */
    private RecoveryRehearsal rehearsal;
    /** Until it leads: a copy of the registry kept current, so that its recovery need not read it whole. */
    private RegistryMirror mirror;

    /** The loop, timers and Master of one leadership term. */
    private record Term(EventLoop loop, SystemTimers timers, Master master, PresenceWatcher presence,
                        RegistryStore registry) {
        void close() {
            presence.close();
            registry.close();
            master.close();
            timers.close();
            loop.close();
        }
    }

    private MasterServer(Options options, Runnable onLeadershipLost) {
        this.options = options;
        this.masterConfig = options.master();
        this.onLeadershipLost = onLeadershipLost;
    }

    /** Starts serving and contending; returns once the candidacy is registered in ZooKeeper. */
    public static MasterServer start(Options options, Runnable onLeadershipLost) throws Exception {
        if (READER_NICE < 0 || READER_NICE > 19) { // else each reader thread would fail before its first reading
            throw new IllegalArgumentException("-Dcorral.master.reader-nice must be 0 (off) to 19, not " + READER_NICE);
        }
        MasterServer server = new MasterServer(options, onLeadershipLost);
        try {
            server.startAll();
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void startAll() throws Exception {
        zkHealth = EnsembleMonitor.start(options.zk());
        MetricsEndpoint metrics = MetricsEndpoint.forMaster(leadership,
                master -> master.view().thenApplyAsync(view -> MasterCounting.count(view, allocationTimes.stats()),
                        readers),
                zkHealth::health, java.time.Clock.systemUTC(), prometheus, readers);
        HttpHandler routes = new MasterHttp(leadership, metrics, readers, this::flags, versionInfo(),
                LoggingLevels.ofLogback(), options.acls());
        routes = new TokenEndpoint(options.tokens(), java.time.InstantSource.system(), routes);
        // Inside authentication, so that limits apply to the principal; anonymous clients (--insecure) are held to
        // the aggregate rate and counted by address.
        throttle = new Throttle(new RateLimiter(options.rateLimits(), System::nanoTime), OPEN_PATHS::contains, routes,
                this::countThrottled);
        routes = throttle;
        if (options.credentials().isPresent()) {
            // Refusals are counted: a climbing count is someone guessing secrets, or a client missing its credential.
            io.micrometer.core.instrument.Counter refused = io.micrometer.core.instrument.Counter
                    .builder("corral.http.authentication.failures")
                    .description("HTTP requests refused for missing or wrong credentials (401)")
                    .register(prometheus.registry());
            routes = new Authentication(options.credentials().get(), options.tokens(),
                    java.time.InstantSource.system(), OPEN_PATHS::contains, routes, refused::increment);
        } else {
            LOG.warn("INSECURE: this master authenticates nobody (--insecure): anyone who reaches port {} can act"
                    + " as any framework, agent or operator", options.port());
        }
        warnIfPlainOnNetwork(options);
        http = HttpServer.start(options.bindHost(), options.port(), routes,
                HttpServerOptions.defaults().withTls(options.tls()).withLargeAnswersWaitingWhile(this::loopIsDeciding),
                new ClientQuotas(options.rateLimits()));
        info = MasterInfos.create(UUID.randomUUID().toString(), options.hostname(), resolveIp(options.hostname()),
                http.port(), MESOS_VERSION);
        zk = ZkClients.connect(options.zk(), options.zkSessionTimeout(), Duration.ofSeconds(15));
        zk.getConnectionStateListenable().addListener((client, state) -> onControl(() -> onConnection(state)));
        // Before the candidacy: once the detector reports this master elected, the control thread's lead() reads the
        // mirror. Started after it, an election in the gap read null and deposed this master for good (CI saw it).
        mirror = RegistryMirror.start(zk, options.zk().rootPath());
        contender = new MasterContender(zk, options.zk().rootPath(), MesosJson.printBytes(info));
        contender.addListener(() -> onControl(() -> loseLeadership("candidacy lost (ZooKeeper session ended)")));
        contender.start();
        // Only now: every leader the detector reports can be compared with our own node.
        detector = new MasterDetector(zk, options.zk().rootPath());
        detector.addListener(leader -> onControl(() -> onLeaderChange(leader)));
        rehearsal = RecoveryRehearsal.start(zk, options.zk().rootPath(), Optional.of(mirror), info, () -> masterConfig,
                () -> isFollowingAnother(leadership.lifecycle()));
        LOG.info("Master {} serving on {}://{}:{}, contending as {}", info.getId(), http.scheme(),
                options.hostname(), http.port(), contender.ownNodeName());
    }

    /**
     * Counts a request answered 429 by the rate or connection limits, per principal: which client is being held back
     * (a runaway framework, a limit set too low) is what an operator needs to know. Principals come from the
     * credentials file, so the label's values are bounded.
     */
    private void countThrottled(Optional<String> principal) {
        io.micrometer.core.instrument.Counter.builder("corral.http.throttled")
                .description("HTTP requests refused by the rate or connection limits (429)")
                .tag("principal", Throttle.principalLabel(principal))
                .register(prometheus.registry()).increment();
    }

    /**
     * Plain HTTP beyond this machine sends every credential (HTTP Basic) and every task's data in the clear: said at
     * start, so that it is a choice and not an accident. Loopback is left alone: {@code corral local} and tests.
     */
    private static void warnIfPlainOnNetwork(Options options) {
        if (options.tls().isPresent()) {
            return;
        }
        boolean loopback;
        try {
            loopback = InetAddress.getByName(options.bindHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false; // HttpServer.start reports the bad name
        }
        if (!loopback) {
            LOG.warn("PLAIN HTTP: this master listens on {} without TLS: credentials and task data cross the network"
                    + " in the clear; pass --tls-cert and --tls-key (see docs/security.md)", options.bindHost());
        }
    }

    /**
     * Runs ZooKeeper's news on the control thread. Once {@link #close} has shut that thread down, the news (the
     * session ending as the client closes, say) is dropped: a closing master decides nothing more.
     */
    private void onControl(Runnable work) {
        try {
            control.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("Closing: ignoring ZooKeeper news that came after the control thread stopped");
        }
    }

    public int port() {
        return http.port();
    }

    /**
     * What GET_FLAGS and {@code /flags} show: this process's options and the settings in force, with Mesos's flag
     * names where one exists. The ZooKeeper URL's password is masked.
     */
    private Map<String, String> flags() {
        MasterConfig config = masterConfig;
        Map<String, String> flags = new java.util.LinkedHashMap<>();
        flags.put("hostname", options.hostname());
        flags.put("ip", options.bindHost());
        flags.put("port", Integer.toString(http.port()));
        flags.put("zk", options.zk().toString());
        flags.put("zk_session_timeout", Durations.format(options.zkSessionTimeout()));
        // Mesos's names, so tools that read /flags to decide whether to send credentials keep working.
        String authenticates = Boolean.toString(options.credentials().isPresent());
        for (String flag : new String[] {"authenticate_frameworks", "authenticate_agents",
                "authenticate_http_frameworks", "authenticate_http_readonly", "authenticate_http_readwrite"}) {
            flags.put(flag, authenticates);
        }
        flags.put("bearer_tokens", Boolean.toString(options.tokens().isPresent()));
        flags.put("allocation_interval", Durations.format(config.allocationInterval()));
        flags.put("offer_timeout", config.offerTimeout().map(Durations::format).orElse(""));
        flags.put("agent_ping_timeout", Durations.format(config.agentPingInterval()));
        flags.put("max_agent_ping_timeouts", Integer.toString(config.maxAgentPingTimeouts()));
        flags.put("agent_reregister_timeout", Durations.format(config.agentReregisterTimeout()));
        flags.put("max_frameworks_per_principal", Integer.toString(config.maxFrameworksPerPrincipal()));
        return flags;
    }

    /** The Mesos release whose APIs Corral speaks, and which Corral build serves them. */
    private static VersionInfo versionInfo() {
        String corral = java.util.Optional.ofNullable(MasterServer.class.getPackage().getImplementationVersion())
                .orElse("dev");
        return VersionInfo.newBuilder().setVersion(MESOS_VERSION).setBuildUser("corral")
                .setGitTag("corral-" + corral).build();
    }

    public MasterInfo info() {
        return info;
    }

    /** This master's ZooKeeper client, for tools and tests that inspect or break its session. */
    public CuratorFramework zookeeper() {
        return zk;
    }

    /** Applies new settings now (to the running term, if leading) and to every later term. */
    public void updateConfig(MasterConfig config) {
        masterConfig = config;
        onControl(() -> {
            if (term != null) {
                Master master = term.master();
                master.execute(() -> master.updateConfig(config));
            }
        });
    }

    public MasterConfig config() {
        return masterConfig;
    }

    public boolean isLeading() {
        return leadership.master().isPresent();
    }

    /** Where this master stands: following, claiming, recovering, leading, suspended or deposed. */
    public MasterLifecycle lifecycle() {
        return leadership.lifecycle();
    }

    private static boolean isFollowingAnother(MasterLifecycle lifecycle) {
        return lifecycle.phase() == MasterLifecycle.Phase.FOLLOWING && lifecycle.leaderAddress().isPresent();
    }

    private void onLeaderChange(Optional<MasterDetector.Leader> leader) {
        MasterLifecycle now = leadership.lifecycle();
        if (now.phase() == MasterLifecycle.Phase.DEPOSED) {
            return;
        }
        boolean ours = leader.isPresent() && leader.get().nodeName().equals(contender.ownNodeName());
        if (ours && !now.isElected()) {
            lead();
        } else if (!ours && now.isElected()) {
            loseLeadership("another master leads now");
        } else if (!ours) {
            leadership.set(now.follow(leader.map(l -> MasterInfos.httpAddress(l.info()))));
        }
    }

    /**
     * SUSPENDED: stop deciding (the APIs answer 503) until RECONNECTED with the same session; LOST ends the
     * candidacy for good (the contender reports it and {@link #loseLeadership} runs).
     */
    private void onConnection(ConnectionState state) {
        switch (state) {
            case SUSPENDED -> {
                LOG.warn("ZooKeeper connection suspended: making no decisions until it is back");
                leadership.set(leadership.lifecycle().suspend());
                if (term != null) {
                    Master master = term.master();
                    master.execute(() -> master.setPaused(true));
                }
            }
            case RECONNECTED -> {
                if (contender.hasCandidacy()) {
                    LOG.info("ZooKeeper connection back with the same session: resuming");
                    leadership.set(leadership.lifecycle().resume());
                    if (term != null) {
                        Master master = term.master();
                        master.execute(() -> master.setPaused(false));
                    }
                }
            }
            case LOST -> loseLeadership("ZooKeeper session lost");
            default -> { }
        }
    }

    /**
     * Won the election: claim the registry (fencing every earlier leader), read it, replay it into a new Master, and
     * only then serve; until then the APIs' requests wait for it, a few seconds at most, then hear 503 "Master has
     * not finished recovery", as Mesos answers at once.
     */
    private void lead() {
        leadership.set(leadership.lifecycle().claim(MasterInfos.httpAddress(info)));
        LOG.info("Elected leader: master {} at {}; claiming and recovering the registry", info.getId(),
                MasterInfos.httpAddress(info));
        RegistryStore store = new RegistryStore(zk, options.zk().rootPath());
        RecoveryTimes times = new RecoveryTimes(System.nanoTime());
        store.claimLeadership(contender.ownNodePath(), info)
                .thenCompose(claim -> {
                    times.claimedNanos = System.nanoTime();
                    onControl(this::claimed);
                    return store.load(mirror);
                })
                .whenComplete((snapshot, failure) -> {
                    times.loadedNanos = System.nanoTime();
                    onControl(() -> recovered(store, snapshot, failure, times));
                });
    }

    /**
     * When each step of a recovery ended, for the "Leading" log line (operators compare failovers by it). Written by
     * ZooKeeper's threads before the hand-over to the control thread, which reads it.
     */
    private static final class RecoveryTimes {
        final long electedNanos;
        volatile long claimedNanos;
        volatile long loadedNanos;

        RecoveryTimes(long electedNanos) {
            this.electedNanos = electedNanos;
        }

        String describe(long leadingNanos) {
            return String.format("recovered in %d ms: claim %d ms, registry read %d ms, replay %d ms",
                    millis(leadingNanos - electedNanos), millis(claimedNanos - electedNanos),
                    millis(loadedNanos - claimedNanos), millis(leadingNanos - loadedNanos));
        }

        private static long millis(long nanos) {
            return nanos / 1_000_000;
        }
    }

    /** Every earlier leader is fenced; the registry is being read. */
    private void claimed() {
        if (leadership.lifecycle().isElected()) {
            leadership.set(leadership.lifecycle().recover());
        }
    }

    private void recovered(RegistryStore store, RegistrySnapshot snapshot, Throwable failure, RecoveryTimes times) {
        if (!leadership.lifecycle().isElected()) {
            store.close(); // deposed meanwhile
            return;
        }
        if (failure != null) {
            store.close();
            loseLeadership("could not claim and read the registry: " + failure);
            return;
        }
        EventLoop loop = new EventLoop("master-loop");
        SystemTimers timers = new SystemTimers(loop, "master");
        Master master = new Master(info, masterConfig, loop, timers, new HierarchicalDrfAllocator(), new SecureRandom(),
                Registry.of(store), allocationTimes, options.acls());
        loop.submit(() -> {
            master.recover(snapshot);
            master.start();
            return null;
        }).join();
        LOG.info("Recovered {} agents, {} frameworks, {} roles, {} agent modes and {} scheduled maintenance windows"
                        + " from the registry (epoch {})", snapshot.agents().size(), snapshot.frameworks().size(),
                snapshot.roles().size(), snapshot.agentModes().size(),
                snapshot.maintenance().schedule().getWindowsCount(), snapshot.meta().epoch());
        PresenceWatcher presence = watchPresence(master);
        // The reason says which: this master's session ended (an overloaded machine, a partition) or another claimed.
        store.whenFenced().thenAccept(fenced -> onControl(
                () -> loseLeadership("the registry fenced this master: " + fenced.getMessage())));
        term = new Term(loop, timers, master, presence, store);
        lastLoop = loop;
        MasterLifecycle leading = leadership.lifecycle().lead(master);
        if (leading.phase() == MasterLifecycle.Phase.SUSPENDED) {
            master.execute(() -> master.setPaused(true)); // suspended while recovering: no decisions yet
        }
        int waited = leadership.waitingForRecovery();
        leadership.set(leading);
        LOG.info("Leading: master {} serves at {} (registry epoch {}; {}; {} requests waited for it)", info.getId(),
                MasterInfos.httpAddress(info), snapshot.meta().epoch(), times.describe(System.nanoTime()), waited);
        mirror.close(); // the leader writes the registry: it needs no copy, nor a notification of each write
    }

    /**
     * Whether the leading master's loop is running an event: large answers (whole states for dashboards) wait
     * meanwhile, so that the loop's decisions, an allocation cycle over 10,000 agents say, get a core of their own.
     */
    private boolean loopIsDeciding() {
        EventLoop loop = lastLoop;
        return loop != null && loop.isRunningEvent();
    }

    /** Agents' presence znodes: a vanished one (process died, host hung) makes the agent unreachable. */
    private PresenceWatcher watchPresence(Master master) {
        PresenceWatcher presence = new PresenceWatcher(zk, options.zk().rootPath(), new PresenceWatcher.Listener() {
            @Override
            public void present(java.util.Set<String> agentIds) {
                // Not used to judge agents recovered from the registry: after an ensemble outage every agent's
                // session (and presence) may have ended while the agents are fine; they get
                // agent_reregister_timeout to come back, as in Mesos.
            }

            @Override
            public void appeared(String agentId, String address) {
                master.execute(() -> master.agents().presenceBack(agentId));
            }

            @Override
            public void disappeared(String agentId) {
                master.execute(() -> master.agents().presenceLost(agentId));
            }
        });
        presence.start();
        return presence;
    }

    private void loseLeadership(String why) {
        if (leadership.lifecycle().phase() == MasterLifecycle.Phase.DEPOSED) {
            return;
        }
        leadership.set(leadership.lifecycle().depose(why));
        if (term != null) {
            LOG.error("Lost leadership: {}; stepping down for good", why);
            term.close();
            term = null;
        } else {
            LOG.error("Lost candidacy: {}", why);
        }
        onLeadershipLost.run();
    }

    private static String resolveIp(String hostname) throws UnknownHostException {
        for (InetAddress address : InetAddress.getAllByName(hostname)) {
            if (address instanceof java.net.Inet4Address) {
                return address.getHostAddress();
            }
        }
        throw new UnknownHostException("no IPv4 address for " + hostname);
    }

    @Override
    public void close() {
        control.submit(() -> {
            leadership.set(leadership.lifecycle().depose("closed"));
            if (term != null) {
                term.close();
                term = null;
            }
        });
        control.shutdown();
        try {
            control.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Closeables.closeAll(rehearsal, mirror, contender, detector, zk, http, zkHealth);
        readers.shutdownNow();
    }


}
