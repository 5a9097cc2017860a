package io.corral.zookeeper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.apache.zookeeper.common.X509Exception;
import org.apache.zookeeper.server.DatadirCleanupManager;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeer;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ZooKeeper server in this JVM, started through ZooKeeper's own embedding API: {@link ZooKeeperServerMain}
 * for a standalone server, {@link QuorumPeerMain} for an ensemble member. Each runs in its own thread.
 *
 * <p>Settings and why:
 * <ul>
 *   <li>tickTime 100 ms: ZooKeeper looks for expired sessions once a tick, so a dead leader's session ends within
 *       100 ms of its timeout (with 500 ms ticks, up to half a second later: a sixth of a 3 s failover). Session
 *       timeouts are allowed from 1 s to 60 s, set explicitly: ZooKeeper's own bounds (2 to 20 ticks) would cap them
 *       at 2 s. Mesos' default session is 10 s; tests want 1-2 s sessions to see failover quickly.</li>
 *   <li>initLimit 100 / syncLimit 50 ticks (10 s / 5 s): generous on loopback even on a loaded two-core machine.</li>
 *   <li>The admin HTTP server is off (it would claim port 8080 once per JVM) and the four-letter words that
 *       monitoring needs are allowed. Both are JVM-wide system properties in ZooKeeper, set before the start.</li>
 *   <li>Autopurge keeps the last 3 snapshots, checked every hour ({@code runFromConfig} does not start the purge
 *       task itself, so this class runs ZooKeeper's {@link DatadirCleanupManager}).</li>
 * </ul>
 * Data lives in {@code dataDir}; starting again from the same directory keeps every persistent znode.
 *
 * <p>Threading: {@link #start} returns once the server listens on its client port. All public methods are
 * thread-safe; {@link #close()} is idempotent and waits until the server thread has ended, so the same ports and
 * directory can be reused right away.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

    public static final int TICK_TIME_MS = 100;
    public static final int MIN_SESSION_TIMEOUT_MS = 1_000;
    public static final int MAX_SESSION_TIMEOUT_MS = 60_000;
    private static final int INIT_LIMIT_TICKS = 100;
    private static final int SYNC_LIMIT_TICKS = 50;
    static final String FOUR_LETTER_WORDS = "mntr,ruok,srvr,stat,conf,cons,isro,envi";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int FOUR_LETTER_WORD_TIMEOUT_MS = 5_000;
    /**
     * JVM-wide ZooKeeper properties that keep a re-election after the leader dies well inside the masters' 5 s
     * sessions (an operator's own value wins):
     * <ul>
     *   <li>{@code zookeeper.fastleader.maxNotificationInterval}: a member back in LOOKING retries its notifications at
     *       least every second instead of backing off to ZooKeeper's default minute.</li>
     *   <li>{@code zookeeper.leader.maxTimeToWaitForEpoch}: a new leader whose voter changed its mind (it followed a
     *       stale notification naming the dead leader, failed to connect and is LOOKING again) gives up after 1 s and
     *       re-elects, instead of waiting out initLimit (10 s) for a quorum that cannot come: the voter cannot
     *       rejoin a leader that only it would make a quorum. Off by default in ZooKeeper (ZOOKEEPER-3109).</li>
     * </ul>
     */
    private static final Map<String, String> FAST_ELECTION_PROPERTIES = Map.of(
            "zookeeper.fastleader.maxNotificationInterval", "1000",
            "zookeeper.leader.maxTimeToWaitForEpoch", "1000");

    private final ZkServerConfig config;
    private final Runner runner;
    private final Thread thread;
    private final DatadirCleanupManager purger;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile boolean closed;

    private EmbeddedZooKeeper(ZkServerConfig config, Runner runner, DatadirCleanupManager purger) {
        this.config = config;
        this.runner = runner;
        this.purger = purger;
        this.thread = new Thread(this::runServer, "zookeeper-" + (config.isStandalone() ? "standalone" : "member-" + config.id()));
        this.thread.setDaemon(true);
    }

    /**
     * Sets {@link #FAST_ELECTION_PROPERTIES} that are not set yet. ZooKeeper reads them once per JVM, when its
     * election and leader classes load, so an ensemble started some other way in this JVM (a test's) calls this
     * first to behave as Corral's own.
     */
    public static void useFastElections() {
        FAST_ELECTION_PROPERTIES.forEach((name, value) -> {
            if (System.getProperty(name) == null) {
                System.setProperty(name, value);
            }
        });
    }

    /**
     * Starts a server and returns once it listens on its client port. An ensemble member serves only after a
     * quorum of members runs: use {@link #awaitServing(Duration)}.
     *
     * @throws IOException if the data directory cannot be prepared or the server fails to start (e.g. port in use)
     */
    public static EmbeddedZooKeeper start(ZkServerConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        if (!config.isStandalone()) {
            // QuorumPeerConfig reads the member's id from this file.
            Files.writeString(config.dataDir().resolve("myid"), Integer.toString(config.id()), StandardCharsets.US_ASCII);
        }
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.4lw.commands.whitelist", FOUR_LETTER_WORDS);
        useFastElections();
        config.tls().ifPresent(tls -> JvmServerTls.claim(tls.checked()));

        QuorumPeerConfig peerConfig;
        try {
            peerConfig = parse(config);
        } catch (RuntimeException e) {
            config.tls().ifPresent(JvmServerTls::release);
            throw e;
        }
        Runner runner = config.isStandalone() ? new StandaloneRunner(peerConfig) : new MemberRunner(peerConfig);
        DatadirCleanupManager purger = new DatadirCleanupManager(peerConfig.getDataDir(), peerConfig.getDataLogDir(),
                peerConfig.getSnapRetainCount(), peerConfig.getPurgeInterval());
        EmbeddedZooKeeper server = new EmbeddedZooKeeper(config, runner, purger);
        server.thread.start();
        server.awaitListening();
        purger.start();
        LOG.info("ZooKeeper {} listens on {}", server.describe(), server.connectString());
        return server;
    }

    /** "host:port" of this server's client port: the plain one, or the secure one of a TLS-only server. */
    public String connectString() {
        return config.clientHost() + ":" + (config.servesPlain() ? config.clientPort() : config.tls().get().securePort());
    }

    /** "host:port" of this server's secure client port, when it serves one. */
    public java.util.Optional<String> secureConnectString() {
        return config.tls().map(tls -> config.clientHost() + ":" + tls.securePort());
    }

    public ZkServerConfig config() {
        return config;
    }

    /**
     * Waits until this server accepts client sessions: at once for a standalone server, once it has joined a
     * quorum for an ensemble member.
     *
     * @throws TimeoutException if it does not serve within {@code timeout}
     */
    public void awaitServing(Duration timeout) throws TimeoutException, InterruptedException {
        if (!config.servesPlain()) {
            awaitServingInProcess(timeout); // a plain probe client has no port to dial, and trusts no CA
            return;
        }
        CountDownLatch connected = new CountDownLatch(1);
        Watcher watcher = event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        };
        ZooKeeper probe;
        try {
            probe = new ZooKeeper(connectString(), MAX_SESSION_TIMEOUT_MS, watcher);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a probe client to " + connectString(), e);
        }
        try {
            if (!connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                failIfExited();
                throw new TimeoutException("ZooKeeper " + describe() + " at " + connectString()
                        + " is not serving after " + ZkClients.describe(timeout)
                        + (config.isStandalone() ? "" : ": check that a majority of " + config.servers() + " runs"));
            }
        } finally {
            probe.close();
        }
    }

    /** Waits, without a client, until the server itself says it serves: started, and for a member, in a quorum. */
    private void awaitServingInProcess(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!runner.serving()) {
            failIfExited();
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("ZooKeeper " + describe() + " at " + connectString()
                        + " is not serving after " + ZkClients.describe(timeout)
                        + (config.isStandalone() ? "" : ": check that a majority of " + config.servers() + " runs"));
            }
            Thread.sleep(50);
        }
    }

    /**
     * Sends a four-letter word (e.g. "ruok", "srvr", "mntr") to this server and returns its answer.
     *
     * @throws IOException if the server does not answer
     */
    public String fourLetterWord(String word) throws IOException {
        try {
            return FourLetterWordMain.send4LetterWord(config.clientHost(), config.clientPort(), word, false,
                    FOUR_LETTER_WORD_TIMEOUT_MS);
        } catch (X509Exception.SSLContextException e) {
            throw new IOException(e);
        }
    }

    /** Stops the server and waits for its thread to end. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        purger.shutdown();
        runner.stop();
        config.tls().ifPresent(JvmServerTls::release);
        try {
            thread.join(START_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("ZooKeeper {} did not stop within {}", describe(), ZkClients.describe(START_TIMEOUT));
        } else {
            LOG.info("ZooKeeper {} stopped", describe());
        }
    }

    private void runServer() {
        try {
            runner.run();
            exited.complete(null);
        } catch (Throwable t) {
            exited.completeExceptionally(t);
            // start() reports failures to start; errors while stopping are expected noise.
            boolean wasServing = runner.started().isDone() && !runner.started().isCompletedExceptionally();
            if (wasServing && !closed) {
                LOG.error("ZooKeeper {} failed", describe(), t);
            }
            runner.started().completeExceptionally(t);
        } finally {
            // Unblocks start() if the thread ended without ever listening.
            runner.started().completeExceptionally(new IllegalStateException("the ZooKeeper server thread ended"));
        }
    }

    private void awaitListening() throws IOException {
        try {
            runner.started().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            throw new IOException("ZooKeeper " + describe() + " failed to start on " + connectString() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            runner.started().completeExceptionally(e); // lets close() proceed without waiting for the start
            close();
            throw new IOException("ZooKeeper " + describe() + " did not start within " + ZkClients.describe(START_TIMEOUT));
        } catch (InterruptedException e) {
            runner.started().completeExceptionally(e);
            close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting ZooKeeper " + describe(), e);
        }
    }

    private void failIfExited() {
        if (exited.isCompletedExceptionally()) {
            throw new IllegalStateException("ZooKeeper " + describe() + " has stopped after an error",
                    exited.handle((ok, error) -> error).join());
        }
    }

    private String describe() {
        return config.isStandalone() ? "standalone server" : "member " + config.id() + " of " + config.servers().size();
    }

    /**
     * The settings beside {@link #TICK_TIME_MS} that Corral's servers run with (session bounds, initLimit,
     * syncLimit), for ensembles that tests and benchmarks build with curator-test ({@code InstanceSpec}'s custom
     * properties), so that they time out as Corral's own do.
     */
    public static Map<String, Object> serverSettings() {
        return Map.of("minSessionTimeout", Integer.toString(MIN_SESSION_TIMEOUT_MS),
                "maxSessionTimeout", Integer.toString(MAX_SESSION_TIMEOUT_MS),
                "initLimit", Integer.toString(INIT_LIMIT_TICKS), "syncLimit", Integer.toString(SYNC_LIMIT_TICKS));
    }

    private static QuorumPeerConfig parse(ZkServerConfig config) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("tickTime", Integer.toString(TICK_TIME_MS));
        serverSettings().forEach((key, value) -> properties.setProperty(key, value.toString()));
        properties.setProperty("dataDir", config.dataDir().toAbsolutePath().toString());
        if (config.servesPlain()) {
            properties.setProperty("clientPortAddress", config.clientHost());
            properties.setProperty("clientPort", Integer.toString(config.clientPort()));
        }
        config.tls().ifPresent(tls -> {
            properties.setProperty("secureClientPortAddress", config.clientHost());
            properties.setProperty("secureClientPort", Integer.toString(tls.securePort()));
        });
        properties.setProperty("autopurge.snapRetainCount", "3");
        properties.setProperty("autopurge.purgeInterval", "1");
        List<String> servers = config.servers();
        for (int i = 0; i < servers.size(); i++) {
            properties.setProperty("server." + (i + 1), servers.get(i));
        }
        QuorumPeerConfig peerConfig = new QuorumPeerConfig();
        try {
            peerConfig.parseProperties(properties);
        } catch (QuorumPeerConfig.ConfigException e) {
            throw new IllegalArgumentException("invalid ZooKeeper server configuration " + config + ": " + e.getMessage(), e);
        }
        return peerConfig;
    }

    /**
     * Closes a server once its start has finished. Before it started, its connection factory may not exist yet and
     * closing would do nothing; if it failed to start there is nothing to close, and closing its half-built
     * connection factory could wait forever for threads that never started.
     */
    private static void closeOnceStarted(CompletableFuture<Void> started, Runnable close) {
        boolean failed = started.handle((ok, error) -> error != null).join();
        if (!failed) {
            close.run();
        }
    }

    /** Runs one kind of ZooKeeper server in the calling thread until {@link #stop()}. */
    private interface Runner {
        void run() throws Exception;

        /** Completes once the server listens on its client port. */
        CompletableFuture<Void> started();

        /** Asks the running server to stop; {@link #run()} then returns. */
        void stop();

        /** Whether it serves clients: started, and for an ensemble member, leading or following. */
        boolean serving();
    }

    private static final class StandaloneRunner extends ZooKeeperServerMain implements Runner {
        private final ServerConfig serverConfig = new ServerConfig();
        private final CompletableFuture<Void> started = new CompletableFuture<>();

        StandaloneRunner(QuorumPeerConfig peerConfig) {
            serverConfig.readFrom(peerConfig);
        }

        @Override
        public void run() throws Exception {
            runFromConfig(serverConfig);
        }

        @Override
        protected void serverStarted() {
            started.complete(null);
        }

        @Override
        public CompletableFuture<Void> started() {
            return started;
        }

        @Override
        public void stop() {
            closeOnceStarted(started, this::close);
        }

        @Override
        public boolean serving() {
            return started.isDone() && !started.isCompletedExceptionally();
        }
    }

    private static final class MemberRunner extends QuorumPeerMain implements Runner {
        private final QuorumPeerConfig peerConfig;
        private final CompletableFuture<Void> started = new CompletableFuture<>();

        MemberRunner(QuorumPeerConfig peerConfig) {
            this.peerConfig = peerConfig;
        }

        @Override
        public void run() throws Exception {
            runFromConfig(peerConfig);
        }

        /** Hands runFromConfig a peer that reports when it has started, so stop() never races its start. */
        @Override
        protected QuorumPeer getQuorumPeer() throws javax.security.sasl.SaslException {
            return new QuorumPeer() {
                @Override
                public synchronized void start() {
                    super.start();
                    started.complete(null);
                }
            };
        }

        @Override
        public CompletableFuture<Void> started() {
            return started;
        }

        @Override
        public void stop() {
            closeOnceStarted(started, this::close);
        }

        @Override
        public boolean serving() {
            QuorumPeer peer = getQuorumPeer0();
            return peer != null && peer.getActiveServer() != null && peer.getActiveServer().isRunning();
        }

        private QuorumPeer getQuorumPeer0() {
            return started.isDone() && !started.isCompletedExceptionally() ? quorumPeer : null;
        }
    }

    /**
     * ZooKeeper's server reads its TLS settings from JVM-wide system properties ({@code zookeeper.ssl.*}, read again
     * for every connection), unlike its client. So the secure servers of one JVM share one key store: a second with
     * other files is refused while the first runs, rather than silently serving the first one's certificate. A
     * {@code corral zk} process runs one server, so this only binds tests and embedders.
     *
     * <p>Thread-safe: every method holds the class lock.
     */
    private static final class JvmServerTls {
        private static ZkServerTls current;
        private static int users;

        static synchronized void claim(ZkServerTls tls) {
            if (current != null && !sameFiles(current, tls)) {
                throw new IllegalStateException("another ZooKeeper server in this JVM serves TLS with "
                        + current.keyStore() + ": ZooKeeper's server TLS settings are JVM-wide, run this one in its"
                        + " own process (corral zk)");
            }
            if (current == null) {
                System.setProperty("zookeeper.serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
                System.setProperty("zookeeper.ssl.keyStore.location", tls.keyStore().toAbsolutePath().toString());
                System.setProperty("zookeeper.ssl.keyStore.type", "PEM");
                if (tls.clientCa().isPresent()) {
                    System.setProperty("zookeeper.ssl.trustStore.location",
                            tls.clientCa().get().toAbsolutePath().toString());
                    System.setProperty("zookeeper.ssl.trustStore.type", "PEM");
                    System.setProperty("zookeeper.ssl.clientAuth", "need");
                    // the provider that turns a verified client certificate into a session's x509 identity
                    System.setProperty("zookeeper.authProvider.x509",
                            "org.apache.zookeeper.server.auth.X509AuthenticationProvider");
                } else {
                    System.clearProperty("zookeeper.ssl.trustStore.location");
                    System.clearProperty("zookeeper.ssl.trustStore.type");
                    System.setProperty("zookeeper.ssl.clientAuth", "none");
                }
            }
            current = tls;
            users++;
        }

        static synchronized void release(ZkServerTls tls) {
            if (current != null && sameFiles(current, tls) && --users == 0) {
                current = null;
            }
        }

        private static boolean sameFiles(ZkServerTls a, ZkServerTls b) {
            return a.keyStore().toAbsolutePath().equals(b.keyStore().toAbsolutePath())
                    && a.clientCa().map(p -> p.toAbsolutePath()).equals(b.clientCa().map(p -> p.toAbsolutePath()));
        }
    }
}
