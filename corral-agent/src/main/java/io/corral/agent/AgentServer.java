package io.corral.agent;

import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.image.ImageOptions;
import io.corral.agent.image.ImageRootIsolator;
import io.corral.agent.image.ImageStore;
import io.corral.agent.image.RegistryClient;
import io.corral.agent.containerizer.Isolators;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.TaskUsers;
import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.concurrent.Closeables;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.agent.http.AgentHttpMetrics;
import io.corral.protocol.http.ClientQuotas;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.RateLimiter;
import io.corral.protocol.http.Throttle;
import io.corral.protocol.http.HttpServer;
import io.corral.protocol.http.HttpServerOptions;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.RateLimits;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.presence.AgentPresence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.VersionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent process: finds the leading master through ZooKeeper, keeps a {@link MasterLink} to it, runs tasks through
 * the {@link Agent}, and serves its HTTP endpoints ({@link AgentHttp}: the executor API, the operator API,
 * {@code /state}, the sandbox files, metrics and usage).
 *
 * <p>Threading: {@link #start} and {@link #close} from the owner's thread; the agent's state lives on its
 * {@link EventLoop}.
 */
public final class AgentServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentServer.class);
    /** The Mesos release whose agent APIs Corral speaks (the master says the same). */
    static final String MESOS_VERSION = "1.11.0";
    /** How long an HTTP reader waits for the agent's loop to publish a view before answering 503. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** How long a stopping agent waits for the master to hear that it restarts. */
    private static final Duration RESTART_ANNOUNCEMENT_TIMEOUT = Duration.ofSeconds(2);

    /**
     * Who the agent is to the masters, who may call it, what each caller may see, and how much each may ask.
     *
     * @param credential      what the agent authenticates to the masters with (Mesos's agent {@code --credential})
     * @param httpCredentials who may call the agent's own endpoints (Mesos's {@code --http_credentials}): every route
     *                        but health, version and the executor API (which takes each executor's token) demands
     *                        them; empty for an {@code --insecure} agent, which serves anyone and gives executors no
     *                        token
     * @param acls            what each principal may see and read (Mesos's {@code --acls}: {@code access_sandboxes},
     *                        {@code view_*}); {@link Acls#permitAll()} without a file
     * @param rateLimits      each client's request rate, connections and streams (Mesos's {@code --rate_limits} plus
     *                        Corral's limits, as on the master); {@link RateLimits#none()} without a file
     * @param tokens          bearer tokens the masters issue ({@code --token-key}, the masters' key), accepted on
     *                        the agent's endpoints in place of HTTP Basic; empty without a key
     */
    public record Security(Optional<Credential> credential, Optional<Credentials> httpCredentials, Acls acls,
                           RateLimits rateLimits, Optional<BearerTokens> tokens) {
        public static final Security INSECURE = new Security(Optional.empty(), Optional.empty());

        public Security {
            java.util.Objects.requireNonNull(acls, "acls");
            java.util.Objects.requireNonNull(rateLimits, "rateLimits");
            java.util.Objects.requireNonNull(tokens, "tokens");
        }

        public Security(Optional<Credential> credential, Optional<Credentials> httpCredentials, Acls acls,
                        RateLimits rateLimits) {
            this(credential, httpCredentials, acls, rateLimits, Optional.empty());
        }

        /** No ACLs (everything permitted) and no rate limits (the default connection and stream limits apply). */
        public Security(Optional<Credential> credential, Optional<Credentials> httpCredentials) {
            this(credential, httpCredentials, Acls.permitAll(), RateLimits.none());
        }

        public Security withAcls(Acls acls) {
            return new Security(credential, httpCredentials, acls, rateLimits, tokens);
        }

        public Security withRateLimits(RateLimits limits) {
            return new Security(credential, httpCredentials, acls, limits, tokens);
        }

        /** The same, also accepting bearer tokens signed with {@code tokens}' key. */
        public Security withTokens(BearerTokens tokens) {
            return new Security(credential, httpCredentials, acls, rateLimits, Optional.of(tokens));
        }
    }

    /** What anyone may ask an agent, as on a master: liveness and version probes. */
    static final java.util.Set<String> OPEN_PATHS = java.util.Set.of("/health", "/version", "/slave(1)/health",
            "/slave(1)/version", "/api/v1/executor", "/slave(1)/api/v1/executor");

    /**
     * @param resources the resources to advertise, in Mesos's form ("cpus:4;mem:1024;..."); detected when null
     * @param silenceLimit how long the master's stream may stay silent before the agent reconnects
     * @param isolation the isolators to use, by Mesos's names ({@link IsolationOptions}), their limits, and
     *     whether tasks run as their users
     * @param attributes the agent's attributes (Mesos's {@code --attributes}, read by
     *     {@link io.corral.protocol.resources.AgentAttributes}), sent to the master with the agent's info
     */
    public record Options(ZkUrl zk, String hostname, String bindHost, int port, Path workDir, String resources,
                          Duration zkSessionTimeout, Duration silenceLimit, IsolationOptions isolation,
                          Duration executorRegistrationTimeout, SandboxOptions sandbox,
                          Security security, AgentTls tls, List<org.apache.mesos.v1.Protos.Attribute> attributes) {
        public Options {
            attributes = attributes == null ? List.of() : List.copyOf(attributes);
            java.util.Objects.requireNonNull(isolation, "isolation");
            java.util.Objects.requireNonNull(security, "security");
            java.util.Objects.requireNonNull(tls, "tls");
            if (sandbox == null) {
                sandbox = SandboxOptions.DEFAULT;
            }
            if (executorRegistrationTimeout == null || executorRegistrationTimeout.isNegative()
                    || executorRegistrationTimeout.isZero()) {
                throw new IllegalArgumentException("executorRegistrationTimeout must be positive");
            }
        }

        public Options(ZkUrl zk, String hostname, String bindHost, int port, Path workDir, String resources,
                       Duration zkSessionTimeout, Duration silenceLimit, IsolationOptions isolation,
                       Duration executorRegistrationTimeout, SandboxOptions sandbox, Security security) {
            this(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit, isolation,
                    executorRegistrationTimeout, sandbox, security, AgentTls.NONE, List.of());
        }

        /** The same options with TLS for the agent's own server and its link to the masters. */
        public Options withTls(AgentTls tls) {
            return new Options(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    isolation, executorRegistrationTimeout, sandbox, security, tls, attributes);
        }

        public Options(ZkUrl zk, String hostname, String bindHost, int port, Path workDir, String resources,
                       Duration zkSessionTimeout, Duration silenceLimit, List<String> isolation,
                       Duration executorRegistrationTimeout) {
            this(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    IsolationOptions.of(isolation), executorRegistrationTimeout, SandboxOptions.DEFAULT,
                    Security.INSECURE);
        }

        /** The same options with these agent attributes. */
        public Options withAttributes(List<org.apache.mesos.v1.Protos.Attribute> attributes) {
            return new Options(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    isolation, executorRegistrationTimeout, sandbox, security, tls, attributes);
        }

        /** The same options with other fetcher and sandbox GC settings. */
        public Options withSandbox(SandboxOptions sandbox) {
            return new Options(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    isolation, executorRegistrationTimeout, sandbox, security, tls, attributes);
        }

        /** Mesos's default executor registration timeout (1 min). */
        public Options(ZkUrl zk, String hostname, String bindHost, int port, Path workDir, String resources,
                       Duration zkSessionTimeout, Duration silenceLimit, List<String> isolation) {
            this(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    IsolationOptions.of(isolation), Agent.DEFAULT_EXECUTOR_REGISTRATION_TIMEOUT, SandboxOptions.DEFAULT,
                    Security.INSECURE);
        }

        /** The same options, authenticating to the master as {@code credential} (Mesos's agent --credential). */
        public Options withCredential(Credential credential) {
            return withSecurity(new Security(Optional.of(credential), security.httpCredentials(), security.acls(),
                    security.rateLimits()));
        }

        public Options withSecurity(Security security) {
            return new Options(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    isolation, executorRegistrationTimeout, sandbox, security, tls, attributes);
        }

        /** The same options with another executor registration timeout (Mesos's --executor_registration_timeout). */
        public Options withExecutorRegistrationTimeout(Duration timeout) {
            return new Options(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit,
                    isolation, timeout, sandbox, security, tls, attributes);
        }

        /** No isolation (Mesos's default, {@code posix}: processes only). */
        public Options(ZkUrl zk, String hostname, String bindHost, int port, Path workDir, String resources,
                       Duration zkSessionTimeout, Duration silenceLimit) {
            this(zk, hostname, bindHost, port, workDir, resources, zkSessionTimeout, silenceLimit, List.of());
        }
    }

    /**
     * The fetcher's and the sandbox GC's settings, Mesos's flags of the same names: {@code --gc_delay} (1 week),
     * {@code --gc_disk_headroom} (0.1), {@code --disk_watermark_interval} (1 min), {@code --fetcher_cache_size}
     * (2 GB); and Corral's own limits on one fetched URI: its download time and its size (also the most an archive
     * may unpack to).
     */
    public record SandboxOptions(Duration gcDelay, double gcDiskHeadroom, Duration diskWatermarkInterval,
                                 long fetcherCacheBytes, Duration fetchTimeout, long fetchMaxBytes,
                                 io.corral.agent.containerizer.LogRotation.Policy containerLogger) {
        public static final SandboxOptions DEFAULT = new SandboxOptions(SandboxGc.Policy.DEFAULT.delay(),
                SandboxGc.Policy.DEFAULT.diskHeadroom(), SandboxGc.Policy.DEFAULT.diskWatermarkInterval(),
                io.corral.agent.fetcher.Fetcher.DEFAULT_CACHE_BYTES, io.corral.agent.fetcher.Fetcher.DEFAULT_TIMEOUT,
                io.corral.agent.fetcher.Fetcher.DEFAULT_MAX_BYTES);

        /** The default stdout/stderr rotation ({@code LogRotation.Policy.DEFAULT}). */
        public SandboxOptions(Duration gcDelay, double gcDiskHeadroom, Duration diskWatermarkInterval,
                              long fetcherCacheBytes, Duration fetchTimeout, long fetchMaxBytes) {
            this(gcDelay, gcDiskHeadroom, diskWatermarkInterval, fetcherCacheBytes, fetchTimeout, fetchMaxBytes,
                    io.corral.agent.containerizer.LogRotation.Policy.DEFAULT);
        }

        public SandboxOptions withContainerLogger(io.corral.agent.containerizer.LogRotation.Policy policy) {
            return new SandboxOptions(gcDelay, gcDiskHeadroom, diskWatermarkInterval, fetcherCacheBytes,
                    fetchTimeout, fetchMaxBytes, policy);
        }

        public SandboxOptions {
            java.util.Objects.requireNonNull(containerLogger, "containerLogger");
            new SandboxGc.Policy(gcDelay, gcDiskHeadroom, diskWatermarkInterval); // validates
            if (fetcherCacheBytes <= 0 || fetchMaxBytes <= 0) {
                throw new IllegalArgumentException("the fetcher's cache size and size limit must be positive");
            }
            if (fetchTimeout.isNegative() || fetchTimeout.isZero()) {
                throw new IllegalArgumentException("the fetch timeout must be positive");
            }
        }

        AgentServices services(Path workDir) {
            return AgentServices.create(workDir, fetcherCacheBytes, fetchTimeout, fetchMaxBytes,
                    new SandboxGc.Policy(gcDelay, gcDiskHeadroom, diskWatermarkInterval));
        }
    }

    private final Options options;
    /** What the HTTP server refused (401, 429): the agent's {@code /metrics}. */
    private final AgentHttpMetrics httpMetrics = new AgentHttpMetrics();
    private EventLoop loop;
    private SystemTimers timers;
    private ScheduledExecutorService killTimers;
    /** Where disk/du measures sandboxes: a walk of a big sandbox must not hold up the agent's loop. */
    private EventLoop diskLoop;
    private HttpServer http;
    private CuratorFramework zk;
    private MasterDetector detector;
    private MasterLink link;
    private Agent agent;
    /** Closed last: its launcher server then exits, as it would if this agent's process died. */
    private ProcessContainerizer containerizer;
    /** Set once the agent recovered (executors reconnecting after a restart must find their records): HTTP reads it. */
    private volatile ExecutorApi executorApi;
    private AgentPresence presence;
    /** Render the agent's published views and read sandbox files for HTTP readers: never the loop, never I/O threads. */
    private java.util.concurrent.ExecutorService readers;
    private AgentViews views;
    /** Set once the agent exists; until then every request but /health answers 503. */
    private volatile AgentHttp agentHttp;
    /** Touched only on the agent's loop. */
    private boolean announced;

    private AgentServer(Options options) {
        this.options = options;
    }

    public static AgentServer start(Options options) throws Exception {
        io.corral.agent.containerizer.SpawnMechanism.preferVfork(); // before the agent starts any process
        AgentServer server = new AgentServer(options);
        try {
            server.startAll();
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void startAll() throws Exception {
        Files.createDirectories(options.workDir());
        io.corral.agent.resources.GpuResources gpus = options.isolation().gpus(options.resources());
        ResourceSet resources = gpus.applyTo(ResourceSet.parse(options.resources() != null ? options.resources()
                : io.corral.agent.resources.DetectedResources.detect(options.workDir()).toMesosResourceString()),
                options.resources());
        loop = new EventLoop("agent-loop");
        timers = new SystemTimers(loop, "agent");
        killTimers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "agent-kill-timers");
            t.setDaemon(true);
            return t;
        });
        readers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "agent-reader");
            t.setDaemon(true);
            return t;
        });
        Security security = options.security();
        // Inside authentication, as on the master, so that limits apply to the principal; executors (their own
        // tokens, no principal) and probes are never throttled.
        io.corral.protocol.http.HttpHandler routes = new Throttle(
                new RateLimiter(security.rateLimits(), System::nanoTime), OPEN_PATHS::contains, this::serve,
                httpMetrics::throttled);
        if (security.httpCredentials().isPresent()) {
            routes = new io.corral.protocol.http.Authentication(security.httpCredentials().get(), security.tokens(),
                    java.time.InstantSource.system(), OPEN_PATHS::contains, routes, httpMetrics::authenticationFailed);
        } else {
            LOG.warn("INSECURE: this agent's endpoints (sandboxes, state, executor API) serve anyone who reaches"
                    + " port {} (no --http-credentials)", options.port());
        }
        http = HttpServer.start(options.bindHost(), options.port(), routes,
                HttpServerOptions.defaults().withTls(options.tls().server()), new ClientQuotas(security.rateLimits()));
        AgentInfo info = AgentInfo.newBuilder()
                .setHostname(options.hostname())
                .setPort(http.port())
                .addAllResources(resources.toList())
                .addAllAttributes(options.attributes())
                .build();
        zk = ZkClients.connect(options.zk(), options.zkSessionTimeout(), Duration.ofSeconds(15));
        presence = new AgentPresence(zk, options.zk().rootPath());
        String address = options.hostname() + ":" + http.port();
        ExecutorTokens executorTokens = options.security().httpCredentials().isPresent()
                ? ExecutorTokens.load(options.workDir().resolve("meta")) : ExecutorTokens.disabled();
        ImageStore images = imageStore();
        Isolators isolators = isolators(gpus);
        if (images != null) {
            isolators = isolators.with(new ImageRootIsolator(images));
        }
        containerizer = new ProcessContainerizer(killTimers, isolators,
                TaskUsers.switchingWhenRoot(options.isolation().switchUser()))
                .rotatingLogs(options.sandbox().containerLogger());
        agent = new Agent(info, options.workDir(), containerizer, timers,
                loop::execute, id -> announceOnce(id, address), options.executorRegistrationTimeout(),
                options.sandbox().services(options.workDir()).withExecutorTokens(executorTokens)
                        .withExecutorTls(options.tls().executors()).withImages(images));
        views = AgentViews.attach(agent, loop, System.currentTimeMillis());
        agentHttp = new AgentHttp(() -> executorApi,
                new io.corral.agent.http.AgentReads(views::view, readers, READ_TIMEOUT), readers,
                new io.corral.agent.http.ContainerUsage(containerizer.isolators()), this::flags, versionInfo(),
                java.time.Clock.systemUTC(), security.acls(), httpMetrics);
        // Before the first registration: the REGISTER call reports the recovered tasks.
        loop.submit(() -> {
            agent.recover();
            return null;
        }).join();
        executorApi = new ExecutorApi(agent, loop::execute, executorTokens);
        detector = new MasterDetector(zk, options.zk().rootPath());
        link = new MasterLink(this::leaderAddress, loop, agent, options.silenceLimit(),
                options.security().credential(), options.tls().toMasters());
        detector.addListener(leader -> link.leaderChanged());
        link.start();
        LOG.info("Agent serving on {}://{}:{} with {}; masters over {}", http.scheme(), options.hostname(),
                http.port(), resources, options.tls().toMasters().map(ClientTls::toString).orElse("plain HTTP"));
    }

    /**
     * The container image store in {@code <work dir>/provisioner} when {@code --image-providers docker} is on; null
     * otherwise. Images need root (the agent mounts them in namespaces of the tasks' own): a non-root agent refuses
     * to start with them rather than fail every such task.
     */
    private ImageStore imageStore() throws IOException {
        ImageOptions images = options.isolation().images();
        if (!images.enabled()) {
            return null;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IOException("--image-providers docker needs the agent to run as root");
        }
        LOG.info("Container images: docker, insecure registries {}", images.insecureRegistries());
        return new ImageStore(options.workDir().resolve("provisioner"),
                new RegistryClient(images.insecureRegistries(), images.timeout()), images.maxBytes(),
                images.maxBytes());
    }

    /**
     * The isolators {@code --isolation} names; one this machine cannot provide stops the agent. {@code gpus}: what
     * {@code gpu/nvidia} hands out.
     */
    private Isolators isolators(io.corral.agent.resources.GpuResources gpus) throws IOException {
        diskLoop = new EventLoop("agent-disk-watch");
        Path state = options.workDir().resolve("meta").resolve("isolators");
        Isolators isolators = options.isolation().build(Cgroups.DEFAULT_MOUNT, cgroupRootName(options.workDir()),
                state.resolve("disk"), new SystemTimers(diskLoop, "disk-watch"), gpus, state.resolve("gpu"));
        LOG.info("Isolation: {}", isolators.names().isEmpty() ? "none (processes only)" : isolators.names());
        return isolators;
    }

    /**
     * The agent's own cgroup directory: "corral-" and a digest of its work dir, so agents sharing a machine (as under
     * {@code corral local}) never clean up each other's containers, and a restarted agent finds its own again.
     */
    static String cgroupRootName(Path workDir) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(workDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return "corral-" + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Holds this agent's ephemeral presence znode from its first registration on (the id is stable across masters),
     * so the leader learns within the ZooKeeper session timeout when this process dies or hangs.
     */
    private void announceOnce(org.apache.mesos.v1.Protos.AgentID id, String address) {
        if (!announced) {
            announced = true;
            presence.announce(id.getValue(), address);
        }
    }

    private Optional<String> leaderAddress() {
        return detector.current().map(leader -> MasterInfos.httpAddress(leader.info()));
    }

    /** The cluster's {@code gc_delay} ({@code corral config set gc_delay}) applies to this agent's sandbox GC. */
    public void setGcDelay(Duration delay) {
        loop.execute(() -> agent.setGcDelay(delay));
    }

    public int port() {
        return http.port();
    }

    /** This agent's ZooKeeper client (for the configuration watch and tools). */
    public CuratorFramework zookeeper() {
        return zk;
    }

    private void serve(HttpExchange exchange) {
        AgentHttp routes = agentHttp;
        if (routes != null) {
            routes.handle(exchange);
        } else if (exchange.path().equals("/health") || exchange.path().equals("/slave(1)/health")) {
            exchange.respond(200, null, new byte[0]);
        } else {
            exchange.respondText(503, "The agent is starting");
        }
    }

    /** What GET_FLAGS and {@code /state} report: the options this agent runs with, under Mesos's names. */
    private Map<String, String> flags() {
        Map<String, String> flags = new TreeMap<>();
        flags.put("hostname", options.hostname());
        flags.put("ip", options.bindHost());
        flags.put("port", Integer.toString(http.port()));
        flags.put("work_dir", options.workDir().toAbsolutePath().normalize().toString());
        flags.put("master", options.zk().toString()); // ZkUrl.toString masks a password
        flags.put("zk_session_timeout", options.zkSessionTimeout().toMillis() + "ms");
        flags.put("isolation", options.isolation().isolators().isEmpty() ? "posix"
                : String.join(",", options.isolation().isolators()));
        if (options.isolation().images().enabled()) { // Mesos's names
            flags.put("image_providers", String.join(",", options.isolation().images().providers()).toUpperCase(
                    java.util.Locale.ROOT));
            flags.put("image_provisioner_backend", "copy");
        }
        flags.put("gc_delay", options.sandbox().gcDelay().toMillis() + "ms");
        flags.put("authenticatee", options.security().credential().isPresent() ? "basic" : "none");
        String authenticates = Boolean.toString(options.security().httpCredentials().isPresent());
        flags.put("authenticate_http_readonly", authenticates); // Mesos's names
        flags.put("authenticate_http_readwrite", authenticates);
        flags.put("authenticate_http_executors", authenticates);
        flags.put("executor_registration_timeout", options.executorRegistrationTimeout().toMillis() + "ms");
        if (options.resources() != null) {
            flags.put("resources", options.resources());
        }
        options.isolation().nvidiaGpuDevices().ifPresent(indices -> flags.put("nvidia_gpu_devices",
                String.join(",", indices.stream().map(String::valueOf).toList())));
        return flags;
    }

    /** The Mesos release whose APIs the agent speaks, and which Corral build serves them (as the master reports). */
    private static VersionInfo versionInfo() {
        String corral = Optional.ofNullable(AgentServer.class.getPackage().getImplementationVersion()).orElse("dev");
        return VersionInfo.newBuilder().setVersion(MESOS_VERSION).setBuildUser("corral")
                .setGitTag("corral-" + corral).build();
    }

    /**
     * Stops the agent. With {@code killTasks} (used when a local cluster shuts down) its tasks are killed first.
     * Otherwise they keep running while the agent is down, and an agent started again on the same work dir recovers
     * them ({@link Agent#recover}).
     */
    public void stop(boolean killTasks) {
        if (killTasks && agent != null) {
            loop.submit(() -> {
                agent.killAll();
                return null;
            }).join();
        }
        close();
    }

    /**
     * Stops the agent for a restart: its tasks keep running, and the master is told first (RESTARTING) so that it
     * keeps them while the agent is away rather than reporting them lost when its ZooKeeper presence ends. What
     * {@code corral agent} does on SIGTERM without {@code --kill-tasks-on-stop}.
     */
    public void stopForRestart() {
        if (link != null && !link.announceRestart(RESTART_ANNOUNCEMENT_TIMEOUT)) {
            LOG.warn("Could not tell the master this agent is restarting; if it is not back within the master's"
                    + " presence grace, its tasks will be reported lost (and found again when it re-registers)");
        }
        close();
    }

    @Override
    public void close() {
        // Presence before its client: the znode goes at once, and the recipe does not fight a closing client.
        Closeables.closeAll(link, presence, detector, zk, http, timers, loop, diskLoop);
        if (killTimers != null) {
            killTimers.shutdown();
        }
        if (readers != null) {
            readers.shutdownNow();
        }
        if (containerizer != null) {
            containerizer.close(); // tasks and their launchers run on
            containerizer.releaseIsolation(); // the agent's cgroups, unless tasks are left in them
        }
    }
}
