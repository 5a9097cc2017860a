package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;

/**
 * Mesos's {@code cgroups/cpu}: the task's {@code cpus} become its share of the machine when cpus are contended
 * (v1 {@code cpu.shares} = 1024 per cpu, at least 2; v2 {@code cpu.weight} = 100 per cpu) and a hard ceiling (the
 * CFS quota: {@code cpus} x 100 ms per 100 ms period; Mesos's {@code --cgroups_enable_cfs}, always on here). Usage
 * reports cpu times (v1 cpuacct, v2 cpu.stat) and throttling.
 *
 * <p>Stateless in memory (everything is in the cgroup file system) and thread-safe.
 */
public final class CgroupCpuIsolator extends CgroupIsolator {

    public CgroupCpuIsolator(Cgroups cgroups) throws IOException {
        super(cgroups, controllers(cgroups));
    }

    /** v1 keeps cpu times in cpuacct, a hierarchy of its own (unless co-mounted): used when there. */
    private static List<Controller> controllers(Cgroups cgroups) {
        List<Controller> controllers = new ArrayList<>(List.of(Controller.CPU));
        if (cgroups.has(Controller.CPUACCT)) {
            controllers.add(Controller.CPUACCT);
        }
        return controllers;
    }

    @Override
    public String name() {
        return "cgroups/cpu";
    }

    /** A task without cpus (only an executor's share, for instance) gets the minimum: 2 shares, 1 ms per period. */
    @Override
    public void update(String containerId, List<Resource> resources) throws IOException {
        cgroups.setCpus(containerId, scalar(resources, "cpus"));
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) throws IOException {
        cgroups.cpuUsage(containerId, usage);
    }
}
