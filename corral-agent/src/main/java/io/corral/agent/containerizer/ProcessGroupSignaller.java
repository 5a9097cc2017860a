package io.corral.agent.containerizer;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signals a whole process group at once with {@code kill -s SIG -- -<pgid>}, for tasks started through
 * {@code setsid} (so the main process's pid is also its group id).
 *
 * <p>The kernel delivers a group signal atomically, so it also reaches children forked a moment ago and orphans the
 * main process left behind; a walk over /proc would miss both. Java has no API for kill(2) with a negative pid, so
 * this starts the {@code kill} program (a millisecond or so; only on kills and task exits). A group id cannot be
 * reused while any member of the group lives, so signalling it never hits an unrelated process group.
 *
 * <p>For a moment after {@link ProcessBuilder#start()} the new process has not called setsid(2) yet and is still in
 * the agent's group; its own group does not exist. So terminate and kill also signal the main process by pid: a kill
 * that early still ends the process (it has forked nothing yet), instead of waiting for the grace period.
 *
 * <p>Stateless and thread-safe.
 */
final class ProcessGroupSignaller implements TaskSignaller {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessGroupSignaller.class);
    private static final File DEV_NULL = new File("/dev/null");

    private final Path killProgram;

    ProcessGroupSignaller(Path killProgram) {
        this.killProgram = killProgram;
    }

    @Override
    public void terminate(ProcessHandle leader) {
        if (!signal("TERM", "-" + leader.pid(), Long.toString(leader.pid()))) {
            leader.destroy();
        }
    }

    @Override
    public void kill(ProcessHandle leader) {
        if (!signal("KILL", "-" + leader.pid(), Long.toString(leader.pid()))) {
            leader.destroyForcibly();
        }
    }

    @Override
    public void killLeftovers(long leaderPid) {
        // Only the group: the main process has been reaped, so its pid may already belong to someone else.
        signal("KILL", "-" + leaderPid);
    }

    /**
     * Starts {@code kill} for the targets ("-pgid" for a group, "pid" for one process) and returns without waiting
     * (the JDK reaps it); its failure for a target that is already gone is expected and ignored. Returns false when
     * {@code kill} could not even be started.
     */
    private boolean signal(String signal, String... targets) {
        List<String> command = new ArrayList<>(List.of(killProgram.toString(), "-s", signal, "--"));
        command.addAll(List.of(targets));
        try {
            new ProcessBuilder(command)
                    .redirectInput(Redirect.from(DEV_NULL))
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(Redirect.DISCARD)
                    .start();
            return true;
        } catch (IOException e) {
            LOG.warn("Could not run {} to send SIG{} to {}: {}", killProgram, signal, List.of(targets), e.toString());
            return false;
        }
    }
}
