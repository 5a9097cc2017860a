package io.corral.master.state;

import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.DrainInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;

/**
 * An agent registered with this master: its resources, the tasks on it, and the offers of its resources. The stream
 * the master sends it events on is not here: the master's {@code Streams} own streams.
 *
 * <p>Resources are split three ways: {@code total = free + offered + used}; the allocator offers only free resources.
 * The total is what the agent reports (unreserved and statically reserved resources, in its AgentInfo) with the
 * {@link #checkpointed() dynamic reservations and persistent volumes} made on it applied: each of those replaces the
 * reported resources it was made from.
 * <p>Threading: owned by the master's event loop.
 */
public final class Agent {
    private final AgentID id;
    private AgentInfo info;
    private ResourceSet total;
    /** Dynamic reservations and persistent volumes made on this agent, as the registry holds them. */
    private List<Resource> checkpointed = List.of();
    private ResourceSet used = ResourceSet.empty();
    private ResourceSet offered = ResourceSet.empty();
    /**
     * {@link #free()} as last computed, and the (immutable) sets it was computed from: every allocation cycle reads
     * every agent's free resources, and most agents have not changed since the cycle before.
     */
    private ResourceSet free;
    private ResourceSet freeOfTotal;
    private ResourceSet freeOfUsed;
    private ResourceSet freeOfOffered;
    /** By framework and task id: task ids are unique within a framework only. */
    private final Map<TaskKey, Task> tasks = new LinkedHashMap<>();
    private final Set<OfferID> offers = new LinkedHashSet<>();
    /** Executors running here (not command tasks'), by framework and executor id; their resources are used. */
    private final Map<Executor.Key, Executor> executors = new LinkedHashMap<>();
    /** The id of its stream in this leadership term; null while it is disconnected. */
    private String streamId;
    private final long registeredMillis;
    private long lastHeardMillis;
    private long lastPingedMillis;
    /** Known from the registry after a master failover, not re-registered yet with this leader. */
    private boolean recovered;
    /** When the master marked the agent unreachable; 0 while it is reachable. */
    private long unreachableSinceMillis;
    /** An operator deactivated it (DEACTIVATE_AGENT or DRAIN_AGENT): no offers, its tasks keep running. */
    private boolean deactivated;
    /** Its drain state (DRAINING or DRAINED) and config while an operator drains it; null otherwise. */
    private DrainInfo drain;
    /** Readers' rendering of what changes only with {@code info} and {@code total}; replaced when either changes. */
    private Derived<byte[]> infoJson = new Derived<>();
    /** Readers' operator-API rendering of this agent, with the view it was made from; replaced with infoJson. */
    private KeptRendering<AgentView> operatorJson = new KeptRendering<>();
    /** The changing part of its {@code /master/state} object, reused while its view stays equal. */
    private final KeptRendering<AgentView> stateJson = new KeptRendering<>();
    /** The compressed runs of agents starting at this one, for readers ({@link AgentView#statePart}). */
    private final KeptPart statePart = new KeptPart();
    private final KeptPart operatorPart = new KeptPart();
    /** Its view as last given ({@link #view}), given again while nothing it shows changed. */
    private AgentView view;

    public Agent(AgentInfo info, long registeredMillis) {
        this.id = info.getId();
        this.info = info;
        this.total = totalOf(info, checkpointed);
        this.registeredMillis = registeredMillis;
        this.lastHeardMillis = registeredMillis;
        this.lastPingedMillis = registeredMillis;
    }

    public AgentID id() { return id; }
    public List<Resource> checkpointed() { return checkpointed; }
    public AgentInfo info() { return info; }
    public ResourceSet total() { return total; }
    public ResourceSet used() { return used; }
    public ResourceSet offered() { return offered; }
    /** The tasks on this agent (read-only). */
    public Collection<Task> tasks() { return Collections.unmodifiableCollection(tasks.values()); }

    /** The task {@code taskId} of framework {@code frameworkId} on this agent, or null. */
    public Task task(FrameworkID frameworkId, TaskID taskId) {
        return tasks.get(new TaskKey(frameworkId, taskId));
    }

    public Set<OfferID> offers() { return offers; }
    public long registeredMillis() { return registeredMillis; }

    /** Resources neither used by tasks nor offered: what the allocator may offer. */
    public ResourceSet free() {
        if (free == null || freeOfTotal != total || freeOfUsed != used || freeOfOffered != offered) {
            free = total.minus(used).minus(offered);
            freeOfTotal = total;
            freeOfUsed = used;
            freeOfOffered = offered;
        }
        return free;
    }

    /** Connected agents get offers and launches; a disconnected one keeps its tasks until it comes back. */
    public boolean isConnected() {
        return streamId != null;
    }

    /** Its current stream's id (every call must name it), or null while disconnected. */
    public String streamId() { return streamId; }

    /** Last time the agent registered or answered a PING. */
    public long lastHeardMillis() { return lastHeardMillis; }
    public void heard(long nowMillis) { lastHeardMillis = nowMillis; }
    /** When it was last sent a PING, or attached to its stream: its pings follow on its own phase from there. */
    public long lastPingedMillis() { return lastPingedMillis; }
    public void pinged(long nowMillis) { lastPingedMillis = nowMillis; }

    public boolean isUnreachable() { return unreachableSinceMillis > 0; }
    public boolean isRecovered() { return recovered; }
    public long unreachableSinceMillis() { return unreachableSinceMillis; }
    public void markUnreachable(long nowMillis) { unreachableSinceMillis = nowMillis; }

    /**
     * The registry holds the agent as admitted with {@code info}: it is reachable again, and "recovered" (no offers,
     * judged by agent_reregister_timeout) until a stream of this leadership term attaches.
     */
    public void admitted(AgentInfo info, List<Resource> checkpointed) {
        this.info = info;
        this.checkpointed = List.copyOf(checkpointed);
        this.total = totalOf(info, this.checkpointed);
        this.infoJson = new Derived<>();
        this.operatorJson = new KeptRendering<>();
        this.unreachableSinceMillis = 0;
        this.recovered = !isConnected();
    }

    /** It registered on the stream {@code streamId} of this term, reporting {@code info}. */
    public void attach(String streamId, AgentInfo info) {
        this.streamId = java.util.Objects.requireNonNull(streamId, "streamId");
        this.unreachableSinceMillis = 0;
        this.recovered = false;
        this.info = info;
        this.total = totalOf(info, checkpointed);
        this.infoJson = new Derived<>();
        this.operatorJson = new KeptRendering<>();
    }

    /** The registry now holds {@code checkpointed} as this agent's reservations and volumes. */
    public void checkpointed(List<Resource> checkpointed) {
        this.checkpointed = List.copyOf(checkpointed);
        this.total = totalOf(info, this.checkpointed);
        this.infoJson = new Derived<>();
        this.operatorJson = new KeptRendering<>();
    }

    /**
     * What the agent reports with the reservations and volumes made on it applied. One that the reported resources
     * cannot hold any more (the agent came back smaller) is left out: its resources are not there to offer.
     */
    public static ResourceSet totalOf(AgentInfo info, List<Resource> checkpointed) {
        ResourceSet total = ResourceSet.of(info.getResourcesList());
        for (Resource made : checkpointed) {
            ResourceSet madeOf = ResourceSet.of(List.of(
                    Reservations.withoutVolume(Reservations.withoutDynamicReservations(made))));
            if (total.contains(madeOf)) {
                total = total.minus(madeOf).plus(ResourceSet.of(List.of(made)));
            }
        }
        return total;
    }

    /** Its stream ended, or the master dropped it. */
    public void detach() {
        this.streamId = null;
    }

    public boolean isDeactivated() { return deactivated; }

    /** The drain state and config, while an operator drains the agent. */
    public Optional<DrainInfo> drain() { return Optional.ofNullable(drain); }

    /** What an operator set on the agent: deactivated, and its drain state (null when not draining). */
    public void setMode(boolean deactivated, DrainInfo drain) {
        this.deactivated = deactivated;
        this.drain = drain;
    }

    /**
     * What readers of the published state see of this agent now: the view last given while everything it shows is the
     * same (the same objects, as its fields are replaced when they change), else a new one. The loop publishes the
     * agents' views many times a second under readers; 10,000 agents then cost comparisons, not 10,000 new views.
     */
    public AgentView view() {
        AgentView last = view;
        if (last == null || last.info() != info || last.total() != total || last.used() != used
                || last.offered() != offered || last.connected() != isConnected()
                || last.unreachableSinceMillis() != unreachableSinceMillis || last.tasks() != tasks.size()
                || last.deactivated() != deactivated || last.drain().orElse(null) != drain
                || last.infoJson() != infoJson || last.operatorJson() != operatorJson) {
            view = new AgentView(info, total, used, offered, isConnected(), unreachableSinceMillis, registeredMillis,
                    tasks.size(), deactivated, drain(), infoJson, operatorJson, stateJson, statePart, operatorPart);
        }
        return view;
    }

    /** A task on this agent; a live one uses its resources here until {@link #releaseTaskResources}. */
    public void addTask(Task task) {
        tasks.put(TaskKey.of(task), task);
        if (!task.isTerminal()) {
            used = used.plus(task.resources());
        }
    }

    /** The executor {@code key} running here, or null. */
    public Executor executor(Executor.Key key) {
        return executors.get(key);
    }

    /** The executors running here (read-only). */
    public Collection<Executor> executors() {
        return Collections.unmodifiableCollection(executors.values());
    }

    /** An executor starts here: its resources are used until {@link #removeExecutor}. */
    public void addExecutor(Executor executor) {
        if (executors.putIfAbsent(executor.key(), executor) == null) {
            used = used.plus(executor.resources());
        }
    }

    /** The executor ended: its resources are free again; null if it was not here. */
    public Executor removeExecutor(Executor.Key key) {
        Executor removed = executors.remove(key);
        if (removed != null) {
            used = used.minus(removed.resources());
        }
        return removed;
    }

    /** Gives a terminal task's resources back; the task stays listed until its update is acknowledged. */
    public void releaseTaskResources(Task task) {
        used = used.minus(task.resources());
    }

    /** Forgets {@code task} (its resources are the caller's business); false when it was not here. */
    public boolean removeTask(Task task) {
        return tasks.remove(TaskKey.of(task), task);
    }

    public void addOffer(Offer offer) {
        offers.add(offer.id());
        offered = offered.plus(offer.resources());
    }

    public void removeOffer(Offer offer) {
        offers.remove(offer.id());
        offered = offered.minus(offer.resources());
    }

    private record TaskKey(FrameworkID frameworkId, TaskID taskId) {
        static TaskKey of(Task task) {
            return new TaskKey(task.frameworkId(), task.id());
        }
    }
}
