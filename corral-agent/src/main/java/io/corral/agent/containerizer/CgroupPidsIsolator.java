package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.util.List;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;

/**
 * {@code cgroups/pids}: at most {@code limit} processes and threads per container (the agent's
 * {@code --container-pids-limit}), so a fork bomb in one task cannot exhaust the machine's pids. Mesos has no such
 * resource, so the limit is one value for every container rather than something a task asks for. A fork over the
 * limit fails in the task (EAGAIN: "Resource temporarily unavailable"); the task is not killed.
 *
 * <p>Immutable (the cgroups are the state); thread-safe.
 */
public final class CgroupPidsIsolator extends CgroupIsolator {
    /** Enough for a busy JVM or a build with parallel compilers; far below the kernel's default pid_max. */
    public static final long DEFAULT_LIMIT = 4096;

    private final long limit;

    public CgroupPidsIsolator(Cgroups cgroups, long limit) throws IOException {
        super(cgroups, List.of(Controller.PIDS));
        if (limit < 1) {
            throw new IllegalArgumentException("the pids limit must be at least 1, got " + limit);
        }
        this.limit = limit;
    }

    @Override
    public String name() {
        return "cgroups/pids";
    }

    @Override
    public void update(String containerId, List<Resource> resources) throws IOException {
        cgroups.setPidsLimit(containerId, limit);
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        usage.setThreads((int) cgroups.pidsCurrent(containerId));
    }
}
