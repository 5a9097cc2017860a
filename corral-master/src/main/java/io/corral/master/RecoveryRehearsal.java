package io.corral.master;

import io.corral.master.allocator.HierarchicalDrfAllocator;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.ManualTimers;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.zookeeper.registry.AgentModeRecord;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.FencedException;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.MaintenanceRecord;
import io.corral.zookeeper.registry.RegistryMirror;
import io.corral.zookeeper.registry.RegistryPaths;
import io.corral.zookeeper.registry.RegistrySnapshot;
import io.corral.zookeeper.registry.RegistryStore;
import io.corral.zookeeper.registry.RoleRecord;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby master's rehearsals of the recovery it runs when elected: read the whole registry, replay it (at most
 * {@link #MOST_REPLAYED} agents and frameworks of it) into a {@link Master} that never serves, take those agents and
 * frameworks back and make offers ({@link FirstMinuteRehearsal}), then drop that master.
 *
 * <p>Why: a standby's JVM has never run the registry's decoding or the replay, and run cold they were most of a
 * failover's recovery (1,000 agents in {@code bench/simulate}: 1.4-1.8 s on the new leader; 0.9 s once rehearsed).
 * Rehearsed, that code is compiled before it is needed. And a registry this master cannot read is logged while a
 * leader still serves, not found at failover.
 *
 * <p>When: every {@link #CHECK_INTERVAL} while following, this master counts the registry's agents (one stat) and,
 * once the count is the same as at the check before (not while agents register en masse: that needs the cores and
 * ZooKeeper), rehearses the first time, then each time the count has doubled, until a rehearsal has replayed
 * {@link #WARM_AFTER_AGENTS} agents (enough calls for the JIT to have compiled the path; more teaches it nothing);
 * then once more, and no more ({@link #WARM_REHEARSALS}). So a standby started with an empty cluster rehearses again
 * as the cluster fills, a few times in all. Each rehearsal logs how long the JIT compiled meanwhile.
 *
 * <p>Why again: the JIT compiles a method hot enough only when its queue is short. During the first large rehearsal
 * its queue is long (thousands of methods run for the first time), so it asks many times more calls of each, and
 * some of the hottest were still not compiled when the rehearsal ended: in {@code bench/simulate} (10,000 agents) the
 * JSON writer, the task messages' parsers and the adoption of reported tasks were compiled only after the failover,
 * 1-1.5 s of a core each while agents re-registered. The second rehearsal runs with the queue drained. More did not
 * help: the JIT still compiled 1.5-4 s in a third and a fourth, and the new leader still compiled as much after the
 * failover (other methods).
 *
 * <p>Threading: the checks and rehearsals run on one thread of this class; the throwaway master on a loop of its own
 * (closed after each rehearsal) with a clock that never moves. Nothing but the ZooKeeper client is shared with the
 * server. A rehearsal writes nothing: the throwaway master's registry refuses every write, and the store it reads
 * through is never claimed. It stops before the replay when this master is no longer following (elected: the real
 * recovery needs the cores).
 */
final class RecoveryRehearsal implements AutoCloseable {

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(10);
    static final int WARM_AFTER_AGENTS = 1_000;
    /** Rehearsals of at least {@link #WARM_AFTER_AGENTS} agents before the standby stops rehearsing. */
    static final int WARM_REHEARSALS = 2;
    static final int MOST_REPLAYED = 2 * WARM_AFTER_AGENTS;

    private static final Logger LOG = LoggerFactory.getLogger(RecoveryRehearsal.class);
    private static final long READ_TIMEOUT_SECONDS = 60;

    private final CuratorFramework zk;
    private final String rootPath;
    private final Optional<RegistryMirror> mirror;
    private final MasterInfo info;
    private final Supplier<MasterConfig> config;
    private final BooleanSupplier following;
    private final int warmAfterAgents;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "recovery-rehearsal");
        t.setDaemon(true);
        return t;
    });
    /** Offers the last rehearsal's allocation made (after its agents and frameworks came back). */
    private volatile int rehearsedOffers;
    /** Agents replayed by the last rehearsal, -1 before the first. Written by {@link #thread} only. */
    private volatile int rehearsedAgents = -1;
    /** Rehearsals that replayed at least {@link #warmAfterAgents} agents. Written by {@link #thread} only. */
    private volatile int warmRehearsals;
    /** The registry's agents at the last check, -1 before the first. Used by {@link #thread} only. */
    private int countAtLastCheck = -1;
    /** Rehearsals that failed. Written by {@link #thread} only. */
    private volatile int failures;

    private RecoveryRehearsal(CuratorFramework zk, String rootPath, Optional<RegistryMirror> mirror, MasterInfo info,
                              Supplier<MasterConfig> config, BooleanSupplier following, int warmAfterAgents) {
        this.zk = zk;
        this.mirror = mirror;
        this.rootPath = rootPath;
        this.info = info;
        this.config = config;
        this.following = following;
        this.warmAfterAgents = warmAfterAgents;
    }

    /**
     * @param mirror    the standby's registry mirror, read instead of ZooKeeper while it holds a copy
     * @param following whether this master follows another now (checked before each rehearsal and replay)
     */
    static RecoveryRehearsal start(CuratorFramework zk, String rootPath, Optional<RegistryMirror> mirror,
                                   MasterInfo info, Supplier<MasterConfig> config, BooleanSupplier following) {
        return start(zk, rootPath, mirror, info, config, following, CHECK_INTERVAL, WARM_AFTER_AGENTS);
    }

    static RecoveryRehearsal start(CuratorFramework zk, String rootPath, Optional<RegistryMirror> mirror,
                                   MasterInfo info, Supplier<MasterConfig> config, BooleanSupplier following,
                                   Duration interval, int warmAfterAgents) {
        RecoveryRehearsal rehearsal = new RecoveryRehearsal(zk, rootPath, mirror, info, config, following,
                warmAfterAgents);
        rehearsal.thread.scheduleWithFixedDelay(rehearsal::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return rehearsal;
    }

    /** Offers the last rehearsal made once its agents re-registered and its frameworks resubscribed. */
    int rehearsedOffers() {
        return rehearsedOffers;
    }

    /** Agents the last rehearsal replayed; -1 before the first. */
    int rehearsedAgents() {
        return rehearsedAgents;
    }

    int failures() {
        return failures;
    }

    /** Rehearsals that replayed enough agents to warm the JIT; at {@link #WARM_REHEARSALS} they stop. */
    int warmRehearsals() {
        return warmRehearsals;
    }

    /** Whether this standby has stopped rehearsing (warm, or closed). */
    boolean stopped() {
        return thread.isShutdown();
    }

    private void check() {
        if (warmRehearsals >= WARM_REHEARSALS) {
            thread.shutdown(); // warm: nothing more to learn
            return;
        }
        if (!following.getAsBoolean()) {
            return;
        }
        try {
            Stat agents = zk.checkExists().forPath(new RegistryPaths(rootPath).agents());
            int count = agents == null ? 0 : agents.getNumChildren();
            boolean settled = count == countAtLastCheck; // agents registering en masse need the cores and ZooKeeper
            countAtLastCheck = count;
            boolean again = rehearsedAgents >= warmAfterAgents; // at that size, with the JIT's queue drained
            if (settled && (rehearsedAgents < 0 || again || count >= 2 * Math.max(1, rehearsedAgents))) {
                rehearse();
            }
        } catch (Exception e) {
            LOG.debug("Standby: could not count the registry's agents (ZooKeeper unreachable?): {}", e.toString());
        }
    }

    private void rehearse() {
        long started = System.nanoTime();
        long compiledBefore = compilationMillis();
        try {
            RegistrySnapshot snapshot = read();
            long read = System.nanoTime();
            if (!following.getAsBoolean()) {
                return;
            }
            RegistrySnapshot sample = sample(snapshot);
            replay(sample);
            rehearsedAgents = sample.agents().size();
            long compiled = compiledBefore < 0 ? -1 : compilationMillis() - compiledBefore; // -1: not known
            if (rehearsedAgents >= warmAfterAgents) {
                warmRehearsals++;
            }
            LOG.info("Standby: rehearsed a recovery: read {} agents and {} frameworks from the registry in {} ms;"
                            + " replayed {} agents and {} frameworks, took them back and made {} offers in {} ms;"
                            + " the JIT compiled for {} ms meanwhile", snapshot.agents().size(),
                    snapshot.frameworks().size(), (read - started) / 1_000_000, sample.agents().size(),
                    sample.frameworks().size(), rehearsedOffers, (System.nanoTime() - read) / 1_000_000, compiled);
        } catch (Exception e) {
            rehearsedAgents = Math.max(rehearsedAgents, 0); // try again when the registry has grown
            failures++;
            LOG.warn("Standby: a rehearsal of recovery failed ({}): elected now, this master would fail the same"
                    + " way; check the registry under {}/registry", e.toString(), rootPath);
        }
    }

    /**
     * The registry: the standby's mirror's copy when it has one (no burst of reads on ZooKeeper, and what a recovery
     * from it would decode), else read whole.
     */
    private RegistrySnapshot read() throws Exception {
        if (mirror.isPresent()) {
            Optional<RegistrySnapshot> copy = mirror.get().copy().get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (copy.isPresent()) {
                return copy.get();
            }
        }
        try (RegistryStore store = new RegistryStore(zk, rootPath)) {
            return store.load().get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /**
     * At most {@link #MOST_REPLAYED} agents and frameworks of the registry: enough for the JIT, and a standby of a
     * large cluster does not spend seconds of both cores (and a heap's worth of garbage) on a throwaway master while
     * the leader and ZooKeeper need them.
     */
    private static RegistrySnapshot sample(RegistrySnapshot snapshot) {
        return new RegistrySnapshot(snapshot.meta(),
                snapshot.agents().subList(0, Math.min(MOST_REPLAYED, snapshot.agents().size())),
                snapshot.frameworks().subList(0, Math.min(MOST_REPLAYED, snapshot.frameworks().size())),
                snapshot.roles(), snapshot.maintenance(), snapshot.agentModes());
    }

    private void replay(RegistrySnapshot snapshot) {
        try (EventLoop loop = new EventLoop("recovery-rehearsal-loop")) {
            // A clock that never moves: the timers the replay sets (re-registration, failover deadlines) must never
            // fire, since what they do would be written to the registry. The leader's own clock is loaded first: were
            // ManualTimers the only Timers loaded, the JIT would inline its calls as the only ones possible, and
            // loading SystemTimers at the failover would throw away all code compiled so (-XX:+LogCompilation:
            // "dependency_failed ... ManualTimers", Agents.adoptTask and DurableChanges.applyAgent among it).
            SystemTimers.class.getName();
            ManualTimers timers = new ManualTimers(System.currentTimeMillis());
            Master master = new Master(info, config.get(), loop, timers, new HierarchicalDrfAllocator(), new Random(),
                    new NoWrites());
            master.rehearse();
            loop.submit(() -> {
                master.recover(snapshot);
                return null;
            }).join();
            rehearsedOffers = loop.submit(() -> FirstMinuteRehearsal.run(master, snapshot)).join();
            master.close();
        }
    }

    /** The JIT's compilation time so far, all compiler threads together (ms); -1 where the JVM does not say. */
    private static long compilationMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** The throwaway master's registry: every write is refused, as a fenced ZooKeeper store refuses it. */
    private static final class NoWrites implements Registry {
        private static <T> CompletableFuture<T> refused() {
            return CompletableFuture.failedFuture(new FencedException("a rehearsal writes nothing"));
        }

        @Override public CompletableFuture<Void> putAgent(AgentRecord agent) { return refused(); }
        @Override public CompletableFuture<Void> putFramework(FrameworkRecord framework) { return refused(); }
        @Override public CompletableFuture<Void> removeFramework(String frameworkId) { return refused(); }
        @Override public CompletableFuture<Void> updateRoles(List<RoleRecord> roles, List<String> removed) {
            return refused();
        }
        @Override public CompletableFuture<Void> putMaintenance(MaintenanceRecord maintenance) { return refused(); }
        @Override public CompletableFuture<Void> putAgentMode(AgentModeRecord mode) { return refused(); }
        @Override public CompletableFuture<Void> removeAgentMode(String agentId) { return refused(); }
        @Override public CompletableFuture<Void> markAgentGone(AgentRecord gone) { return refused(); }
    }
}
