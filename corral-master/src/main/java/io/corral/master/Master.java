package io.corral.master;

import io.corral.master.allocator.AllocationInput;
import io.corral.master.allocator.Allocator;
import io.corral.master.allocator.OfferProposal;
import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.Offer;
import io.corral.master.state.OperatorLink;
import io.corral.master.state.Task;
import io.corral.protocol.TaskStates;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.task.SideEffect;
import io.corral.protocol.task.Transition;
import io.corral.zookeeper.registry.RoleRecord;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.URL;
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
 * <p>Calls from frameworks are handled by {@link SchedulerCalls}, calls from agents by {@link AgentCalls}, operators'
 * role settings by {@link RoleCalls}; all work on this state from the loop. This class keeps what they share: entity
 * maps, offers and allocation, task status records ({@link #record}, the one place the task state table's effects
 * are carried out), status updates sent to frameworks, and the spine's three doors:
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
    /** How soon a change the master decided on its own is tried again after the registry refused it. */
    static final Duration RETRY_AFTER_REFUSED_WRITE = Duration.ofSeconds(1);

    private final MasterInfo info;
    private MasterConfig config;
    private final EventLoop loop;
    private final Timers timers;
    private final Allocator allocator;
    private final Random random;
    private final MasterIds ids;
    private final Registry registry;
    private final long startMillis;
    private final AllocationTimes allocationTimes;

    final Map<FrameworkID, Framework> frameworks = new LinkedHashMap<>();
    final Map<AgentID, Agent> agents = new LinkedHashMap<>();
    final Map<OfferID, Offer> offers = new HashMap<>();
    /** Roles an operator gave a weight or quota, by name; every other role has weight 1 and no quota. */
    final Map<String, RoleRecord> roles = new java.util.TreeMap<>();
    /** Declined (framework, agent) pairs and when each filter expires. */
    private final Map<AllocationInput.Filter, Long> filters = new HashMap<>();
    private boolean allocationPending;
    /** Completed frameworks as readers see them: frozen when they are removed. */
    final Deque<FrameworkView> completedFrameworkViews = new ArrayDeque<>();
    private volatile MasterView published;
    private final AtomicBoolean publishPending = new AtomicBoolean();
    private final Queue<CompletableFuture<MasterView>> viewWaiters = new ConcurrentLinkedQueue<>();
    private MasterCounts.TaskCounters taskCounters = MasterCounts.TaskCounters.NONE;
    private MasterCounts.AgentCounters agentCounters = MasterCounts.AgentCounters.NONE;
    private long allocationRuns;
    /** While the ZooKeeper connection is suspended the master may no longer lead: it decides nothing. */
    private boolean paused;
    /** Frameworks whose removal is being written to the registry. */
    private final Set<FrameworkID> pendingRemovals = new HashSet<>();
    private Timers.Cancellable allocationTimer;
    private Timers.Cancellable pingTimer;

    private final SchedulerCalls schedulerCalls;
    private final AgentCalls agentCalls;
    private final RoleCalls roleCalls;
    private final AgentWrites agentWrites;
    private final ReservationCalls reservationCalls;
    private final OperationCalls operationCalls;
    final OperatorStreams operatorStreams;

    public Master(MasterInfo info, MasterConfig config, EventLoop loop, Timers timers, Allocator allocator,
                  Random random, Registry registry) {
        this(info, config, loop, timers, allocator, random, registry, AllocationTimes.unregistered());
    }

    /** @param allocationTimes where each allocation cycle's duration is recorded (the process's metrics) */
    public Master(MasterInfo info, MasterConfig config, EventLoop loop, Timers timers, Allocator allocator,
                  Random random, Registry registry, AllocationTimes allocationTimes) {
        this.info = info;
        this.allocationTimes = allocationTimes;
        this.registry = registry;
        this.config = config;
        this.loop = loop;
        this.timers = timers;
        this.allocator = allocator;
        this.random = random;
        this.ids = new MasterIds(info.getId());
        this.startMillis = timers.nowMillis();
        this.schedulerCalls = new SchedulerCalls(this);
        this.agentCalls = new AgentCalls(this);
        this.roleCalls = new RoleCalls(this);
        this.agentWrites = new AgentWrites(this);
        this.reservationCalls = new ReservationCalls(this);
        this.operationCalls = new OperationCalls(this);
        this.operatorStreams = new OperatorStreams(timers);
    }

    /** Applies the registry a new leader read, before it serves anything: see {@link DurableChanges#recover}. */
    public void recover(io.corral.zookeeper.registry.RegistrySnapshot snapshot) {
        DurableChanges.recover(this, snapshot);
    }

    /** Starts the periodic work of a leadership term. Call on the loop. */
    public void start() {
        scheduleAllocationTick();
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
    public long startMillis() { return startMillis; }
    /** This term's clock and timers; timers fire on the loop (e.g. SET_LOGGING_LEVEL's revert). */
    public Timers timers() { return timers; }
    MasterIds ids() { return ids; }

    public Collection<Framework> frameworks() { return frameworks.values(); }
    public Collection<Agent> agents() { return agents.values(); }
    public int outstandingOffers() { return offers.size(); }

    // ---- offers and allocation ----

    /** Asks for an allocation after the events already queued: many changes in a burst cost one allocation. */
    void allocateSoon() {
        if (!allocationPending) {
            allocationPending = true;
            loop.execute(this::allocate);
        }
    }

    private void scheduleAllocationTick() {
        allocationTimer = timers.schedule(config.allocationInterval(), () -> {
            allocate();
            scheduleAllocationTick();
        });
    }

    /** Stops (or resumes) the decisions the master takes on its own: allocation and removals on timeouts. */
    public void setPaused(boolean paused) {
        this.paused = paused;
        if (!paused) {
            allocateSoon();
        }
    }

    boolean isPaused() {
        return paused;
    }

    /** One allocation cycle: snapshot, ask the pure allocator, turn its proposals into offers. */
    void allocate() {
        allocationPending = false;
        if (paused) {
            return;
        }
        allocationRuns++;
        long started = System.nanoTime(); // a duration for the metrics only: decisions use the injected clock
        long now = timers.nowMillis();
        filters.values().removeIf(expiry -> expiry <= now);
        List<OfferProposal> proposals = allocator.allocate(allocationInput(), random);
        Map<FrameworkID, List<org.apache.mesos.v1.Protos.Offer>> byFramework = new LinkedHashMap<>();
        for (OfferProposal proposal : proposals) {
            Offer offer = createOffer(proposal);
            byFramework.computeIfAbsent(offer.frameworkId(), k -> new ArrayList<>()).add(offer.proto());
        }
        allocationTimes.record(System.nanoTime() - started); // as Mesos times it: the algorithm, not the sending
        byFramework.forEach((frameworkId, protos) -> frameworks.get(frameworkId).link().send(Event.newBuilder()
                .setType(Event.Type.OFFERS)
                .setOffers(Event.Offers.newBuilder().addAllOffers(protos))
                .build()));
    }

    /** What the allocator decides from: connected agents, frameworks that want offers, filters, role policies. */
    AllocationInput allocationInput() {
        List<AllocationInput.AgentSlot> slots = new ArrayList<>();
        for (Agent agent : agents.values()) {
            // An agent whose registry document is being written may be about to change its total (a reservation):
            // offered now, its offers could hold resources the new total no longer has. AgentWrites allocates again
            // once its writes are done.
            if (agent.isConnected() && !agentWrites.isBusy(agent.id())) {
                slots.add(new AllocationInput.AgentSlot(agent.id().getValue(), agent.info().getHostname(),
                        agent.free(), agent.total()));
            }
        }
        List<AllocationInput.FrameworkDemand> demands = new ArrayList<>();
        for (Framework framework : frameworks.values()) {
            if (!framework.isConnected()) {
                continue;
            }
            boolean refinement = framework.hasCapability(FrameworkInfo.Capability.Type.RESERVATION_REFINEMENT);
            boolean gpus = framework.hasCapability(FrameworkInfo.Capability.Type.GPU_RESOURCES);
            for (String role : framework.roles()) {
                if (!framework.isSuppressed(role)) {
                    demands.add(new AllocationInput.FrameworkDemand(framework.id().getValue(), role,
                            heldBy(framework, role), refinement, gpus));
                }
            }
        }
        Map<String, AllocationInput.RolePolicy> policies = new HashMap<>();
        roles.forEach((name, role) -> policies.put(name, RoleSettings.policy(role)));
        return new AllocationInput(slots, demands, Set.copyOf(filters.keySet()), policies);
    }

    /** What {@code framework} holds in {@code role}: its live tasks' and its offers' resources allocated to it. */
    private ResourceSet heldBy(Framework framework, String role) {
        ResourceSet held = ResourceSet.empty();
        for (Task task : framework.tasks().values()) {
            if (!task.isTerminal() && task.roleOr(framework.role()).equals(role)) {
                held = held.plusAtMost(task.resources()); // over many agents: may pass 1e12
            }
        }
        for (OfferID offerId : framework.offers()) {
            Offer offer = offers.get(offerId);
            if (offer.role().equals(role)) {
                held = held.plusAtMost(offer.resources());
            }
        }
        return held;
    }


    private Offer createOffer(OfferProposal proposal) {
        Agent agent = agents.get(AgentID.newBuilder().setValue(proposal.agentId()).build());
        Framework framework = frameworks.get(FrameworkID.newBuilder().setValue(proposal.frameworkId()).build());
        org.apache.mesos.v1.Protos.Offer proto = org.apache.mesos.v1.Protos.Offer.newBuilder()
                .setId(ids.nextOffer())
                .setFrameworkId(framework.id())
                .setAgentId(agent.id())
                .setHostname(agent.info().getHostname())
                .setUrl(agentUrl(agent))
                .addAllResources(inFormatOf(framework, proposal.resources()))
                .setAllocationInfo(org.apache.mesos.v1.Protos.Resource.AllocationInfo.newBuilder()
                        .setRole(proposal.role()))
                .build();
        Offer offer = new Offer(proto, proposal.resources().withoutAllocationInfo(), proposal.role());
        offers.put(offer.id(), offer);
        agent.addOffer(offer);
        framework.offers().add(offer.id());
        config.offerTimeout().ifPresent(timeout -> timers.schedule(timeout, () -> {
            if (offers.get(offer.id()) == offer && !paused) {
                removeOffer(offer, true, Duration.ZERO);
            }
        }));
        return offer;
    }

    /**
     * Resources as {@code framework} reads them: the reservations stack for frameworks with RESERVATION_REFINEMENT
     * (unreserved resources without a role), Mesos's old {@code role}/{@code reservation} fields for the others.
     */
    static List<org.apache.mesos.v1.Protos.Resource> inFormatOf(Framework framework, ResourceSet resources) {
        boolean refinement = framework.hasCapability(
                org.apache.mesos.v1.Protos.FrameworkInfo.Capability.Type.RESERVATION_REFINEMENT);
        List<org.apache.mesos.v1.Protos.Resource> shown = new ArrayList<>();
        for (org.apache.mesos.v1.Protos.Resource resource : resources.toList()) {
            if (refinement) {
                shown.add(Reservations.isUnreserved(resource) ? resource.toBuilder().clearRole().build() : resource);
            } else {
                org.apache.mesos.v1.Protos.Resource old = Reservations.downgraded(resource);
                if (old != null) {
                    shown.add(old);
                }
            }
        }
        return shown;
    }

    private static URL agentUrl(Agent agent) {
        return URL.newBuilder()
                .setScheme("http")
                .setAddress(org.apache.mesos.v1.Protos.Address.newBuilder()
                        .setHostname(agent.info().getHostname())
                        .setIp(agent.info().getHostname())
                        .setPort(agent.info().getPort()))
                .setPath("/slave(1)")
                .build();
    }

    /**
     * Takes an offer off the table and gives its resources back to its agent. {@code notify} sends RESCIND to the
     * framework (needed when the framework may still try to use it); {@code refuse} filters the agent for the
     * framework for that long (a decline), when positive.
     */
    void removeOffer(Offer offer, boolean notify, Duration refuse) {
        offers.remove(offer.id());
        Agent agent = agents.get(offer.agentId());
        if (agent != null) {
            agent.removeOffer(offer);
        }
        Framework framework = frameworks.get(offer.frameworkId());
        if (framework != null) {
            framework.offers().remove(offer.id());
            if (notify && framework.isConnected()) {
                framework.link().send(Event.newBuilder().setType(Event.Type.RESCIND)
                        .setRescind(Event.Rescind.newBuilder().setOfferId(offer.id())).build());
            }
        }
        if (!refuse.isZero() && !refuse.isNegative()) {
            filters.put(new AllocationInput.Filter(offer.frameworkId().getValue(), offer.agentId().getValue()),
                    timers.nowMillis() + refuse.toMillis());
        }
        allocateSoon();
    }

    /** Removes every filter of {@code framework} (REVIVE). */
    void clearFilters(Framework framework) {
        filters.keySet().removeIf(f -> f.frameworkId().equals(framework.id().getValue()));
    }

    void rescindOffersOf(Collection<OfferID> offerIds, boolean notify) {
        for (OfferID offerId : List.copyOf(offerIds)) {
            Offer offer = offers.get(offerId);
            if (offer != null) {
                removeOffer(offer, notify, Duration.ZERO);
            }
        }
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
                allocateSoon();
            }
        }
        if (transition.has(SideEffect.COUNT_TERMINAL)) {
            taskCounters = taskCounters.counted(task.state());
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
        return framework.view(offersHeldBy(framework));
    }

    private List<org.apache.mesos.v1.Protos.Offer> offersHeldBy(Framework framework) {
        return framework.offers().stream().map(offers::get).filter(java.util.Objects::nonNull).map(Offer::proto)
                .toList();
    }

    private void publish() {
        publishPending.set(false);
        MasterView view = new MasterView(published == null ? 1 : published.version() + 1,
                loop.startedEvents(), // this event included: the view is current until another one starts
                info, startMillis,
                agents.values().stream().map(Agent::view).toList(),
                frameworks.values().stream().map(f -> f.view(offersHeldBy(f))).toList(),
                List.copyOf(completedFrameworkViews), List.copyOf(roles.values()),
                taskCounters, agentCounters, offers.size(), loop.pendingEvents(), allocationRuns,
                activeFilters(), allocationPending);
        published = view;
        for (CompletableFuture<MasterView> waiter; (waiter = viewWaiters.poll()) != null; ) {
            waiter.complete(view);
        }
    }

    /** Decline filters not yet expired, counted by framework id (expired ones are dropped only when allocating). */
    private Map<String, Long> activeFilters() {
        long now = timers.nowMillis();
        Map<String, Long> active = new HashMap<>();
        filters.forEach((filter, expiry) -> {
            if (expiry > now) {
                active.merge(filter.frameworkId(), 1L, Long::sum);
            }
        });
        return active;
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
        framework.link().send(Event.newBuilder().setType(Event.Type.UPDATE)
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
     * stream, answer REGISTERED...), in the same loop task. When the write is refused (fenced, no quorum, rejected)
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
                        done.completeExceptionally(new HttpError(503, "Master could not record the "
                                + change.describe() + " in its registry (" + why + "); retry"));
                        return;
                    }
                    try {
                        DurableChanges.apply(this, change);
                        afterApply.run();
                        done.complete(null);
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

    void scheduleHeartbeat(Framework framework) {
        framework.setHeartbeatTimer(timers.schedule(config.heartbeatInterval(), () -> {
            if (framework.isConnected()) {
                framework.link().send(Event.newBuilder().setType(Event.Type.HEARTBEAT).build());
                scheduleHeartbeat(framework);
            }
        }));
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
                    agent.link().send(AgentEvent.ping());
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
            if (allocationTimer != null) {
                allocationTimer.cancel();
            }
            if (pingTimer != null) {
                pingTimer.cancel();
            }
            for (Framework framework : frameworks.values()) {
                framework.setFailoverTimer(null);
                if (framework.link() != null) {
                    framework.link().close();
                }
                framework.detach();
            }
            for (Agent agent : agents.values()) {
                if (agent.link() != null) {
                    agent.link().close();
                }
            }
            return null;
        }).join();
    }
}
