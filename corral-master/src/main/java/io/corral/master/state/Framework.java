package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.resources.ResourceTally;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.OperationID;
import org.apache.mesos.v1.Protos.OperationStatus;
import org.apache.mesos.v1.Protos.TaskID;

/**
 * A framework known to this master: subscribed now, disconnected and within its failover timeout, or recovered from
 * an agent's re-registration and waiting for the framework to resubscribe.
 *
 * <p>It holds no stream and no timer: the master's {@code Streams} own the streams, and the failover timer is the
 * scheduler calls'. Threading: owned by the master's event loop.
 */
public final class Framework {
    /** Completed tasks kept for /master/state, as Mesos's --max_completed_tasks_per_framework (1000). */
    public static final int MAX_COMPLETED_TASKS = 1000;
    /** Operation statuses kept for RECONCILE_OPERATIONS; the oldest are forgotten first. */
    public static final int MAX_OPERATION_STATUSES = 1000;

    private final FrameworkID id;
    private FrameworkInfo info;
    /** The id of its subscription stream in this leadership term; null while it is disconnected. */
    private String streamId;
    private final Map<TaskID, Task> tasks = new LinkedHashMap<>();
    private final Deque<Task> completedTasks = new ArrayDeque<>();
    /** Its outstanding offers, in the order made. */
    private final Map<OfferID, Offer> offers = new LinkedHashMap<>();
    /**
     * What it holds per role, kept up to date as tasks and offers come and go (the allocator reads it every cycle
     * instead of summing every task): the scalar resources of its live tasks and outstanding offers. Only scalars,
     * which is all the allocator weighs; ranges (ports) of tasks on different agents would merge and could not be
     * taken back one task at a time.
     */
    private final Map<String, ResourceSet> held = new java.util.HashMap<>();
    /**
     * What its live tasks and executors use, all of it (ranges and sets too), counted as they come and go like
     * {@link #held}: the used resources readers see, which a reading would otherwise sum over all its tasks.
     */
    private final ResourceTally allocated = new ResourceTally();
    /** Its live tasks' views as last published, given again while they are the same objects. */
    private final PublishedList<Task, TaskView> taskViews = new PublishedList<>(Task::view);
    /** Its completed tasks' views as last published. */
    private final PublishedList<Task, TaskView> completedTaskViews = new PublishedList<>(Task::view);
    /** Its outstanding offers as last published. */
    private final PublishedList<Offer, org.apache.mesos.v1.Protos.Offer> offerViews =
            new PublishedList<>(Offer::proto);
    /** Its executors (not command tasks'), on every agent. */
    private final Map<Executor.Key, Map<org.apache.mesos.v1.Protos.AgentID, Executor>> executors =
            new LinkedHashMap<>();
    /** {@link #executors()} as last made; null after an executor came or went, until asked for again. */
    private List<Executor> executorList = List.of();
    /** Its view as last given ({@link #view}), given again while nothing it shows changed. */
    private FrameworkView view;
    /** The role each held task's resources count in, as booked (its role may be inferred from the framework's). */
    private final Map<TaskID, String> heldTaskRoles = new java.util.HashMap<>();
    /** The latest status of each offer operation that asked for feedback (it had an id), oldest first. */
    private final Map<OperationID, OperationStatus> operations = new LinkedHashMap<>();
    /** The roles it asked not to be offered resources in (SUPPRESS; SUBSCRIBE's and UPDATE_FRAMEWORK's). */
    private final Set<String> suppressedRoles = new java.util.HashSet<>();
    private final long registeredMillis;

    public Framework(FrameworkInfo info, long registeredMillis) {
        this.id = info.getId();
        this.info = info;
        this.registeredMillis = registeredMillis;
    }

    public FrameworkID id() { return id; }
    public FrameworkInfo info() { return info; }
    public void updateInfo(FrameworkInfo info) { this.info = info; }
    /** Its current stream's id (every call must name it), or null while disconnected. */
    public String streamId() { return streamId; }
    /**
     * Its tasks by id (read-only): {@link #addTask}, {@link #taskEnded} and {@link #completeTask} change them, so that
     * what it holds and uses is kept with them.
     */
    public Map<TaskID, Task> tasks() { return java.util.Collections.unmodifiableMap(tasks); }
    public Deque<Task> completedTasks() { return completedTasks; }
    /** The ids of its outstanding offers (read-only): {@link #addOffer} and {@link #removeOffer} change them. */
    public Set<OfferID> offers() { return java.util.Collections.unmodifiableSet(offers.keySet()); }
    public boolean isSuppressed(String role) { return suppressedRoles.contains(role); }

    /** Suppresses offers in {@code roles}; no roles means all its roles, as in Mesos. */
    public void suppress(java.util.Collection<String> roles) {
        suppressedRoles.addAll(roles.isEmpty() ? roles() : roles);
    }

    /** Offers in {@code roles} again; no roles means all its roles. */
    public void revive(java.util.Collection<String> roles) {
        if (roles.isEmpty()) {
            suppressedRoles.clear();
        } else {
            suppressedRoles.removeAll(roles);
        }
    }

    /** The roles suppressed are exactly {@code roles} (UPDATE_FRAMEWORK, SUBSCRIBE). */
    public void setSuppressedRoles(java.util.Collection<String> roles) {
        suppressedRoles.clear();
        suppressedRoles.addAll(roles);
    }
    public long registeredMillis() { return registeredMillis; }

    /** Subscribed on a stream of this leadership term that has not ended. */
    public boolean isConnected() {
        return streamId != null;
    }

    /** Its first role: the deprecated {@code role}, or the first of {@code roles} (MULTI_ROLE). */
    public String role() {
        return roles().get(0);
    }

    /** The roles it is offered resources in: {@code roles} (MULTI_ROLE), else its one {@code role}. */
    public List<String> roles() {
        if (info.getRolesCount() > 0) {
            return info.getRolesList();
        }
        return List.of(info.getRole());
    }

    public boolean isPartitionAware() {
        return hasCapability(FrameworkInfo.Capability.Type.PARTITION_AWARE);
    }

    public boolean hasCapability(FrameworkInfo.Capability.Type type) {
        return info.getCapabilitiesList().stream().anyMatch(c -> c.getType() == type);
    }

    /** It is subscribed on the stream {@code streamId} (a subscription, or a failover to a new stream). */
    public void attach(String streamId) {
        this.streamId = java.util.Objects.requireNonNull(streamId, "streamId");
    }

    /** Its stream ended, or it was removed. */
    public void detach() {
        streamId = null;
    }

    /**
     * What readers of the published state see of this framework now, with its tasks' (cached) views and the offers
     * it holds: each list the one last published while its views are the same ({@link PublishedList}).
     */
    public FrameworkView view() {
        List<TaskView> live = taskViews.of(tasks.values());
        List<TaskView> completed = completedTaskViews.of(completedTasks);
        List<org.apache.mesos.v1.Protos.Offer> held = offerViews.of(offers.values());
        FrameworkView last = view;
        if (last == null || last.info() != info || last.connected() != isConnected() || last.tasks() != live
                || last.completedTasks() != completed || last.offers() != held || last.executors() != executors()
                || last.allocated() != allocated.sum()) {
            view = new FrameworkView(info, role(), isConnected(), registeredMillis, live, completed, held, executors(),
                    allocated.sum());
        }
        return view;
    }

    /** Remembers the latest status of an operation, for reconciliation. */
    public void recordOperation(OperationStatus status) {
        operations.remove(status.getOperationId());
        operations.put(status.getOperationId(), status);
        if (operations.size() > MAX_OPERATION_STATUSES) {
            operations.remove(operations.keySet().iterator().next());
        }
    }

    /** The operations whose latest status is known, oldest first (read-only). */
    public Map<OperationID, OperationStatus> operations() {
        return java.util.Collections.unmodifiableMap(operations);
    }

    /** The framework acknowledged the operation's final status: it need not be reconciled any more. */
    public void forgetOperation(OperationID id) {
        operations.remove(id);
    }

    /** What it holds in {@code role} now: its live tasks' and its offers' scalar resources there. */
    public ResourceSet held(String role) {
        return held.getOrDefault(role, ResourceSet.empty());
    }

    /** A task of this framework; a live one holds its resources until {@link #taskEnded}. */
    public void addTask(Task task) {
        Task replaced = tasks.get(task.id());
        if (replaced != null) {
            taskEnded(replaced); // what it held is the new task's to hold, not held twice
        }
        tasks.put(task.id(), task);
        if (!task.isTerminal()) {
            String role = task.roleOr(role());
            heldTaskRoles.put(task.id(), role);
            hold(role, task.resources());
            allocated.add(task.resources());
        }
    }

    /** The task ended: its resources are not held any more (a second call changes nothing). */
    public void taskEnded(Task task) {
        String role = tasks.get(task.id()) == task ? heldTaskRoles.remove(task.id()) : null;
        if (role != null) {
            release(role, task.resources());
            allocated.remove(task.resources());
        }
    }

    /** An executor of this framework starts on an agent: it holds its resources until {@link #removeExecutor}. */
    public void addExecutor(Executor executor) {
        if (executors.computeIfAbsent(executor.key(), k -> new LinkedHashMap<>())
                .putIfAbsent(executor.agentId(), executor) == null) {
            hold(executor.role(), executor.resources());
            allocated.add(executor.resources());
            executorList = null;
        }
    }

    public void removeExecutor(Executor executor) {
        Map<org.apache.mesos.v1.Protos.AgentID, Executor> byAgent = executors.get(executor.key());
        if (byAgent != null && byAgent.remove(executor.agentId()) != null) {
            release(executor.role(), executor.resources());
            allocated.remove(executor.resources());
            executorList = null;
            if (byAgent.isEmpty()) {
                executors.remove(executor.key());
            }
        }
    }

    /** Its executors on every agent (immutable; the same list until one comes or goes). */
    public List<Executor> executors() {
        if (executorList == null) {
            executorList = executors.values().stream().flatMap(byAgent -> byAgent.values().stream())
                    .collect(java.util.stream.Collectors.toUnmodifiableList());
        }
        return executorList;
    }

    public void addOffer(Offer offer) {
        if (offers.putIfAbsent(offer.id(), offer) == null) {
            hold(offer.role(), offer.resources());
        }
    }

    public void removeOffer(Offer offer) {
        if (offers.remove(offer.id()) != null) {
            release(offer.role(), offer.resources());
        }
    }

    private void hold(String role, ResourceSet resources) {
        held.put(role, held(role).plusAtMost(scalars(resources))); // over many agents: may pass 1e12
    }

    private void release(String role, ResourceSet resources) {
        ResourceSet scalars = scalars(resources);
        ResourceSet now = held(role);
        // Only a sum capped at 1e12 of one kind (plusAtMost) could lack what is taken back: then nothing is left.
        ResourceSet left = now.contains(scalars) ? now.minus(scalars) : ResourceSet.empty();
        if (left.isEmpty()) {
            held.remove(role);
        } else {
            held.put(role, left);
        }
    }

    private static ResourceSet scalars(ResourceSet resources) {
        return resources.filter(r -> r.getType() == org.apache.mesos.v1.Protos.Value.Type.SCALAR);
    }

    /** Moves a task whose terminal update was acknowledged (or that can no longer run) to the completed list. */
    public void completeTask(Task task) {
        taskEnded(task);
        tasks.remove(task.id());
        completedTasks.addLast(task);
        while (completedTasks.size() > MAX_COMPLETED_TASKS) {
            completedTasks.removeFirst();
        }
    }
}
