package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.mesos.v1.Protos.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every cgroup isolator does the same way: a cgroup per container for each of its controllers, created in
 * {@code prepare} (then its limits, {@link #update}), joined by the launcher in {@code isolate} (so the task is born
 * inside), removed in {@code cleanup} after killing what is left inside (even a process that left the task's
 * session), and on recovery removed for every container no one recovered. Subclasses set limits and read usage.
 *
 * <p>Stateless in memory (the cgroups are the state); thread-safe.
 */
abstract class CgroupIsolator implements Isolator {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupIsolator.class);

    protected final Cgroups cgroups;
    private final List<Controller> controllers;

    /**
     * @throws IOException when the kernel lacks one of the controllers: the agent refuses to start rather than run
     *     tasks without the isolation it was asked for
     */
    CgroupIsolator(Cgroups cgroups, List<Controller> controllers) throws IOException {
        this.cgroups = cgroups;
        this.controllers = List.copyOf(controllers);
        for (Controller controller : controllers) {
            if (!cgroups.has(controller)) {
                throw new IOException(name() + " needs the " + controller.name().toLowerCase()
                        + " controller, which " + cgroups.describe() + " does not offer");
            }
        }
    }

    @Override
    public void prepare(ContainerSpec spec) throws IOException {
        for (Controller controller : controllers) {
            cgroups.create(controller, spec.containerId());
        }
        update(spec.containerId(), spec.resources());
    }

    @Override
    public void isolate(String containerId, long launcherPid) throws IOException {
        for (Controller controller : controllers) {
            cgroups.join(controller, containerId, launcherPid);
        }
    }

    @Override
    public Optional<List<Path>> joinFiles(String containerId) {
        return Optional.of(controllers.stream().map(controller -> cgroups.procsFile(controller, containerId)).toList());
    }

    @Override
    public Optional<Limitation> limitation(String containerId) {
        return Optional.empty();
    }

    @Override
    public void cleanup(String containerId) {
        for (Controller controller : controllers) {
            cgroups.destroy(controller, containerId);
        }
    }

    @Override
    public void release() {
        controllers.forEach(cgroups::removeRootIfEmpty);
    }

    @Override
    public void recover(Set<String> live) {
        for (Controller controller : controllers) {
            try {
                for (String containerId : cgroups.containers(controller)) {
                    if (!live.contains(containerId)) {
                        LOG.info("{}: removing the cgroup of container {}: no recovered container owns it", name(),
                                containerId);
                        cgroups.destroy(controller, containerId);
                    }
                }
            } catch (IOException e) {
                LOG.warn("{}: could not list cgroups to clean up unknown containers: {}", name(), e.getMessage());
            }
        }
    }

    /** The sum of a scalar resource ("cpus", "mem"), 0 when the task has none. */
    static double scalar(List<Resource> resources, String name) {
        return resources.stream().filter(r -> r.getName().equals(name) && r.hasScalar())
                .mapToDouble(r -> r.getScalar().getValue()).sum();
    }
}
