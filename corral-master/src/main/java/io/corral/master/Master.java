package io.corral.master;

import io.corral.master.allocator.Allocator;
import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.OperatorLink;
import io.corral.master.state.Task;
import io.corral.protocol.TaskStates;
import io.corral.protocol.task.SideEffect;
import io.corral.protocol.task.Transition;
import io.corral.zookeeper.registry.RoleRecord;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leading master's state and the decisions that change it: frameworks, agents, tasks and offers.
 *
 * <p><b>Threading contract.</b> One {@link EventLoop} owns everything here. HTTP handlers never touch this state:
 * they turn a request into an event with {@link #submit} and answer from its future. Every method not marked
 * otherwise must run on the loop; none blocks. Timers come from the injected {@link Timers} and fire on the loop.
 *
 * <p>Calls from frameworks are handled by {@link SchedulerCalls} (ACCEPT by {@link Acceptance}, operation feedback
 * by {@link OperationCalls}), calls from agents by {@link AgentCalls}, operators' role settings by {@link RoleCalls},
 * reservations by {@link ReservationCalls}, maintenance by {@link Maintenance} (with {@link InverseOffers}), agent
 * draining, deactivation and gone agents by {@link AgentModes}; all work on this state from the loop. Offers, decline
 * filters and allocation are their own domain, {@link Offers}; writes of an agent's registry document are serialized
 * by {@link AgentWrites}. This class keeps what they share: entity maps, task status records ({@link #record}, the
 * one place the task state table's effects are carried out), status updates sent to frameworks, and the spine's
 * three doors:
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
    /** Completed frameworks kept for /master/state (Mesos's --max_completed_frameworks is 50). */
    static final int MAX_COMPLETED_FRAMEWORKS = 50;
    /** Removed frameworks remembered so agents that come back with their tasks are told to shut them down. */
    static final int MAX_REMEMBERED_REMOVALS = 10_000;
    /** How soon a change the master decided on its own is tried again after the registry refused it. */
    static final Duration RETRY_AFTER_REFUSED_WRITE = Duration.ofSeconds(1);

    private final MasterInfo info;
    private MasterConfig config;
    private final EventLoop loop;
    private final Timers timers;
    private final MasterIds ids;
    private final Registry registry;
    private final long startMillis;

    final Map<FrameworkID, Framework> frameworks = new LinkedHashMap<>();
    final Map<AgentID, Agent> agents = new LinkedHashMap<>();
    /** The outstanding offers, decline filters and allocation cycles. */
    final Offers offers;
    /** Roles an operator gave a weight or quota, by name; every other role has weight 1 and no quota. */
    final Map<String, RoleRecord> roles = new java.util.TreeMap<>();
    /** Completed frameworks as readers see them: frozen when they are removed. */
    final Deque<FrameworkView> completedFrameworkViews = new ArrayDeque<>();
    /** Ids of frameworks removed in this term (the latest {@link #MAX_REMEMBERED_REMOVALS}), oldest first. */
    private final Set<FrameworkID> removedFrameworks = new java.util.LinkedHashSet<>();
    private volatile MasterView published;
    private final AtomicBoolean publishPending = new AtomicBoolean();
    private final Queue<CompletableFuture<MasterView>> viewWaiters = new ConcurrentLinkedQueue<>();
    private MasterCounts.TaskCounters taskCounters = MasterCounts.TaskCounters.NONE;
    private MasterCounts.AgentCounters agentCounters = MasterCounts.AgentCounters.NONE;
    /** While the ZooKeeper connection is suspended the master may no longer lead: it decides nothing. */
    private boolean paused;
    /** Frameworks whose removal is being written to the registry. */
    private final Set<FrameworkID> pendingRemovals = new HashSet<>();
    private Timers.Cancellable pingTimer;
    /** What the current event decided to send; carried out by {@link #streams} after the event. */
    private final Outbox outbox = new Outbox();
    private final Streams streams;

    private final SchedulerCalls schedulerCalls;
    private final AgentCalls agentCalls;
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
        this.info = info;
        this.registry = registry;
        this.config = config;
        this.loop = loop;
        this.timers = timers;
        this.ids = new MasterIds(info.getId());
        this.startMillis = timers.nowMillis();
        this.offers = new Offers(this, allocator, random, allocationTimes);
        this.schedulerCalls = new SchedulerCalls(this);
        this.agentCalls = new AgentCalls(this);
        this.roleCalls = new RoleCalls(this);
        this.agentWrites = new AgentWrites(this);
        this.reservationCalls = new ReservationCalls(this);
        this.operationCalls = new OperationCalls(this);
        this.maintenance = new Maintenance(this);
        this.agentModes = new AgentModes(this);
        this.inverseOffers = new InverseOffers(this);
        this.operatorStreams = new OperatorStreams(timers);
        this.streams = new Streams(timers, () -> this.config.heartbeatInterval());
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

    /**
     * Applies new settings (from the cluster configuration in ZooKeeper) to the running master: timers pick up
     * their new period at their next run, new offers get the new timeout.
     */
    public void updateConfig(MasterConfig config) {
        this.config = config;
    }
    public SchedulerCalls schedulerCalls() { return schedulerCalls; }
    public AgentCalls agentCalls() { return agentCalls; }
    public RoleCalls roleCalls() { return roleCalls; }
    AgentWrites agentWrites() { return agentWrites; }
    public ReservationCalls reservationCalls() { return reservationCalls; }
    OperationCalls operationCalls() { return operationCalls; }
    public Maintenance maintenance() { return maintenance; }
    public AgentModes agentModes() { return agentModes; }
    InverseOffers inverseOffers() { return inverseOffers; }
    public long startMillis() { return startMillis; }
    /** This term's clock and timers; timers fire on the loop (e.g. SET_LOGGING_LEVEL's revert). */
    public Timers timers() { return timers; }
    MasterIds ids() { return ids; }
    /** Where decisions put the messages they send ({@link Effect}s, carried out after the event). */
    Outbox outbox() { return outbox; }
    /** The open streams; only the HTTP room's news of a stream that ended reaches them directly. */
    Streams streams() { return streams; }

    public Collection<Framework> frameworks() { return frameworks.values(); }
    public Collection<Agent> agents() { return agents.values(); }
    public int outstandingOffers() { return offers.size(); }
    Map<String, RoleRecord> roles() { return roles; }

    // ---- pausing ----

    /** Stops (or resumes) the decisions the master takes on its own: allocation and removals on timeouts. */
    public void setPaused(boolean paused) {
        this.paused = paused;
        if (!paused) {
            offers.allocateSoon();
        }
    }

    boolean isPaused() {
        return paused;
    }

    // ---- tasks and status updates ----

    /**
     * Records a task's new status as the shared table allows ({@link Task#apply}) and carries out what the change
     * obliges the master to do: give the task's resources back to its agent (if booked there) and count it once when
     * it ends. Telling the framework is the caller's: it knows whether the status came from the agent (always relayed,
     * so the agent stops resending) or from the master. A change the table rejects changes nothing and is logged.
     */
    Transition record(Task task, TaskStatus status) {
        Transition transition = task.apply(status);
        if (!transition.isAccepted()) {
            LOG.warn("Task {} of framework {}: {} ignored: {}", task.id().getValue(), task.frameworkId().getValue(),
                    status.getState(), transition);
            return transition;
        }
        if (transition.has(SideEffect.RELEASE_RESOURCES)) {
            Agent agent = agents.get(task.agentId());
            if (agent != null && agent.task(task.frameworkId(), task.id()) == task) {
                agent.releaseTaskResources(task);
                offers.allocateSoon();
            }
        }
        if (transition.has(SideEffect.COUNT_TERMINAL)) {
            taskCounters = taskCounters.counted(task.state());
            Agent agent = agents.get(task.agentId());
            if (agent != null) {
                agentModes.taskEnded(agent); // a draining agent may be drained now
            }
        }
        if (!transition.isRepeat()) {
            operatorStreams.publish(() -> OperatorEvents.taskUpdated(task, status));
        }
        return transition;
    }

    void countRegistration(boolean reregistration) {
        agentCounters = reregistration ? agentCounters.reregistered() : agentCounters.registered();
    }

    void countRemoval() {
        agentCounters = agentCounters.removed();
    }

    // ---- the published view ----

    /**
     * The state as an immutable view, for readers on any thread, who serialize it on their own: the view already
     * published while nothing has run on the loop since, else the next one the loop publishes. However many readers
     * ask at once, the loop builds one view for them all, between two events: a reader storm costs the loop one cheap
     * copy of references per wave (tasks' views are cached until they change), never a serialization.
     */
    public CompletableFuture<MasterView> view() {
        MasterView current = published;
        if (current != null && current.eventsSeen() == loop.startedEvents()) {
            return CompletableFuture.completedFuture(current);
        }
        CompletableFuture<MasterView> next = new CompletableFuture<>();
        viewWaiters.add(next);
        if (publishPending.compareAndSet(false, true)) {
            loop.submit(() -> {
                publish();
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
     * loop applies after it, in order (both happen on the loop, so nothing falls between them).
     */
    public void subscribeOperator(OperatorLink link) {
        publish();
        link.send(OperatorEvents.subscribed(published));
        operatorStreams.add(link);
    }

    /** What subscribed operators are told of {@code framework} as it is now: its view with the offers it holds. */
    FrameworkView frameworkView(Framework framework) {
        return framework.view(offers.heldBy(framework));
    }

    private void publish() {
        publishPending.set(false);
        MasterView view = new MasterView(published == null ? 1 : published.version() + 1,
                loop.startedEvents(), // this event included: the view is current until another one starts
                info, startMillis,
                agents.values().stream().map(Agent::view).toList(),
                frameworks.values().stream().map(f -> f.view(offers.heldBy(f))).toList(),
                List.copyOf(completedFrameworkViews), List.copyOf(roles.values()),
                taskCounters, agentCounters, offers.size(), loop.pendingEvents(), offers.allocationRuns(),
                offers.activeFilters(), offers.isAllocationPending(), maintenance.view());
        published = view;
        for (CompletableFuture<MasterView> waiter; (waiter = viewWaiters.poll()) != null; ) {
            waiter.complete(view);
        }
    }

    /** Remembers that {@code frameworkId} was removed for good. */
    void rememberRemoved(FrameworkID frameworkId) {
        removedFrameworks.add(frameworkId);
        if (removedFrameworks.size() > MAX_REMEMBERED_REMOVALS) {
            removedFrameworks.remove(removedFrameworks.iterator().next());
        }
    }

    boolean wasRemoved(FrameworkID frameworkId) {
        return removedFrameworks.contains(frameworkId);
    }

    void addTask(Framework framework, Agent agent, Task task) {
        framework.addTask(task);
        agent.addTask(task);
    }

    /** Forwards an update to its framework, if connected; an update with a uuid keeps coming until acknowledged. */
    void forwardUpdate(Framework framework, TaskStatus status) {
        if (framework == null || !framework.isConnected()) {
            return;
        }
        TaskState visible = TaskStates.visibleTo(status.getState(), framework.isPartitionAware());
        TaskStatus shown = visible == status.getState() ? status : status.toBuilder().setState(visible).build();
        outbox.toFramework(framework.id(), Event.newBuilder().setType(Event.Type.UPDATE)
                .setUpdate(Event.Update.newBuilder().setStatus(shown)).build());
    }

    /**
     * An update the master itself generates (invalid launch, reconciliation): no uuid, never acknowledged.
     * {@code reason}, {@code agentId} and {@code message} may be null.
     */
    TaskStatus masterStatus(TaskID taskId, AgentID agentId, TaskState state, TaskStatus.Reason reason,
                            String message) {
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(taskId)
                .setState(state)
                .setSource(TaskStatus.Source.SOURCE_MASTER)
                .setTimestamp(timers.nowMillis() / 1000.0);
        if (reason != null) {
            status.setReason(reason);
        }
        if (agentId != null) {
            status.setAgentId(agentId);
        }
        if (message != null) {
            status.setMessage(message);
        }
        return status.build();
    }

    /** Forgets a task whose terminal update the framework acknowledged (or that can no longer run). */
    void completeTask(Framework framework, Task task) {
        Agent agent = agents.get(task.agentId());
        if (agent != null && agent.removeTask(task) && !task.isTerminal()) {
            agent.releaseTaskResources(task);
        }
        if (framework != null) {
            framework.completeTask(task);
        }
    }

    // ---- frameworks ----

    /**
     * Decides to remove {@code framework} for good and commits it ({@link DurableChanges} applies the removal). When
     * the registry refuses, nothing is removed: the returned future fails (a TEARDOWN answers 503), and a removal the
     * master decided on its own (a failover timeout) is tried again a second later while it still applies.
     */
    CompletableFuture<Void> removeFramework(Framework framework, String why) {
        if (!pendingRemovals.add(framework.id())) {
            return CompletableFuture.completedFuture(null); // already on its way
        }
        CompletableFuture<Void> removed = commit(new DurableChange.FrameworkRemoved(framework.id(), why), () -> {});
        removed.whenComplete((ok, failure) -> {
            pendingRemovals.remove(framework.id());
            if (failure != null && !framework.isConnected() && frameworks.get(framework.id()) == framework) {
                timers.schedule(RETRY_AFTER_REFUSED_WRITE, () -> {
                    if (!framework.isConnected() && frameworks.get(framework.id()) == framework) {
                        removeFramework(framework, why);
                    }
                });
            }
        });
        return removed;
    }

    // ---- durable changes ----

    /**
     * Decide, record, apply: writes {@code change} to the registry and, once ZooKeeper confirmed it, applies it on the
     * loop ({@link DurableChanges#apply}) and then runs {@code afterApply}, the live change's own effects (attach a
     * stream, answer REGISTERED...), in the same loop task; the returned future completes after those effects are
     * carried out. When the write is refused (fenced, no quorum, rejected)
     * nothing changes: the returned future fails with a 503 for the HTTP room to answer.
     */
    CompletableFuture<Void> commit(DurableChange change, Runnable afterApply) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        change.writeTo(registry).whenComplete((ok, failure) -> {
            try {
                loop.execute(() -> {
                    if (failure != null) {
                        String why = rootMessage(failure);
                        LOG.warn("The registry refused the {} ({}); nothing changed", change.describe(), why);
                        done.completeExceptionally(Rejected.unavailable("Master could not record the "
                                + change.describe() + " in its registry (" + why + "); retry"));
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

    private static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /**
     * Every ping interval: PING each connected agent, and mark unreachable each registered agent that has not been
     * heard from for {@code max_agent_ping_timeouts} intervals (it may keep its ZooKeeper session, yet be unable to
     * reach this master).
     */
    private void schedulePings() {
        pingTimer = timers.schedule(config.agentPingInterval(), () -> {
            long now = timers.nowMillis();
            for (Agent agent : List.copyOf(agents.values())) {
                if (agent.isUnreachable() || agent.isRecovered()) {
                    continue; // a recovered agent has agent_reregister_timeout to come back
                }
                if (now - agent.lastHeardMillis() >= config.agentSilenceLimit().toMillis() && !paused) {
                    agentCalls.markUnreachable(agent, "no PONG for " + config.agentSilenceLimit().toSeconds() + "s");
                } else if (agent.isConnected()) {
                    outbox.toAgent(agent.id(), AgentEvent.ping());
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
            schedulerCalls.cancelFailoverTimers();
            frameworks.values().forEach(Framework::detach);
            agents.values().forEach(Agent::detach);
            streams.closeAll();
            return null;
        }).join();
    }
}
