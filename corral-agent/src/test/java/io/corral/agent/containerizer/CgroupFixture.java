package io.corral.agent.containerizer;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.corral.agent.containerizer.cgroups.Cgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * Test helper: this machine's real cgroups (v1 or v2, whichever the kernel mounts) under a root of the test's own,
 * removed afterwards. {@link #open} skips the test (a JUnit assumption) only when the kernel lacks what it needs: no
 * writable cgroups (not root, a read-only mount) or not the controllers asked for.
 */
final class CgroupFixture implements AutoCloseable {
    final Cgroups cgroups;

    private CgroupFixture(Cgroups cgroups) {
        this.cgroups = cgroups;
    }

    static CgroupFixture open(Cgroups.Controller... needed) {
        return open(Cgroups.DEFAULT_MOUNT, needed);
    }

    /**
     * The unified (v2) hierarchy: the cgroup mount itself on a v2 machine, its {@code unified} directory on a hybrid
     * one (whose v2 hierarchy holds no controllers, but takes eBPF device programs); skipped where there is none.
     */
    static CgroupFixture openUnified(Cgroups.Controller... needed) {
        Path hybrid = Cgroups.DEFAULT_MOUNT.resolve("unified");
        Path mount = Files.isRegularFile(hybrid.resolve("cgroup.controllers")) ? hybrid : Cgroups.DEFAULT_MOUNT;
        assumeThat(mount.resolve("cgroup.controllers")).as("a cgroup v2 hierarchy").isRegularFile();
        return open(mount, needed);
    }

    private static CgroupFixture open(Path mount, Cgroups.Controller... needed) {
        CgroupFixture fixture = null;
        String rootName = "corral-test-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            fixture = new CgroupFixture(Cgroups.detect(mount, rootName,
                    List.of(needed).contains(Cgroups.Controller.DEVICES)));
        } catch (IOException e) {
            assumeThat(e).as("writable cgroups on this machine").isNull();
        }
        for (Cgroups.Controller controller : needed) {
            assumeThat(fixture.cgroups.available()).as(fixture.cgroups.describe()).contains(controller);
        }
        return fixture;
    }

    /** Removes every container cgroup left and the test's root in each hierarchy. */
    @Override
    public void close() throws IOException {
        for (Cgroups.Controller controller : cgroups.available()) {
            Path root = cgroups.cgroup(controller, "x").getParent();
            if (!Files.isDirectory(root)) {
                continue; // removed by the containerizer's close
            }
            for (String containerId : cgroups.containers(controller)) {
                cgroups.destroy(controller, containerId);
            }
            Files.deleteIfExists(root);
        }
    }

    static ContainerSpec spec(Path workDir, String containerId, String script, Resource... resources) {
        return new ContainerSpec(containerId, "t-" + containerId, "F1", "t-" + containerId,
                CommandInfo.newBuilder().setValue(script).build(), workDir.resolve(containerId),
                workDir.resolve(containerId + "-run"), Map.of(), List.of(resources));
    }

    static Resource scalar(String name, double value) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
    }

    static void removeAll(Isolators isolators) {
        isolators.recover(Set.of());
    }
}
