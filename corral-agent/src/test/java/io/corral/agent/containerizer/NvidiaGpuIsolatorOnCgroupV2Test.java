package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups.Controller;

/**
 * {@link NvidiaGpuIsolatorTest}'s tests on cgroup v2's eBPF device programs, in the unified hierarchy even where the
 * v1 one is the default (a hybrid machine's {@code /sys/fs/cgroup/unified}). Skipped without a v2 hierarchy or
 * without the right to attach device programs.
 */
class NvidiaGpuIsolatorOnCgroupV2Test extends NvidiaGpuIsolatorTest {

    @Override
    CgroupFixture openCgroups() {
        return CgroupFixture.openUnified(Controller.DEVICES);
    }
}
