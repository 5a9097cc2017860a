package io.corral.agent;

import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * What the {@link Agent} tells whoever keeps views of it ({@link AgentViews}) about changes a later look at its state
 * could not see any more: an update queued for a task (a terminal one is counted once, even if the task is forgotten
 * before anyone looks), and a task the agent stops keeping (its sandbox stays on disk, and Mesos keeps listing such
 * tasks under {@code completed_executors}).
 *
 * <p>Threading: called on the agent's loop, synchronously; implementations must be quick and must not call back into
 * the agent.
 */
interface AgentObserver {
    AgentObserver NONE = new AgentObserver() { };

    /** An update was queued for delivery to the task's framework (by the agent or by the task's executor). */
    default void statusQueued(FrameworkID frameworkId, TaskStatus status) {
    }

    /**
     * The agent forgets {@code run}: its last update was acknowledged, or its framework was shut down.
     *
     * @param executor the task's executor if it has one that has not ended, else null
     */
    default void taskForgotten(TaskRun run, ExecutorRun executor) {
    }
}
