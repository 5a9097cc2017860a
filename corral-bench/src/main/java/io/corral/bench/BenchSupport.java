package io.corral.bench;

import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.containerizer.cgroups.Cgroups;
import java.nio.file.Files;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;

/** What the launch benchmarks share: the agent's isolation on this machine and how many tasks an offer fits. */
final class BenchSupport {
    private BenchSupport() {
    }

    /** cgroups/cpu, mem and pids when the machine has writable cgroups, unless BENCH_ISOLATION=none (or a list). */
    static List<String> isolation() {
        String asked = System.getenv("BENCH_ISOLATION");
        if (asked != null) {
            return asked.equals("none") ? List.of() : List.of(asked.split(","));
        }
        return Files.isWritable(Cgroups.DEFAULT_MOUNT)
                || Files.isWritable(Cgroups.DEFAULT_MOUNT.resolve("memory"))
                ? List.of(IsolationOptions.CPU, IsolationOptions.MEM, IsolationOptions.PIDS) : List.of();
    }

    /** How many tasks of {@code taskCpus} and {@code taskMem} MB fit in {@code offer}. */
    static int tasksThatFit(Offer offer, double taskCpus, double taskMem) {
        double cpus = 0;
        double mem = 0;
        for (Resource resource : offer.getResourcesList()) {
            if (resource.getName().equals("cpus")) {
                cpus += resource.getScalar().getValue();
            } else if (resource.getName().equals("mem")) {
                mem += resource.getScalar().getValue();
            }
        }
        // Thousandths of a cpu in fixed point, as the master counts them, so 0.04 cpus fit 4 tasks of 0.01.
        return (int) Math.min(Math.round(cpus * 1000) / Math.round(taskCpus * 1000), (long) (mem / taskMem));
    }
}
