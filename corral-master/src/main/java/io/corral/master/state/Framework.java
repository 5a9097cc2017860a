package io.corral.master.state;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
    private final Set<OfferID> offers = new LinkedHashSet<>();
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
    public Map<TaskID, Task> tasks() { return tasks; }
    public Deque<Task> completedTasks() { return completedTasks; }
    public Set<OfferID> offers() { return offers; }
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
     * What readers of the published state see of this framework now, with its tasks' (cached) views and
     * {@code heldOffers}, the offers it holds.
     */
    public FrameworkView view(List<org.apache.mesos.v1.Protos.Offer> heldOffers) {
        return new FrameworkView(info, role(), isConnected(), registeredMillis,
                tasks.values().stream().map(Task::view).toList(),
                completedTasks.stream().map(Task::view).toList(), heldOffers);
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

    public void addTask(Task task) {
        tasks.put(task.id(), task);
    }

    /** Moves a task whose terminal update was acknowledged to the bounded completed list. */
    public void completeTask(Task task) {
        tasks.remove(task.id());
        completedTasks.addLast(task);
        while (completedTasks.size() > MAX_COMPLETED_TASKS) {
            completedTasks.removeFirst();
        }
    }
}
