package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.task.TaskTransitions;
import io.corral.protocol.task.Transition;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A task as the master knows it: what was launched and every status reported for it. Soft state: rebuilt from agents
 * after a master failover, never stored in ZooKeeper. Its state changes only as the shared table
 * ({@link TaskTransitions}) allows.
 *
 * <p>Threading: owned by the master's event loop.
 */
public final class Task {
    private final TaskInfo info;
    private final FrameworkID frameworkId;
    private final ResourceSet resources;
    /** The role its resources were allocated to (their allocation info), or null if they do not say. */
    private final String role;
    private final List<TaskStatus> statuses = new ArrayList<>();
    private TaskState state;
    /**
     * What the framework asked for, apart from what the agent reported: -1 while it wants the task running, else the
     * kill grace period (nanoseconds; 0 for the agent's default) of the KILL it sent. A kill asked while the agent
     * was away is sent again when the agent comes back.
     */
    private long killGraceNanos = -1;
    /** The immutable view of the task as it is now, made when first asked for after a change. */
    private TaskView view;
    /**
     * The framework stream the latest status went out on, or null (not sent since it came, or not on a stream):
     * an agent resends an update until the framework acknowledges it, and under load resends come faster than
     * acknowledgements; one the framework's stream carries already is not sent again.
     */
    private String latestSentOn;

    public Task(TaskInfo info, FrameworkID frameworkId, TaskState initialState) {
        this(info, frameworkId, initialState, bookedResources(info));
    }

    /** @param resources {@link #bookedResources} of {@code info}, shared with tasks whose resources are the same */
    public Task(TaskInfo info, FrameworkID frameworkId, TaskState initialState, ResourceSet resources) {
        this.info = info;
        this.frameworkId = frameworkId;
        this.resources = resources;
        this.role = info.getResourcesList().stream().filter(r -> r.hasAllocationInfo())
                .map(r -> r.getAllocationInfo().getRole()).findFirst().orElse(null);
        this.state = initialState;
    }

    /** What a task's resources take from its agent's books: without allocation info, as those count them. */
    public static ResourceSet bookedResources(TaskInfo info) {
        return ResourceSet.of(info.getResourcesList()).withoutAllocationInfo();
    }

    public TaskInfo info() { return info; }
    public TaskID id() { return info.getTaskId(); }
    public AgentID agentId() { return info.getAgentId(); }
    public FrameworkID frameworkId() { return frameworkId; }
    /**
     * Its executor's id (a task of a group has its group's executor in its TaskInfo, as the master sets it), or null
     * for a command task (whose executor is the task itself).
     */
    public ExecutorID executorId() { return info.hasExecutor() ? info.getExecutor().getExecutorId() : null; }
    public ResourceSet resources() { return resources; }

    /** The role the task's resources are allocated to; {@code fallback} (its framework's role) if they do not say. */
    public String roleOr(String fallback) {
        return role != null ? role : fallback;
    }
    public TaskState state() { return state; }
    public List<TaskStatus> statuses() { return statuses; }

    /** The framework asked to kill the task, with this grace period (nanoseconds, 0 for the agent's default). */
    public void killRequested(long graceNanos) {
        killGraceNanos = Math.max(0, graceNanos);
    }

    public boolean isKillRequested() {
        return killGraceNanos >= 0;
    }

    public long killGraceNanos() {
        return Math.max(0, killGraceNanos);
    }

    public boolean isTerminal() {
        return TaskTransitions.isTerminal(state);
    }

    /** The latest status, or null before the agent reported anything. */
    public TaskStatus latestStatus() {
        return statuses.isEmpty() ? null : statuses.get(statuses.size() - 1);
    }

    /**
     * Records a status if the table ({@link TaskTransitions#decide}) allows its state after the current one, and
     * says what the caller must do about it: the side effects of an accepted change (release the task's resources,
     * count it, tell the framework), none for a repeat, or a rejection with its reason, in which case nothing
     * changed. A repeat (the same state again, e.g. a health check's verdict) replaces the last status, as in Mesos;
     * the first status of a task is added (it was created in the state of that status). Does not log: a caller
     * that gets a rejection logs it.
     */
    public Transition apply(TaskStatus status) {
        Transition transition = TaskTransitions.decide(state, status.getState());
        if (!transition.isAccepted()) {
            return transition;
        }
        TaskStatus kept = sharingIds(status);
        if (!transition.isRepeat() || statuses.isEmpty()) {
            statuses.add(kept);
        } else {
            // Mesos's rule: a status in the same state replaces the last one, so the latest health verdict, check
            // status and labels are what reconciliation answers with (a new framework leader relies on them)
            statuses.set(statuses.size() - 1, kept);
        }
        view = null;
        latestSentOn = null;
        state = status.getState();
        return transition;
    }

    /**
     * {@code status} as kept: equal to it, with this task's own id objects in place of its equal ones. An update
     * parsed off the wire brings a TaskID, an AgentID and an ExecutorID of its own, each a message, a string and its
     * bytes; every status being kept (as Mesos keeps them), a task held three of each, about a fifth of the master's
     * objects per task at 1,000,000 tasks.
     */
    private TaskStatus sharingIds(TaskStatus status) {
        TaskStatus.Builder shared = null;
        if (sameButNotIdentical(status.getTaskId(), info.getTaskId())) {
            shared = status.toBuilder().setTaskId(info.getTaskId());
        }
        if (status.hasAgentId() && sameButNotIdentical(status.getAgentId(), info.getAgentId())) {
            shared = (shared != null ? shared : status.toBuilder()).setAgentId(info.getAgentId());
        }
        ExecutorID executor = keptExecutorId();
        if (executor != null && status.hasExecutorId() && sameButNotIdentical(status.getExecutorId(), executor)) {
            shared = (shared != null ? shared : status.toBuilder()).setExecutorId(executor);
        }
        return shared != null ? shared.buildPartial() : status; // exactly what came, even a field it lacks
    }

    /** The executor id this task keeps already: its group's, else the one its latest status named; or null. */
    private ExecutorID keptExecutorId() {
        ExecutorID own = executorId();
        if (own != null) {
            return own;
        }
        TaskStatus latest = latestStatus();
        return latest != null && latest.hasExecutorId() ? latest.getExecutorId() : null;
    }

    private static boolean sameButNotIdentical(Object candidate, Object kept) {
        return candidate != kept && candidate.equals(kept);
    }

    /**
     * Whether {@code status} is the latest status come again (the agent resending it: equal, uuid included) and went
     * out on {@code streamId} already. A stream delivers in order, so the framework has it or will; a framework on
     * another stream (resubscribed) gets the agent's next resend, and delivery stays at least once.
     */
    public boolean isResentOn(TaskStatus status, String streamId) {
        TaskStatus latest = latestStatus();
        return streamId != null && streamId.equals(latestSentOn) && status.hasUuid() && status.equals(latest);
    }

    /** {@code status} went out on the framework's stream {@code streamId}; remembered if it is the latest status. */
    public void sentOn(TaskStatus status, String streamId) {
        if (status.hasUuid() && status.equals(latestStatus())) {
            latestSentOn = streamId;
        }
    }

    /** What readers of the published state see of this task; cached until the task changes. */
    public TaskView view() {
        if (view == null) {
            view = new TaskView(info, frameworkId, resources, state, statuses, executorId());
        }
        return view;
    }
}
