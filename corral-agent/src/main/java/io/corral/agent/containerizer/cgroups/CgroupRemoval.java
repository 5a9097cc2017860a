package io.corral.agent.containerizer.cgroups;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a container's cgroup, killing what is still inside first: the kernel refuses rmdir(2) while a process is
 * in it, and a process may fork while we kill, so it goes in rounds until the cgroup is empty and gone.
 *
 * <p>Stateless and thread-safe.
 */
final class CgroupRemoval {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupRemoval.class);
    /** Rounds 10 ms apart: SIGKILLed processes take a moment to leave the cgroup. */
    private static final int ROUNDS = 500;
    private static final long ROUND_NANOS = 10_000_000;

    private CgroupRemoval() {}

    /** {@code killMembers} gets the members still inside and SIGKILLs them (atomically, where it can). */
    static void remove(Path cgroup, Consumer<List<Long>> killMembers) {
        for (int round = 0; round < ROUNDS; round++) {
            if (!Files.isDirectory(cgroup)) {
                return;
            }
            List<Long> members = CgroupFiles.processes(cgroup);
            if (members.isEmpty()) {
                try {
                    Files.delete(cgroup);
                    return;
                } catch (NoSuchFileException e) {
                    return; // removed by another isolator sharing it (v2)
                } catch (DirectoryNotEmptyException e) {
                    // Not cgroupfs (cgroupfs removes its control files itself): nothing more to do here.
                    LOG.warn("{} is not a cgroup (it has files of its own); left in place", cgroup);
                    return;
                } catch (IOException e) {
                    LOG.debug("{} not removable yet: {}", cgroup, e.toString());
                }
            } else {
                killMembers.accept(members);
            }
            LockSupport.parkNanos(ROUND_NANOS);
        }
        LOG.warn("Could not remove cgroup {} (processes keep appearing or it is busy)", cgroup);
    }

    /** SIGKILL, or SIGTERM when not {@code forcibly}, to each pid but {@code spare} (ignores those already gone). */
    static void signal(List<Long> pids, boolean forcibly, long spare) {
        for (long pid : pids) {
            if (pid != spare) {
                ProcessHandle.of(pid).ifPresent(process -> {
                    if (forcibly) {
                        process.destroyForcibly();
                    } else {
                        process.destroy();
                    }
                });
            }
        }
    }
}
