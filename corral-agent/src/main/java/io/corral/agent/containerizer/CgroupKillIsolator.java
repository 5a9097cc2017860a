package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.util.List;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks every process of a container in a freezer cgroup, as Mesos's Linux launcher does, so a kill reaches the
 * whole tree, including processes that called setsid or daemonized (a process-group signal misses them): freeze,
 * signal every member but the launcher, thaw ({@link Cgroups#signalAll}); cleanup SIGKILLs what is left (v2:
 * {@code cgroup.kill}). Added by itself with any {@code cgroups/*} isolator; not an isolation flag of its own.
 *
 * <p>Stateless in memory (the cgroups are the state); thread-safe.
 */
public final class CgroupKillIsolator extends CgroupIsolator {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupKillIsolator.class);
    public static final String NAME = "cgroups/freezer";

    public CgroupKillIsolator(Cgroups cgroups) throws IOException {
        super(cgroups, List.of(Controller.FREEZER));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void update(String containerId, List<Resource> resources) {
        // nothing to limit: this isolator only finds the container's processes
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) {
        // the other isolators report usage
    }

    @Override
    public boolean signalAll(String containerId, boolean forcibly, long spare) {
        try {
            cgroups.signalAll(containerId, forcibly, spare);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Container {}: cannot signal its cgroup, falling back to its process group: {}", containerId,
                    e.toString());
            return false;
        }
    }
}
