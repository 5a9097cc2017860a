package io.corral.agent.image;

import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.Isolator;
import io.corral.agent.containerizer.Limitation;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;

/**
 * {@code filesystem/linux}'s part in a container's life: once the container ended, its root filesystem (built by
 * the {@link ImageStore} before the launch) is removed; a restarted agent removes those of the containers it did
 * not recover. Mounts need no cleanup: they live in the container's private mount namespace, which the kernel drops
 * with the container's last process.
 *
 * <p>Thread-safe (the store is).
 */
public final class ImageRootIsolator implements Isolator {
    private final ImageStore store;

    public ImageRootIsolator(ImageStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "filesystem/linux";
    }

    @Override
    public void prepare(ContainerSpec spec) {}

    @Override
    public void isolate(String containerId, long launcherPid) {}

    @Override
    public Optional<List<java.nio.file.Path>> joinFiles(String containerId) {
        return Optional.of(List.of()); // rooted launches take the agent's own path anyway (ProcessContainerizer)
    }

    @Override
    public void update(String containerId, List<Resource> resources) {}

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) {}

    @Override
    public Optional<Limitation> limitation(String containerId) {
        return Optional.empty();
    }

    @Override
    public void cleanup(String containerId) {
        store.remove(containerId);
    }

    @Override
    public void recover(Set<String> live) {
        store.removeAllBut(live);
    }
}
