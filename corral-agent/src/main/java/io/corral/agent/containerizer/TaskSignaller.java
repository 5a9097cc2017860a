package io.corral.agent.containerizer;

/**
 * Sends signals to everything a task started: the main process and its children and grandchildren.
 *
 * <p>Implementations are stateless and may be called from any thread.
 */
interface TaskSignaller {

    /** SIGTERM to the task's processes. */
    void terminate(ProcessHandle leader);

    /** SIGKILL to the task's processes. */
    void kill(ProcessHandle leader);

    /**
     * After the main process exited: SIGKILL whatever it left running (as Mesos destroys the whole container when a
     * command task ends), when those processes can still be found.
     */
    void killLeftovers(long leaderPid);
}
