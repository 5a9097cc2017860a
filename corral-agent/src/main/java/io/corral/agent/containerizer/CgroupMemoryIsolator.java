package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import io.corral.agent.containerizer.cgroups.Cgroups.MemoryEvents;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's {@code cgroups/mem}: the container's memory limit is the task's {@code mem} (none when the task has no
 * {@code mem}: the master decides whether that is allowed), and when the kernel's OOM killer ended the task the
 * container reports the memory limitation (REASON_CONTAINER_LIMITATION_MEMORY, with the limit and peak usage).
 *
 * <p>Stateless in memory (everything is in the cgroup file system) and thread-safe.
 */
public final class CgroupMemoryIsolator extends CgroupIsolator {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupMemoryIsolator.class);
    private static final long MIB = 1024 * 1024;

    public CgroupMemoryIsolator(Cgroups cgroups) throws IOException {
        super(cgroups, List.of(Controller.MEMORY));
    }

    @Override
    public String name() {
        return "cgroups/mem";
    }

    @Override
    public void update(String containerId, List<Resource> resources) throws IOException {
        double mem = scalar(resources, "mem");
        cgroups.setMemoryLimit(containerId, mem > 0 ? (long) Math.ceil(mem * MIB) : -1);
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        cgroups.memoryUsage(containerId, usage);
    }

    @Override
    public Optional<Limitation> limitation(String containerId) {
        try {
            MemoryEvents events = cgroups.memoryEvents(containerId);
            if (events.oomKills() > 0) {
                return Optional.of(new Limitation(Reason.REASON_CONTAINER_LIMITATION_MEMORY,
                        "Memory limit exceeded: the task used " + events.peakBytes() / MIB + " MB of its "
                                + events.limitBytes() / MIB + " MB and was killed by the kernel's OOM killer"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Container {}: cannot read its OOM count: {}", containerId, e.toString());
        }
        return Optional.empty();
    }
}
