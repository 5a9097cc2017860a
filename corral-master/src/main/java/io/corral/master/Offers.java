package io.corral.master;

import io.corral.master.allocator.AllocationInput;
import io.corral.master.allocator.Allocator;
import io.corral.master.allocator.Declined;
import io.corral.master.allocator.OfferProposal;
import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Offer;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.URL;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offers domain of the master: outstanding offers, decline filters, and the allocation cycles that turn the
 * pure allocator's proposals into offers. An agent's books ({@link Agent#offered()}) and a framework's offer ids
 * are kept in step here; nothing else adds or removes offers.
 *
 * <p>Allocation runs every {@code allocation_interval} over every agent and, coalesced, right after events that free
 * or need resources. An event of one agent (an ACCEPT's leftovers, a task's end, a registration) asks for a cycle over
 * the agents that changed ({@link #allocateSoon(AgentID)}), as Mesos's event-driven allocations do: at 10,000 agents a
 * cycle over all of them after every ACCEPT took most of the loop. Such a cycle reads the changed agents only, and
 * computes shares over the cluster's total as the last cycle over every agent found it (at most
 * {@code allocation_interval} old: agents come and go far more rarely than cycles run). Events that change what
 * frameworks want or may have (a subscription, REVIVE, roles, maintenance) ask for a cycle over every agent
 * ({@link #allocateSoon()}); so does any cycle while a role has a quota guarantee, whose headroom is reckoned over
 * every agent's free resources. A DECLINE asks for no cycle: what it gave back waits for the periodic one, as in Mesos
 * (which allocates nothing upon a decline). Re-offered at once, an offer declined with {@code refuse_seconds} 0 came
 * straight back to the framework that declined it, as fast as the two could talk; and after a failover, ten
 * frameworks declining 10,000 agents one after the other made 41,356 offers in 3,952 small cycles while the agents
 * were still coming back ({@code bench/simulate}, 20,000 tasks).
 *
 * <p>A cycle reads the master's agents, frameworks and roles into an immutable {@link AllocationInput}; the allocator
 * decides without I/O; the proposals become offers sent per framework.
 *
 * <p>Threading: owned by the master's event loop, like every class of the master's state.
 */
public final class Offers {
    private static final Logger LOG = LoggerFactory.getLogger(Offers.class);
    private static final double DEFAULT_REFUSE_SECONDS = 5.0;
    private static final double MAX_REFUSE_SECONDS = 365 * 24 * 3600.0;

    private final Master master;
    private final Allocator allocator;
    private final Random random;
    private final AllocationTimes allocationTimes;
    private final Map<OfferID, Offer> offers = new HashMap<>();
    private final DeclineFilters filters = new DeclineFilters();
    private boolean allocationPending;
    /** Agents changed since the last cycle, for the next event-driven one; ignored when {@code everyAgent}. */
    private final Set<AgentID> changedAgents = new HashSet<>();
    /** The next event-driven cycle is over every agent. */
    private boolean everyAgent;
    /** The cluster's total as the last cycle over every agent summed it; null before the first. */
    private AllocationInput.FairTotals clusterTotals;
    /** When this term began allocating (System.nanoTime), until its first offers are logged; then 0. */
    private long firstOffersAwaitedSinceNanos;
    private long allocationRuns;
    private Timers.Cancellable allocationTimer;

    Offers(Master master, Allocator allocator, Random random, AllocationTimes allocationTimes) {
        this.master = master;
        this.allocator = allocator;
        this.random = random;
        this.allocationTimes = allocationTimes;
    }

    /** Starts the periodic allocation of a leadership term. */
    void start() {
        firstOffersAwaitedSinceNanos = System.nanoTime();
        scheduleTick();
    }

    /** Stops it, at the end of the term. */
    void stop() {
        if (allocationTimer != null) {
            allocationTimer.cancel();
        }
    }

    Offer get(OfferID id) {
        return offers.get(id);
    }

    int size() {
        return offers.size();
    }

    /** Takes an offer off the table for an ACCEPT: its resources stay booked on its agent until the ACCEPT is done. */
    void withdraw(Offer offer, Framework framework) {
        offers.remove(offer.id());
        framework.removeOffer(offer);
    }

    long allocationRuns() {
        return allocationRuns;
    }

    boolean isAllocationPending() {
        return allocationPending;
    }

    /** Decline filters not yet expired, counted by framework id (expired ones are dropped only when allocating). */
    Map<String, Long> activeFilters() {
        return filters.activeByFramework(master.timers().nowMillis());
    }

    /**
     * Asks for an allocation over every agent after the events already queued: many changes in a burst cost one
     * allocation.
     */
    void allocateSoon() {
        everyAgent = true;
        changedAgents.clear();
        schedulePending();
    }

    /** Asks for an allocation after the events already queued, over {@code agent} and the other agents changed. */
    void allocateSoon(AgentID agent) {
        if (!everyAgent) {
            changedAgents.add(agent);
        }
        schedulePending();
    }

    private void schedulePending() {
        if (!allocationPending) {
            allocationPending = true;
            master.execute(this::allocatePending);
        }
    }

    /** The cycle events asked for: over the agents that changed, or every agent. */
    private void allocatePending() {
        if (everyAgent) {
            allocate();
        } else if (!changedAgents.isEmpty()) {
            Set<AgentID> changed = Set.copyOf(changedAgents);
            changedAgents.clear();
            allocate(changed);
        } else {
            allocationPending = false; // a cycle over every agent ran meanwhile
        }
    }

    private void scheduleTick() {
        allocationTimer = master.timers().schedule(master.config().allocationInterval(), () -> {
            try {
                allocate();
            } catch (RuntimeException e) {
                // A cycle that fails (a bug, or state no offer can be made of) must not end allocation for the
                // whole term: the next tick tries again.
                LOG.error("Allocation cycle failed; trying again at the next interval", e);
            } finally {
                scheduleTick();
            }
        });
    }

    /** One allocation cycle over every agent. */
    void allocate() {
        everyAgent = false;
        changedAgents.clear();
        allocate(null);
    }

    /**
     * One allocation cycle: snapshot, ask the pure allocator, turn its proposals into offers. {@code only}: the
     * agents to offer (null: every agent).
     */
    private void allocate(Set<AgentID> only) {
        allocationPending = false;
        if (master.isPaused()) {
            return;
        }
        allocationRuns++;
        long started = System.nanoTime(); // a duration for the metrics only: decisions use the injected clock
        List<OfferProposal> proposals = allocator.allocate(allocationInput(only), random);
        Map<FrameworkID, List<org.apache.mesos.v1.Protos.Offer>> byFramework = new LinkedHashMap<>();
        for (OfferProposal proposal : proposals) {
            Offer offer = createOffer(proposal);
            byFramework.computeIfAbsent(offer.frameworkId(), k -> new ArrayList<>()).add(offer.proto());
        }
        allocationTimes.record(System.nanoTime() - started); // as Mesos times it: the algorithm, not the sending
        if (firstOffersAwaitedSinceNanos != 0 && !byFramework.isEmpty()) { // how fast a failover serves again
            LOG.info("First offers of this term: {} to {} frameworks, {} ms after it began", proposals.size(),
                    byFramework.size(), (System.nanoTime() - firstOffersAwaitedSinceNanos) / 1_000_000);
            firstOffersAwaitedSinceNanos = 0;
        }
        byFramework.forEach((frameworkId, protos) -> master.outbox().toFramework(frameworkId, Event.newBuilder()
                .setType(Event.Type.OFFERS)
                .setOffers(Event.Offers.newBuilder().addAllOffers(protos))
                .build()));
        master.inverseOffers().send();
    }

    /**
     * What the allocator decides from: connected agents an operator has not deactivated, drained or brought down,
     * frameworks that want offers, filters, role policies.
     */
    AllocationInput allocationInput() {
        return allocationInput(null);
    }

    /**
     * The same, offering only the agents in {@code only} (null: every agent). Shares stay over the whole cluster's
     * total, as the last cycle over every agent summed it; the first cycle, and any while a role has a quota
     * guarantee, are over every agent.
     */
    private AllocationInput allocationInput(Set<AgentID> only) {
        Map<String, AllocationInput.RolePolicy> policies = new HashMap<>();
        master.roles().forEach((name, role) -> policies.put(name, RoleSettings.policy(role)));
        boolean guarantees = policies.values().stream().anyMatch(policy -> !policy.guarantees().isEmpty());
        List<AllocationInput.AgentSlot> slots = new ArrayList<>();
        boolean wholeCluster = only == null || guarantees || clusterTotals == null;
        if (wholeCluster) {
            AllocationInput.FairTotals sum = AllocationInput.FairTotals.ZERO;
            for (Agent agent : master.agents().all()) {
                if (offerable(agent)) {
                    sum = sum.plus(AllocationInput.FairTotals.of(agent.total()));
                    slots.add(slot(agent));
                }
            }
            clusterTotals = sum;
        } else {
            for (AgentID id : only) {
                Agent agent = master.agents().get(id);
                if (agent != null && offerable(agent)) {
                    slots.add(slot(agent));
                }
            }
        }
        List<AllocationInput.FrameworkDemand> demands = new ArrayList<>();
        List<AllocationInput.RoleHolding> idle = new ArrayList<>();
        for (Framework framework : master.frameworks().all()) {
            boolean refinement = framework.hasCapability(FrameworkInfo.Capability.Type.RESERVATION_REFINEMENT);
            boolean gpus = framework.hasCapability(FrameworkInfo.Capability.Type.GPU_RESOURCES);
            for (String role : framework.roles()) {
                ResourceSet held = framework.held(role);
                if (framework.isConnected() && !framework.isSuppressed(role)) {
                    demands.add(new AllocationInput.FrameworkDemand(framework.id().getValue(), role, held,
                            refinement, gpus));
                } else if (!held.isEmpty()) {
                    idle.add(new AllocationInput.RoleHolding(role, held));
                }
            }
        }
        long now = master.timers().nowMillis();
        Declined declined = wholeCluster ? filters.all(now)
                : filters.of(slots.stream().map(AllocationInput.AgentSlot::agentId).collect(Collectors.toSet()), now);
        return new AllocationInput(slots, demands, declined, policies, idle, clusterTotals);
    }

    /**
     * Whether offers may be made of {@code agent}'s resources now. Not while its registry document is being written:
     * it may be about to change its total (a reservation), and offered now its offers could hold resources the new
     * total no longer has; AgentWrites allocates again once its writes are done.
     */
    private boolean offerable(Agent agent) {
        return agent.isConnected() && !agent.isDeactivated() && !master.maintenance().isDown(agent.info())
                && !master.agentWrites().isBusy(agent.id());
    }

    private static AllocationInput.AgentSlot slot(Agent agent) {
        return new AllocationInput.AgentSlot(agent.id().getValue(), agent.info().getHostname(), agent.free(),
                agent.total());
    }

    private Offer createOffer(OfferProposal proposal) {
        Agent agent = master.agents().get(AgentID.newBuilder().setValue(proposal.agentId()).build());
        Framework framework =
                master.frameworks().get(FrameworkID.newBuilder().setValue(proposal.frameworkId()).build());
        org.apache.mesos.v1.Protos.Offer proto = org.apache.mesos.v1.Protos.Offer.newBuilder()
                .setId(master.ids().nextOffer())
                .setFrameworkId(framework.id())
                .setAgentId(agent.id())
                .setHostname(agent.info().getHostname())
                .setUrl(agentUrl(agent))
                .addAllResources(inFormatOf(framework, proposal.resources()))
                .addAllAttributes(agent.info().getAttributesList())
                .setAllocationInfo(org.apache.mesos.v1.Protos.Resource.AllocationInfo.newBuilder()
                        .setRole(proposal.role()))
                .build();
        java.util.Optional<org.apache.mesos.v1.Protos.Unavailability> unavailability =
                master.maintenance().unavailability(agent.info());
        if (unavailability.isPresent()) { // the agent's machine is scheduled for maintenance: frameworks may plan
            proto = proto.toBuilder().setUnavailability(unavailability.get()).build();
        }
        Offer offer = new Offer(proto, proposal.resources().withoutAllocationInfo(), proposal.role());
        offers.put(offer.id(), offer);
        agent.addOffer(offer);
        framework.addOffer(offer);
        master.config().offerTimeout().ifPresent(timeout -> master.timers().schedule(timeout, () -> {
            if (offers.get(offer.id()) == offer && !master.isPaused()) {
                remove(offer, true, Duration.ZERO);
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

    static URL agentUrl(Agent agent) {
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
     * framework for that long, when positive. A cycle over its agent follows at once.
     */
    void remove(Offer offer, boolean notify, Duration refuse) {
        giveBack(offer, notify, refuse);
        allocateSoon(offer.agentId());
    }

    /** The same, asking for no cycle: the periodic one offers the resources again. */
    private void giveBack(Offer offer, boolean notify, Duration refuse) {
        offers.remove(offer.id());
        Agent agent = master.agents().get(offer.agentId());
        if (agent != null) {
            agent.removeOffer(offer);
        }
        Framework framework = master.frameworks().get(offer.frameworkId());
        if (framework != null) {
            framework.removeOffer(offer);
            if (notify && framework.isConnected()) {
                master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.RESCIND)
                        .setRescind(Event.Rescind.newBuilder().setOfferId(offer.id())).build());
            }
        }
        if (!refuse.isZero() && !refuse.isNegative()) {
            filters.add(offer.frameworkId().getValue(), offer.agentId().getValue(),
                    master.timers().nowMillis() + refuse.toMillis());
        }
    }

    /** Removes every filter of {@code framework} (REVIVE). */
    void clearFilters(Framework framework) {
        filters.clear(framework.id().getValue());
    }

    void rescind(Collection<OfferID> offerIds, boolean notify) {
        for (OfferID offerId : List.copyOf(offerIds)) {
            Offer offer = offers.get(offerId);
            if (offer != null) {
                remove(offer, notify, Duration.ZERO);
            }
        }
    }

    // ---- the framework's answers: DECLINE and ACCEPT ----

    /**
     * DECLINE: the offers go back, and the agents are filtered from the framework for {@code refuse_seconds}; the
     * next periodic cycle offers them again (see the class comment).
     */
    public void decline(Framework framework, List<OfferID> offerIds, Filters filters) {
        Duration refuse = refuseDuration(filters);
        for (OfferID offerId : offerIds) {
            Offer offer = get(offerId);
            if (offer != null && offer.frameworkId().equals(framework.id())) {
                giveBack(offer, false, refuse);
            }
        }
    }

    /**
     * ACCEPT: the operations are carried out on the offers' resources ({@link Acceptance}); unused resources count
     * as declined. Invalid offers fail every task the ACCEPT would launch, as in Mesos.
     */
    public void accept(Framework framework, Call.Accept accept) {
        List<Offer> used = new ArrayList<>();
        String invalid = takeOffers(framework, accept.getOfferIdsList(), used);
        if (invalid != null) {
            for (Offer offer : used) {
                remove(offer, false, Duration.ZERO);
            }
            TaskState state = framework.isPartitionAware() ? TaskState.TASK_DROPPED : TaskState.TASK_LOST;
            for (TaskInfo task : launchedTasks(accept)) {
                master.tasks().forwardUpdate(framework, master.tasks().masterStatus(task.getTaskId(),
                        task.getAgentId(), state, TaskStatus.Reason.REASON_INVALID_OFFERS, invalid));
            }
            return;
        }
        Agent agent = master.agents().get(used.get(0).agentId());
        for (Offer offer : used) {
            withdraw(offer, framework);
        }
        new Acceptance(master, framework, agent, used, accept.getOperationsList(),
                refuseDuration(accept.getFilters())).run();
    }

    /** Validates and collects the offers of an ACCEPT; returns Mesos's message when any is invalid. */
    private String takeOffers(Framework framework, List<OfferID> offerIds, List<Offer> into) {
        if (offerIds.isEmpty()) {
            return "No offers specified";
        }
        Set<OfferID> seen = new HashSet<>();
        String invalid = null;
        for (OfferID offerId : offerIds) {
            Offer offer = get(offerId);
            if (!seen.add(offerId)) {
                invalid = "Offers contain duplicates";
            } else if (offer == null || !offer.frameworkId().equals(framework.id())) {
                invalid = "Offer " + offerId.getValue() + " is no longer valid";
            } else {
                if (!into.isEmpty() && !into.get(0).agentId().equals(offer.agentId())) {
                    invalid = "Aggregated offers must belong to one single agent";
                } else if (!into.isEmpty() && !into.get(0).role().equals(offer.role())) {
                    invalid = "Aggregated offers must be allocated to the same role";
                }
                into.add(offer);
            }
        }
        return invalid;
    }

    private static List<TaskInfo> launchedTasks(Call.Accept accept) {
        List<TaskInfo> tasks = new ArrayList<>();
        for (org.apache.mesos.v1.Protos.Offer.Operation operation : accept.getOperationsList()) {
            switch (operation.getType()) {
                case LAUNCH -> tasks.addAll(operation.getLaunch().getTaskInfosList());
                case LAUNCH_GROUP -> tasks.addAll(operation.getLaunchGroup().getTaskGroup().getTasksList());
                default -> { }
            }
        }
        return tasks;
    }

    private static Duration refuseDuration(Filters filters) {
        double seconds = filters.hasRefuseSeconds() ? filters.getRefuseSeconds() : DEFAULT_REFUSE_SECONDS;
        if (seconds < 0) {
            seconds = DEFAULT_REFUSE_SECONDS;
        }
        seconds = Math.min(seconds, MAX_REFUSE_SECONDS);
        return Duration.ofMillis((long) (seconds * 1000));
    }
}
