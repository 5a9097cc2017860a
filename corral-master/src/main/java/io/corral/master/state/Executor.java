package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;

/**
 * An executor (ExecutorInfo of type CUSTOM or DEFAULT; a command task's executor is the task itself) running on an
 * agent for a framework: its resources are booked on the agent, and held by its framework in {@code role}, from its
 * first task's launch until the agent reports it ended. Soft state, like tasks: a new leader learns executors from
 * re-registering agents. Immutable.
 *
 * @param resources its resources without allocation info, as the agent's books count them
 * @param role      the role its resources are allocated to (the offers' role)
 */
public record Executor(FrameworkID frameworkId, AgentID agentId, ExecutorInfo info, ResourceSet resources,
                       String role) {

    public ExecutorID id() {
        return info.getExecutorId();
    }

    /** Identifies an executor on one agent: executor ids are unique within a framework only. */
    public record Key(FrameworkID frameworkId, ExecutorID executorId) { }

    public Key key() {
        return new Key(frameworkId, id());
    }
}
