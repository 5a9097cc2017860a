package io.corral.agent.containerizer;

/**
 * Sends signals to everything a task started: the main process and its children and grandchildren.
 *
 * <p>Implementations are stateless and may be called from any thread.
 */
interface TaskSignaller {

    /** SIGTERM to the task's processes; {@code taskPid} is the task's main process. */
    void terminate(long taskPid);

    /** SIGKILL to the task's processes. */
    void kill(long taskPid);
}
