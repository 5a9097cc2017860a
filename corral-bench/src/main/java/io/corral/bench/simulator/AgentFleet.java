package io.corral.bench.simulator;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.KeptAliveClient;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.StreamingPost;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.presence.AgentPresence;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * Thousands of {@link SimulatedAgent}s in this JVM, sharing what a real agent owns alone: a few Netty I/O threads
 * for the agents' REGISTER event streams ({@link StreamingPost}, one connection each, as the real agent's
 * {@code MasterLink} reads its stream), two {@link KeptAliveClient}s for calls (a bounded pool for updates, a small
 * one of its own for PONGs), one {@link MasterDetector}, and a few ZooKeeper sessions that hold every agent's presence
 * znode ({@link AgentPresence}: one instance per agent, many per session). Nothing goes through the JDK's
 * {@code HttpClient}: its connection pool keeps idle connections in a linked list searched on every return (a tenth
 * of this JVM's CPU with 1,024 connections), and after a failover, opening 10,000 streams through it held the
 * thread that told the agents of the new leader for 11 s.
 *
 * <p>What sharing a session means: an expired session ends the presence of every agent on it at once, as a rack
 * switch failing would; the simulator never lets that happen on purpose.
 *
 * <p>Threading: thread-safe. Event streams are read on {@value #STREAM_THREADS} Netty I/O threads, calls on
 * the call clients' I/O threads, the once-a-second
 * {@link SimulatedAgent#tick} on one timer thread, presence announcements on {@value #PRESENCE_THREADS} threads, news
 * of a new leader on {@value #NEWS_THREADS};
 * counters are atomic.
 */
final class AgentFleet implements AutoCloseable {
    /** What the simulated agents speak: protobuf, as Corral's agents do. */
    static final Encoding ENCODING = Encoding.PROTOBUF;
    static final int STREAM_THREADS = 2;
    /** Each announcement waits on two ZooKeeper round trips: with two threads, 10,000 took about 40 s. */
    static final int PRESENCE_THREADS = 8;
    static final int NEWS_THREADS = 4;
    /**
     * Calls (UPDATE, UPDATES) in flight at once over all agents; the rest queue in the client. A real agent has 16 of
     * its own; one limit for thousands of agents must be far larger, or updates wait in this queue (their resend timer
     * running) for a bottleneck no real cluster has. 1,024 kept-alive connections fit the file descriptors next to
     * 10,000 event streams.
     */
    static final int CALLS_IN_FLIGHT = 1024;
    /** PONGs in flight at once, on connections of their own (see {@link #call}). */
    static final int PONGS_IN_FLIGHT = 64;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long REGISTER's answer may take: as long as the stream may stay silent (a recovering master holds it). */
    private static final Duration REGISTER_TIMEOUT = SimulatedAgent.SILENCE_LIMIT;
    /** How often agents look at their backoff, silence and (every fourth time) unacknowledged updates. */
    private static final Duration TICK = Duration.ofMillis(250);

    /** What the fleet counts; read by the report. */
    static final class Stats {
        final LongAdder launches = new LongAdder();
        final LongAdder duplicateLaunches = new LongAdder();
        final LongAdder updates = new LongAdder();
        final LongAdder resent = new LongAdder();
        final LongAdder acknowledged = new LongAdder();
        final LongAdder pongs = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder callFailures = new LongAdder();
        final LongAdder streamFailures = new LongAdder();
        final LongAdder disconnections = new LongAdder();
        final LongAdder silences = new LongAdder();
        final LongAdder refusals = new LongAdder();
        /** When each task's LAUNCH reached its agent (System.nanoTime), by task id: splits launch-to-RUNNING. */
        final java.util.concurrent.ConcurrentHashMap<String, Long> launchedAtNanos =
                new java.util.concurrent.ConcurrentHashMap<>();
    }

    final Stats stats = new Stats();
    private final String rootPath;
    private final NioEventLoopGroup streams =
            new NioEventLoopGroup(STREAM_THREADS, new DefaultThreadFactory("sim-agents-streams", true));
    private final ExecutorService presenceThreads =
            Executors.newFixedThreadPool(PRESENCE_THREADS, daemon("sim-agents-presence"));
    private final ExecutorService newsThreads = Executors.newFixedThreadPool(NEWS_THREADS, daemon("sim-agents-news"));
    private volatile long lastToldNanos;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("sim-agents-tick"));
    private final KeptAliveClient calls =
            new KeptAliveClient("sim-agents-calls", Optional.empty(), Duration.ofSeconds(10), CALLS_IN_FLIGHT);
    private final KeptAliveClient pongs =
            new KeptAliveClient("sim-agents-pongs", Optional.empty(), Duration.ofSeconds(10), PONGS_IN_FLIGHT);
    private final List<CuratorFramework> sessions = new ArrayList<>();
    private final MasterDetector detector;
    private final List<SimulatedAgent> agents = new ArrayList<>();
    private final List<AgentPresence> presences = new ArrayList<>();
    private volatile Optional<String> leader = Optional.empty();
    private volatile String lastRefusal = "";
    /** Only the timer thread uses it. */
    private long ticks;

    /** Registrations in the current round (see {@link #startRound}), and when the round's last one came. */
    private final AtomicInteger round = new AtomicInteger();
    private final AtomicInteger registeredInRound = new AtomicInteger();
    private volatile long roundCompletedNanos;
    /** When each agent registered in the current round (System.nanoTime), in the order they did. */
    private final ConcurrentLinkedQueue<Long> roundRegistrations = new ConcurrentLinkedQueue<>();

    /**
     * @param sessions how many ZooKeeper sessions hold the agents' presence znodes (agent i uses session i % n)
     */
    AgentFleet(ZkUrl zk, int sessions, Duration sessionTimeout) {
        this.rootPath = zk.rootPath();
        for (int i = 0; i < sessions; i++) {
            this.sessions.add(ZkClients.connect(zk, sessionTimeout, Duration.ofSeconds(15)));
        }
        this.detector = new MasterDetector(this.sessions.get(0), rootPath);
        detector.addListener(found -> {
            leader = found.map(l -> MasterInfos.httpAddress(l.info()));
            leader.ifPresent(this::tellAgents);
        });
        timer.scheduleWithFixedDelay(this::tick, 100, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Tells every agent of the new leader, {@value #NEWS_THREADS} parts of the fleet at once: each agent encodes its
     * REGISTER (its tasks included) as it hears, and 10,000 real agents hear at once on their own machines. Told one
     * after the other on the detector's thread, the last agents heard 1-3 s after the first.
     */
    private void tellAgents(String address) {
        long started = System.nanoTime();
        List<SimulatedAgent> all = snapshot();
        CompletableFuture<?>[] parts = new CompletableFuture<?>[NEWS_THREADS];
        for (int part = 0; part < NEWS_THREADS; part++) {
            List<SimulatedAgent> these = all.subList(all.size() * part / NEWS_THREADS,
                    all.size() * (part + 1) / NEWS_THREADS);
            parts[part] = CompletableFuture.runAsync(() -> these.forEach(agent -> agent.leaderChanged(address)),
                    newsThreads);
        }
        CompletableFuture.allOf(parts).thenRun(() -> lastToldNanos = System.nanoTime() - started);
    }

    /** How long the last news of a leader took to reach every agent (ns), 0 before any. */
    long lastToldNanos() {
        return lastToldNanos;
    }

    /** Adds {@code count} agents, each with {@code resources}, registering {@code perSecond} a second from now. */
    void add(int count, List<Resource> resources, int perSecond) {
        long start = System.nanoTime();
        synchronized (agents) {
            int first = agents.size();
            for (int i = first; i < first + count; i++) {
                AgentInfo info = AgentInfo.newBuilder()
                        .setHostname("sim-agent-" + i)
                        .setPort(5051)
                        .addAllResources(resources)
                        .build();
                long firstConnect = start + (i - first) * 1_000_000_000L / perSecond;
                agents.add(new SimulatedAgent(this, i, info, 0x5eed + i, firstConnect));
            }
        }
    }

    List<SimulatedAgent> snapshot() {
        synchronized (agents) {
            return List.copyOf(agents);
        }
    }

    int size() {
        synchronized (agents) {
            return agents.size();
        }
    }

    Optional<String> leader() {
        return leader;
    }

    long registeredNow() {
        return snapshot().stream().filter(SimulatedAgent::isRegistered).count();
    }

    /**
     * Starts counting registrations anew (after a failover): {@link #registeredInRound} counts agents that
     * registered since, each once.
     */
    void startRound() {
        registeredInRound.set(0);
        roundCompletedNanos = 0;
        roundRegistrations.clear();
        round.incrementAndGet();
    }

    int registeredInRound() {
        return registeredInRound.get();
    }

    /** When the {@code fraction} of the fleet had registered in the current round (System.nanoTime), 0 if not yet. */
    long roundReachedNanos(double fraction) {
        // Sorted: agents registering on different threads add their times in nearly, not exactly, their order
        long[] times = roundRegistrations.stream().mapToLong(Long::longValue).sorted().toArray();
        int needed = (int) Math.ceil(fraction * size());
        return needed >= 1 && times.length >= needed ? times[needed - 1] : 0;
    }

    /** How many agents registered in the current round in each whole second after {@code sinceNanos}. */
    List<Integer> roundPerSecond(long sinceNanos) {
        List<Integer> perSecond = new ArrayList<>();
        for (long at : roundRegistrations) {
            int second = (int) Math.max(0, (at - sinceNanos) / 1_000_000_000L);
            while (perSecond.size() <= second) {
                perSecond.add(0);
            }
            perSecond.set(second, perSecond.get(second) + 1);
        }
        return perSecond;
    }

    /** When the current round's last agent registered (System.nanoTime), 0 while some have not. */
    long roundCompletedNanos() {
        return roundCompletedNanos;
    }

    String lastRefusal() {
        return lastRefusal;
    }

    // ---- for SimulatedAgent ----

    /** An agent registered; it was last counted in {@code agentRound}. Returns the round it is now counted in. */
    int registered(int agentRound) {
        int now = round.get();
        if (agentRound != now) {
            long at = System.nanoTime();
            roundRegistrations.add(at);
            if (registeredInRound.incrementAndGet() == size()) {
                roundCompletedNanos = at;
            }
        }
        return now;
    }

    void announce(SimulatedAgent agent, String agentId) {
        AgentPresence presence = new AgentPresence(sessions.get(agent.index() % sessions.size()), rootPath,
                Clock.systemUTC(), presenceThreads);
        synchronized (presences) {
            presences.add(presence);
        }
        presence.announce(agentId, "sim-agent-" + agent.index() + ":5051");
    }

    /**
     * Waits until the presence znode of every agent announced so far exists in ZooKeeper; false if one does not
     * within {@code timeout}. Agents announce once registered, as Corral's agents do.
     */
    boolean awaitPresences(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<AgentPresence> all;
        synchronized (presences) {
            all = List.copyOf(presences);
        }
        for (AgentPresence presence : all) {
            if (!presence.awaitAnnounced(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    /** POSTs REGISTER and hands the answer to {@code stream}, on one of the fleet's I/O threads. */
    void openStream(String address, AgentCall register, SimulatedAgent.Stream stream) {
        stream.opened(StreamingPost.open(streams.next(), Optional.empty(), CONNECT_TIMEOUT,
                URI.create("http://" + address + AgentProtocol.PATH),
                Map.of("Content-Type", ENCODING.mediaType(), "Accept", ENCODING.mediaType()),
                AgentProtocol.encode(register, ENCODING), REGISTER_TIMEOUT, stream));
    }

    /**
     * Sends a call. A PONG skips the fleet's queue: a real agent's PONG waits only behind its own few calls, never
     * behind thousands of other agents' updates (queued here, a PONG would make the master judge agents silent).
     */
    void call(String address, String streamId, AgentCall call) {
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", ENCODING.mediaType(),
                "Accept", ENCODING.mediaType()));
        if (streamId != null) {
            headers.put(AgentProtocol.STREAM_ID_HEADER, streamId);
        }
        KeptAliveClient client = call.type() == AgentCall.Type.PONG ? pongs : calls;
        client.post(URI.create("http://" + address + AgentProtocol.PATH), headers,
                AgentProtocol.encode(call, ENCODING), CALL_TIMEOUT).whenComplete((answer, failure) -> {
                    if (failure != null || answer.status() != 202) {
                        stats.callFailures.increment();
                    }
                });
    }

    void refused(int status, String body) {
        stats.refusals.increment();
        lastRefusal = status + " " + (body.length() > 200 ? body.substring(0, 200) + "..." : body);
    }

    private void tick() {
        long now = System.nanoTime();
        boolean retries = ticks++ % (1000 / TICK.toMillis()) == 0;
        for (SimulatedAgent agent : snapshot()) {
            try {
                agent.tick(now, retries);
            } catch (RuntimeException e) {
                stats.errors.increment();
            }
        }
    }

    static Resource scalar(String name, double value) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        timer.shutdownNow();
        List<AgentPresence> all;
        synchronized (presences) {
            all = List.copyOf(presences);
        }
        detector.close();
        for (CuratorFramework session : sessions) {
            session.close(); // ends every presence znode with the session
        }
        for (AgentPresence presence : all) {
            presence.close();
        }
        calls.close();
        pongs.close();
        streams.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        presenceThreads.shutdownNow();
        newsThreads.shutdownNow();
    }
}
