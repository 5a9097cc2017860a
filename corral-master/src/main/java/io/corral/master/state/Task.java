package io.corral.master.state;

import io.corral.protocol.TaskStates;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A task as the master knows it: what was launched and every status reported for it. Soft state: rebuilt from agents
 * after a master failover, never stored in ZooKeeper.
 *
 * <p>Threading: owned by the master's event loop.
 */
public final class Task {
    private final TaskInfo info;
    private final FrameworkID frameworkId;
    private final ResourceSet resources;
    private final List<TaskStatus> statuses = new ArrayList<>();
    private TaskState state;

    public Task(TaskInfo info, FrameworkID frameworkId, TaskState initialState) {
        this.info = info;
        this.frameworkId = frameworkId;
        // Without allocation info: the agent's books (total, used, offered) count unallocated resources.
        this.resources = ResourceSet.of(info.getResourcesList()).withoutAllocationInfo();
        this.state = initialState;
    }

    public TaskInfo info() { return info; }
    public TaskID id() { return info.getTaskId(); }
    public AgentID agentId() { return info.getAgentId(); }
    public FrameworkID frameworkId() { return frameworkId; }
    public ResourceSet resources() { return resources; }
    public TaskState state() { return state; }
    public List<TaskStatus> statuses() { return statuses; }

    public boolean isTerminal() {
        return TaskStates.isTerminal(state);
    }

    /** The latest status, or null before the agent reported anything. */
    public TaskStatus latestStatus() {
        return statuses.isEmpty() ? null : statuses.get(statuses.size() - 1);
    }

    /** Records a status; returns false (and changes nothing) when it repeats the current state. */
    public boolean record(TaskStatus status) {
        boolean changed = status.getState() != state || statuses.isEmpty();
        state = status.getState();
        if (changed) {
            statuses.add(status);
        }
        return changed;
    }
}
