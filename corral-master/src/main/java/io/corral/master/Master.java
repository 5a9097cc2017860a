package io.corral.master;

import io.corral.master.allocator.Allocator;
import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.OperatorLink;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.security.Acls;
import io.corral.zookeeper.registry.RoleRecord;
import io.corral.zookeeper.registry.UnstorableDocumentException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leading master's state and the decisions that change it: frameworks, agents, tasks and offers.
 *
 * <p><b>Threading contract.</b> One {@link EventLoop} owns everything here. HTTP handlers never touch this state:
 * they turn a request into an event with {@link #submit} and answer from its future. Every method not marked
 * otherwise must run on the loop; none blocks. Timers come from the injected {@link Timers} and fire on the loop.
 *
 * <p>The state is owned per domain ({@code docs/master.md}, "Domains"): {@link Frameworks}, {@link Tasks},
 * {@link Agents}, {@link Offers} (ACCEPT's operations by {@link Acceptance}, their feedback by
 * {@link OperationCalls}), roles' settings by {@link RoleCalls}, operators' reservations by {@link ReservationCalls},
 * maintenance by {@link Maintenance} (with {@link InverseOffers}), agent modes by {@link AgentModes}; writes of an
 * agent's registry document are serialized by {@link AgentWrites}. Decisions send nothing themselves: they put
 * {@link Effect}s in the {@link Outbox}, which {@link Streams} carries out after each loop event. This class wires
 * them together and keeps the spine's doors:
 * <ul>
 *   <li>{@link #commit}: a durable change is written to the registry and applied ({@link DurableChanges}) only once
 *       ZooKeeper confirmed it; a refused write changes nothing;
 *   <li>{@link #view}: readers get an immutable {@link MasterView}, published by the loop, serialized elsewhere;
 *   <li>{@link #subscribeOperator}: the operator event stream ({@link OperatorStreams}).
 * </ul>
 * See {@code docs/master.md}.
 *
 * <p>A Master instance lives exactly as long as one leadership term: a new term starts from empty soft state,
 * rebuilt as agents re-register and frameworks resubscribe (as in Mesos).
 */
public final class Master implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Master.class);
    /** How soon a change the master decided on its own is tried again after the registry refused it. */
    static final Duration RETRY_AFTER_REFUSED_WRITE = Duration.ofSeconds(1);
    /** How often the loop looks for agents due a PING or silent too long (each agent's pings keep their own phase). */
    static final Duration PING_TICK = Duration.ofSeconds(1);

    private final MasterInfo info;
    private MasterConfig config;
    private final EventLoop loop;
    private final Timers timers;
    private final MasterIds ids;
    private final Registry registry;
    private final Acls acls;
    private final long startMillis;

    /** The outstanding offers, decline filters and allocation cycles. */
    final Offers offers;
    private volatile MasterView published;
    private final AtomicBoolean publishPending = new AtomicBoolean();
    private final Queue<CompletableFuture<MasterView>> viewWaiters = new ConcurrentLinkedQueue<>();
    /** While the ZooKeeper connection is suspended the master may no longer lead: it decides nothing. */
    private boolean paused;
    /** A standby's throwaway master rehearsing a recovery: its decisions are not logged as the cluster's. */
    private boolean rehearsal;
    private Timers.Cancellable pingTimer;
    /** What the current event decided to send; carried out by {@link #streams} after the event. */
    private final Outbox outbox = new Outbox();
    private final Streams streams;

    private final Frameworks frameworks;
    private final Tasks tasks;
    private final Executors executors;
    private final Agents agents;
    private final RoleCalls roleCalls;
    private final AgentWrites agentWrites;
    private final ReservationCalls reservationCalls;
    private final OperationCalls operationCalls;
    private final Maintenance maintenance;
    private final AgentModes agentModes;
    private final InverseOffers inverseOffers;
    final OperatorStreams operatorStreams;

    public Master(MasterInfo info, MasterConfig config, EventLoop loop, Timers timers, Allocator allocator,
                  Random random, Registry registry) {
        this(info, config, loop, timers, allocator, random, registry, AllocationTimes.unregistered());
    }

    /** @param allocationTimes where each allocation cycle's duration is recorded (the process's metrics) */
    public Master(MasterInfo info, MasterConfig config, EventLoop loop, Timers timers, Allocator allocator,
                  Random random, Registry registry, AllocationTimes allocationTimes) {
        this(info, config, loop, timers, allocator, random, registry, allocationTimes, Acls.permitAll());
    }

    /** @param acls who may do what; the decisions the loop takes (e.g. run_tasks at launch) consult them */
    public Master(MasterInfo info, MasterConfig config, EventLoop loop, Timers timers, Allocator allocator,
                  Random random, Registry registry, AllocationTimes allocationTimes, Acls acls) {
        this.acls = acls;
        this.info = info;
        this.registry = registry;
        this.config = config;
        this.loop = loop;
        this.timers = timers;
        this.ids = new MasterIds(info.getId());
        this.startMillis = timers.nowMillis();
        this.offers = new Offers(this, allocator, random, allocationTimes);
        this.frameworks = new Frameworks(this);
        this.tasks = new Tasks(this);
        this.executors = new Executors(this);
        this.agents = new Agents(this);
        this.roleCalls = new RoleCalls(this);
        this.agentWrites = new AgentWrites(this);
        this.reservationCalls = new ReservationCalls(this);
        this.operationCalls = new OperationCalls(this);
        this.maintenance = new Maintenance(this);
        this.agentModes = new AgentModes(this);
        this.inverseOffers = new InverseOffers(this);
        this.operatorStreams = new OperatorStreams(timers, outbox);
        this.streams = new Streams(timers, () -> this.config.heartbeatInterval(), operatorStreams);
        loop.afterEachEvent(() -> streams.carryOut(outbox.drain()));
    }

    /** Applies the registry a new leader read, before it serves anything: see {@link DurableChanges#recover}. */
    public void recover(io.corral.zookeeper.registry.RegistrySnapshot snapshot) {
        DurableChanges.recover(this, snapshot);
    }

    /** Starts the periodic work of a leadership term. Call on the loop. */
    public void start() {
        offers.start();
        schedulePings();
    }

    /** Runs {@code event} on the loop; callable from any thread. */
    public <T> CompletableFuture<T> submit(Supplier<T> event) {
        return loop.submit(event);
    }

    public void execute(Runnable event) {
        loop.execute(event);
    }

    public MasterInfo info() { return info; }
    public MasterConfig config() { return config; }

    /** Who may do what (Mesos's ACLs); permit-all unless the master was started with {@code --acls}. */
    public Acls acls() {
        return acls;
    }

    /**
     * Applies new settings (from the cluster configuration in ZooKeeper) to the running master: timers pick up
     * their new period at their next run, new offers get the new timeout.
     */
    public void updateConfig(MasterConfig config) {
        this.config = config;
    }
    /** The frameworks domain: every framework known, and the decisions of a framework's life. */
    public Frameworks frameworks() { return frameworks; }
    /** The tasks domain: status records, kills, acknowledgements, reconciliation. */
    public Tasks tasks() { return tasks; }
    /** The executors domain: CUSTOM and DEFAULT executors, their resources, messages and ends. */
    public Executors executors() { return executors; }
    /** The agents domain: every agent known, registrations, status updates, unreachable agents. */
    public Agents agents() { return agents; }
    public RoleCalls roleCalls() { return roleCalls; }
    AgentWrites agentWrites() { return agentWrites; }
    public ReservationCalls reservationCalls() { return reservationCalls; }
    public OperationCalls operationCalls() { return operationCalls; }
    public Maintenance maintenance() { return maintenance; }
    public AgentModes agentModes() { return agentModes; }
    public InverseOffers inverseOffers() { return inverseOffers; }
    /** The offers domain: outstanding offers, decline filters, allocation, and the answers ACCEPT and DECLINE. */
    public Offers offers() { return offers; }
    public long startMillis() { return startMillis; }
    /** This term's clock and timers; timers fire on the loop (e.g. SET_LOGGING_LEVEL's revert). */
    public Timers timers() { return timers; }
    MasterIds ids() { return ids; }
    /** Where decisions put the messages they send ({@link Effect}s, carried out after the event). */
    Outbox outbox() { return outbox; }
    /** The open streams; only the HTTP room's news of a stream that ended reaches them directly. */
    Streams streams() { return streams; }

    public int outstandingOffers() { return offers.size(); }
    Map<String, RoleRecord> roles() { return roleCalls.settings(); }

    // ---- pausing ----

    /** Stops (or resumes) the decisions the master takes on its own: allocation and removals on timeouts. */
    public void setPaused(boolean paused) {
        this.paused = paused;
        if (!paused) {
            offers.allocateSoon();
        }
    }

    /** Marks this master as a rehearsal (before it runs anything): agents and frameworks it takes back go unlogged. */
    void rehearse() {
        rehearsal = true;
    }

    /** Whether this master's decisions are the cluster's, to be logged as such. */
    boolean logsDecisions() {
        return !rehearsal;
    }

    boolean isPaused() {
        return paused;
    }

    // ---- tasks and status updates ----

    // ---- the published view ----

    /**
     * The state as an immutable view, for readers on any thread, who serialize it on their own: the view already
     * published while nothing has run on the loop since, else the next one the loop publishes. However many readers
     * ask at once, the loop builds one view for them all, between two events: a reader storm costs the loop one cheap
     * copy of references per wave (tasks' views are cached until they change), never a serialization. The publish
     * runs next on the loop ({@link EventLoop#readNext}), so a busy loop's queue (10,000 agents' messages) does not
     * delay readers.
     */
    public CompletableFuture<MasterView> view() {
        MasterView current = published;
        if (current != null && current.eventsSeen() == loop.startedEvents()) {
            return CompletableFuture.completedFuture(current);
        }
        CompletableFuture<MasterView> next = new CompletableFuture<>();
        viewWaiters.add(next);
        if (publishPending.compareAndSet(false, true)) {
            // Next, not behind every event queued meanwhile: the view must only include what began before the ask.
            loop.readNext(() -> {
                publishUnlessCurrent();
                return null;
            }).exceptionally(closed -> { // the leadership term ended
                for (CompletableFuture<MasterView> waiter; (waiter = viewWaiters.poll()) != null; ) {
                    waiter.completeExceptionally(closed);
                }
                return null;
            });
        }
        return next;
    }

    // ---- the operator event stream ----

    /**
     * An operator subscribes to the event stream: SUBSCRIBED with the whole state as of now, then every change the
     * loop applies after it, in order (both happen on the loop, so nothing falls between them). Sees everything.
     */
    public void subscribeOperator(OperatorLink link) {
        subscribeOperator(link, ViewApprover.all());
    }

    /** The same for a subscriber who sees only what {@code approver} lets it see (Mesos's view ACLs). */
    public void subscribeOperator(OperatorLink link, ViewApprover approver) {
        publish();
        outbox.add(new Effect.OpenOperatorStream(link, approver,
                OperatorEvents.subscribed(VisibleView.of(published, approver))));
    }

    /** What subscribed operators are told of {@code framework} as it is now: its view with the offers it holds. */
    FrameworkView frameworkView(Framework framework) {
        return framework.view();
    }

    /** For readers: a new view, unless nothing ran since the last (one asked while it was being built). */
    private void publishUnlessCurrent() {
        if (published == null || published.eventsSeen() != loop.startedEvents()) {
            publish();
            return;
        }
        publishPending.set(false);
        for (CompletableFuture<MasterView> waiter; (waiter = viewWaiters.poll()) != null; ) {
            waiter.complete(published);
        }
    }

    private void publish() {
        publishPending.set(false);
        MasterView view = new MasterView(published == null ? 1 : published.version() + 1,
                loop.startedEvents(), // this event included: the view is current until another one starts
                info, startMillis,
                agents.views(),
                frameworks.views(),
                frameworks.completed(), List.copyOf(roles().values()),
                tasks.counters(), agents.counters(), offers.size(), loop.pendingEvents(), offers.allocationRuns(),
                offers.activeFilters(), offers.isAllocationPending(), maintenance.view());
        published = view;
        for (CompletableFuture<MasterView> waiter; (waiter = viewWaiters.poll()) != null; ) {
            waiter.complete(view);
        }
    }

    // ---- durable changes ----

    /**
     * A decision the registry already holds (nothing to write): applied now, and answered as {@link #commit} answers,
     * once its messages are out.
     */
    CompletableFuture<Void> applyUnwritten(Runnable afterApply) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            afterApply.run();
            outbox.reply(done);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Decide, record, apply: writes {@code change} to the registry and, once ZooKeeper confirmed it, applies it on the
     * loop ({@link DurableChanges#apply}) and then runs {@code afterApply}, the live change's own effects (attach a
     * stream, answer REGISTERED...), in the same loop task; the returned future completes after those effects are
     * carried out. When the write is refused (fenced, no quorum, rejected)
     * nothing changes: the returned future fails with a 503 for the HTTP room to answer.
     */
    CompletableFuture<Void> commit(DurableChange change, Runnable afterApply) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> written;
        try {
            written = change.writeTo(registry);
        } catch (RuntimeException e) { // the store closed with the term (deposed): refused like any other write
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((ok, failure) -> {
            try {
                loop.execute(() -> {
                    if (failure != null) {
                        done.completeExceptionally(refusedWrite(change, failure));
                        return;
                    }
                    try {
                        DurableChanges.apply(this, change);
                        afterApply.run();
                        outbox.reply(done); // answered once the change's messages are out
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                done.completeExceptionally(e); // the term ended meanwhile: the HTTP room answers 503
            }
        });
        return done;
    }

    /**
     * Why a write the registry refused is refused to its caller: a document that can never be stored is the caller's
     * to change (400, no retry); anything else (fenced, no quorum) may pass later (503, retry).
     */
    private static Rejected refusedWrite(DurableChange change, Throwable failure) {
        Throwable cause = rootCause(failure);
        String why = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        if (cause instanceof UnstorableDocumentException) {
            LOG.info("Not recording the {}: {}", change.describe(), why);
            return Rejected.invalid("Master cannot record the " + change.describe() + " in its registry: " + why);
        }
        LOG.warn("The registry refused the {} ({}); nothing changed", change.describe(), why);
        return Rejected.unavailable("Master could not record the " + change.describe() + " in its registry (" + why
                + "); retry");
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Every {@link #PING_TICK}: PING each connected agent whose last PING is a ping interval old, and mark
     * unreachable each registered agent that has not been heard from for {@code max_agent_ping_timeouts} intervals
     * (it may keep its ZooKeeper session, yet be unable to reach this master). Each agent is pinged on its own
     * phase, from when it registered, as Mesos's per-agent observers do: pinging every agent at one instant made
     * 10,000 agents answer at once, a burst of 10,000 PONG connections (bench/simulate ran out of file descriptors
     * and its agents were judged silent).
     */
    private void schedulePings() {
        Duration tick = config.agentPingInterval().compareTo(PING_TICK) < 0 ? config.agentPingInterval() : PING_TICK;
        pingTimer = timers.schedule(tick, () -> {
            long now = timers.nowMillis();
            long interval = config.agentPingInterval().toMillis();
            long silenceLimit = config.agentSilenceLimit().toMillis(); // once a tick, not once an agent
            for (Agent agent : List.copyOf(agents.all())) {
                if (agent.isUnreachable() || agent.isRecovered()) {
                    continue; // a recovered agent has agent_reregister_timeout to come back
                }
                if (now - agent.lastHeardMillis() >= silenceLimit && !paused) {
                    agents.markUnreachable(agent, "no PONG for " + config.agentSilenceLimit().toSeconds() + "s");
                } else if (agent.isConnected() && now - agent.lastPingedMillis() >= interval) {
                    outbox.toAgent(agent.id(), AgentEvent.ping());
                    agent.pinged(now);
                }
            }
            schedulePings();
        });
    }

    /** Ends the leadership term: closes every stream so clients look for the next leader. Callable from any thread. */
    @Override
    public void close() {
        loop.submit(() -> {
            operatorStreams.closeAll();
            offers.stop();
            if (pingTimer != null) {
                pingTimer.cancel();
            }
            frameworks.cancelFailoverTimers();
            frameworks.all().forEach(Framework::detach);
            agents.all().forEach(Agent::detach);
            streams.closeAll();
            return null;
        }).join();
    }
}
