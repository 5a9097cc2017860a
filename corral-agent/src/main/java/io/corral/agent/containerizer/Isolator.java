package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;

/**
 * One kind of isolation a container gets (Mesos's isolator): a cgroup controller, devices, a namespace, ports. The
 * containerizer calls every isolator at each step of a container's life, in this order:
 *
 * <ol>
 *   <li>{@link #prepare} before the launcher starts (create the cgroup, set its limits);
 *   <li>{@link #isolate} once the launcher runs but before it starts the task (move the launcher into the cgroup,
 *       so the task and everything it forks are born inside);
 *   <li>{@link #update} when the container's resources change, {@link #usage} when someone asks;
 *   <li>{@link #watch} for a limit the isolator enforces by polling (the disk): the container is killed when the
 *       future completes;
 *   <li>{@link #signalAll} when the task is killed, if the isolator can reach every process of the container (the
 *       freezer);
 *   <li>{@link #limitation} once the launcher ended (did this isolator end the task, e.g. the OOM killer?), then
 *       {@link #cleanup} (kill what is left inside, remove the cgroup);
 *   <li>{@link #recover} when a restarted agent found its containers again: keep theirs, clean up the rest.
 * </ol>
 *
 * <p>Threading: called from the agent's loop (prepare, isolate, update, usage, recover) and from the thread that
 * saw a launcher end (limitation, cleanup), never twice at once for the same container. Implementations keep no
 * per-container state in memory: everything lives in the kernel, so a restarted agent needs nothing else (the disk
 * isolator, which polls, keeps its watches in memory and its limits in a file of its own).
 */
public interface Isolator {

    /** Short name for logs and the agent's flags ("cgroups/mem"). */
    String name();

    void prepare(ContainerSpec spec) throws IOException;

    void isolate(String containerId, long launcherPid) throws IOException;

    /**
     * The files {@link #isolate} writes the launcher's pid to ({@code cgroup.procs}), when that is all it does: a
     * launcher forked by the agent's launcher server ({@link LauncherServer}) then writes its own pid there itself.
     * Empty (the default) when isolating takes more than that, so the agent starts the launcher itself and calls
     * {@link #isolate}; an isolator that does nothing in {@code isolate} returns an empty list.
     */
    default Optional<List<Path>> joinFiles(String containerId) {
        return Optional.empty();
    }

    void update(String containerId, List<Resource> resources) throws IOException;

    void usage(String containerId, ResourceStatistics.Builder usage) throws IOException;

    /**
     * Why this isolator ended the container (the OOM killer: REASON_CONTAINER_LIMITATION_MEMORY and "Memory limit
     * exceeded: ..."), if it did; asked once the launcher ended, before {@link #cleanup}.
     */
    Optional<Limitation> limitation(String containerId);

    /**
     * Variables the task's environment gets from this isolator (Mesos's {@code ContainerLaunchInfo.environment}:
     * {@code NVIDIA_VISIBLE_DEVICES}), asked once {@link #prepare} succeeded; the task's own
     * {@code CommandInfo.environment} still wins on a name clash, as in Mesos. None by default.
     */
    default Map<String, String> environment(String containerId) {
        return Map.of();
    }

    /**
     * Completes when the container went over a limit this isolator watches (Mesos's {@code watch}): the
     * containerizer then kills the container and reports the limitation. Never completes by default.
     */
    default CompletableFuture<Limitation> watch(String containerId) {
        return new CompletableFuture<>();
    }

    /**
     * Sends SIGKILL ({@code forcibly}) or SIGTERM to every process of the container but {@code spare} (the
     * launcher), including those that left the task's session; false when this isolator cannot reach them all.
     */
    default boolean signalAll(String containerId, boolean forcibly, long spare) {
        return false;
    }

    /** Kills whatever still runs inside the container's isolation and removes it; never throws. */
    void cleanup(String containerId);

    /** {@code live} are the containers a restarted agent recovered; anything else this isolator left is cleaned up. */
    void recover(Set<String> live);

    /**
     * The agent is stopping: give back what this isolator made for the agent as a whole, if no container still uses
     * it (containers left running for the next start keep it). Nothing by default; never throws.
     */
    default void release() {
    }
}
