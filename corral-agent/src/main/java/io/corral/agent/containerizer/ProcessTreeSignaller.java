package io.corral.agent.containerizer;

import java.util.List;

/**
 * Signals the main process and its current descendants one by one through {@link ProcessHandle}: the fallback when
 * tasks cannot get their own process group (no {@code setsid} or {@code kill} program on this machine).
 *
 * <p>Weaker than a group signal: a child forked during the walk is missed, and once the main process has exited its
 * orphans are no longer its descendants, so nothing finds them (the launcher kills leftovers only by process group).
 *
 * <p>Stateless and thread-safe.
 */
final class ProcessTreeSignaller implements TaskSignaller {

    @Override
    public void terminate(long taskPid) {
        ProcessHandle.of(taskPid).ifPresent(ProcessTreeSignaller::terminate);
    }

    @Override
    public void kill(long taskPid) {
        ProcessHandle.of(taskPid).ifPresent(ProcessTreeSignaller::kill);
    }

    private static void terminate(ProcessHandle leader) {
        // Take the descendants first: once the leader dies they are re-parented and no longer found through it.
        List<ProcessHandle> descendants = leader.descendants().toList();
        leader.destroy();
        descendants.forEach(ProcessHandle::destroy);
    }

    private static void kill(ProcessHandle leader) {
        List<ProcessHandle> descendants = leader.descendants().toList();
        leader.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }
}
