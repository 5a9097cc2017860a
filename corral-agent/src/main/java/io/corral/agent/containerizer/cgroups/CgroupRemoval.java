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
        remove(cgroup, killMembers, () -> { });
    }

    /**
     * As above; {@code release} runs once the cgroup is empty, just before it is removed (to hand back what the
     * kernel still charges to it: see {@link #releaseMemory}).
     */
    static void remove(Path cgroup, Consumer<List<Long>> killMembers, Runnable release) {
        boolean released = false;
        for (int round = 0; round < ROUNDS; round++) {
            if (!Files.isDirectory(cgroup)) {
                return;
            }
            List<Long> members = CgroupFiles.processes(cgroup);
            if (members.isEmpty()) {
                if (!released) {
                    release.run();
                    released = true;
                }
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

    /** rmdir(2) of a cgroup, refused by the kernel while it has members or child cgroups: then it stays. */
    static void removeIfEmpty(Path cgroup) {
        try {
            Files.deleteIfExists(cgroup);
        } catch (IOException e) {
            LOG.debug("{} stays: {}", cgroup, e.toString());
        }
    }

    /**
     * Reclaims the page cache an empty memory cgroup is still charged with (the files its task wrote: its sandbox's
     * stdout and stderr at least) by writing {@code value} to {@code file} ({@code memory.force_empty} in v1,
     * {@code memory.reclaim} in v2). Without it the removed cgroup lingers in the kernel, dying, until that cache is
     * evicted: an agent running many short tasks left thousands behind, and every later cgroup creation and memory
     * reclaim walks them (the same launch benchmark ran slower each run). Best effort: a kernel without the file or
     * that cannot reclaim it all changes nothing else.
     */
    static void releaseMemory(Path file, String value) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            CgroupFiles.write(file, value);
        } catch (IOException e) {
            LOG.debug("{}: {} not fully reclaimed: {}", file.getParent(), file.getFileName(), e.toString());
        }
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
