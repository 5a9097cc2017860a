package io.corral.agent.containerizer;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signals a whole process group at once with {@code kill -s SIG -- -<pgid>} ({@link GroupKill}), for tasks started
 * through {@code setsid} (so the main process's pid is also its group id).
 *
 * <p>The kernel delivers a group signal atomically, so it also reaches children forked a moment ago and orphans the
 * main process left behind; a walk over /proc would miss both. Each signal starts a shell (a millisecond or so; only
 * on kills and task exits). A group id cannot be reused while any member of the group lives, so signalling it never
 * hits an unrelated process group.
 *
 * <p>For a moment after the launcher forked the task, the task has not called setsid(2) yet and is still in the
 * launcher's group; its own group does not exist. So terminate and kill also signal the main process by pid: a kill
 * that early still ends the process (it has forked nothing yet), instead of waiting for the grace period.
 *
 * <p>Stateless and thread-safe.
 */
final class ProcessGroupSignaller implements TaskSignaller {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessGroupSignaller.class);

    @Override
    public void terminate(long taskPid) {
        if (!signal("TERM", "-" + taskPid, Long.toString(taskPid))) {
            ProcessHandle.of(taskPid).ifPresent(ProcessHandle::destroy);
        }
    }

    @Override
    public void kill(long taskPid) {
        if (!signal("KILL", "-" + taskPid, Long.toString(taskPid))) {
            ProcessHandle.of(taskPid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Signals the targets ("-pgid" for a group, "pid" for one process) without waiting (the JDK reaps the shell).
     * Returns false when the shell could not even be started.
     */
    private static boolean signal(String signal, String... targets) {
        try {
            GroupKill.send(signal, List.of(targets));
            return true;
        } catch (IOException e) {
            LOG.warn("Could not run {} to send SIG{} to {}: {}", GroupKill.SHELL, signal, List.of(targets),
                    e.toString());
            return false;
        }
    }
}
