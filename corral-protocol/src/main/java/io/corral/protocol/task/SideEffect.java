package io.corral.protocol.task;

/**
 * What the owner of a task's record must do because the task changed state, as decided by {@link TaskTransitions}.
 * Effects are data: the table never acts, its callers (the master's event loop, the agent's) do.
 *
 * <p>Only effects that callers carry out today are listed. A repeated state carries none of them.
 */
public enum SideEffect {
    /**
     * Give the task's resources back to its agent's books ({@code used} minus the task), so they can be offered
     * again. Carried by every change from a non-terminal to a terminal state, and by nothing else: a task that
     * became {@code TASK_UNREACHABLE} keeps its resources accounted on its agent (the agent is out of the allocation
     * as a whole while unreachable, and if it comes back its tasks are still running on it, as in Mesos).
     */
    RELEASE_RESOURCES,

    /**
     * Count the task in the metrics of its terminal state ({@code master/tasks_finished}, ...). Carried by the same
     * changes as {@link #RELEASE_RESOURCES}: a task is counted once, when it first becomes terminal, because a
     * terminal task never changes state again.
     */
    COUNT_TERMINAL,

    /**
     * The framework must hear of this change: the master relays the update that caused it or, when the master made
     * the change itself (agent unreachable, task lost, agent back from a partition), sends an update of its own
     * ({@code SOURCE_MASTER}, no uuid); on an agent, the update is queued for reliable delivery. Carried by every
     * accepted change of state, never by a repeat.
     *
     * <p>Updates that come from an agent carry a uuid and are relayed to the framework whatever the table decides
     * (a repeat, even a rejected one), because the agent resends an update until the framework acknowledges that
     * uuid: Mesos's master forwards every update an agent sends.
     */
    FORWARD_TO_FRAMEWORK
}
