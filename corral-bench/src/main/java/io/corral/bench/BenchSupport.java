package io.corral.bench;

import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.containerizer.cgroups.Cgroups;
import java.nio.file.Files;
import io.corral.protocol.resources.ResourceSet;
import io.corral.scheduler.SchedulerClient;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;

/** What the launch benchmarks share: the agent's isolation on this machine and how many tasks an offer fits. */
public final class BenchSupport {
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

    /**
     * {@code count} command tasks {@code <prefix><first + i>} running {@code command}, each of {@code taskCpus} and
     * {@code taskMem} MB, on {@code offer}'s agent and in its role.
     */
    static List<TaskInfo> tasks(Offer offer, String prefix, int first, int count, String command, double taskCpus,
                                double taskMem) {
        List<Resource> each = ResourceSet.parse("cpus:" + taskCpus + ";mem:" + taskMem)
                .withAllocationRole(offer.getAllocationInfo().getRole()).toList();
        List<TaskInfo> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = prefix + (first + i);
            batch.add(TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                    .setAgentId(offer.getAgentId()).setCommand(CommandInfo.newBuilder().setValue(command))
                    .addAllResources(each).build());
        }
        return batch;
    }

    /** ACCEPT of {@code offer} launching {@code batch}, with a 0 s filter so what is left is offered again at once. */
    static void launch(SchedulerClient client, Offer offer, List<TaskInfo> batch) {
        client.send(Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder()
                .addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addAllTaskInfos(batch)))
                .setFilters(Filters.newBuilder().setRefuseSeconds(0))).build());
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

    /**
     * A ZooKeeper ensemble's servers for curator-test's TestingCluster (or one for a TestingServer), with distinct
     * ports picked at once ({@link io.corral.protocol.net.FreePorts}): one at a time, two servers once got the same
     * client port. They tick, time out and elect as Corral's own ensembles do.
     */
    public static List<org.apache.curator.test.InstanceSpec> ensemble(int servers) {
        io.corral.zookeeper.EmbeddedZooKeeper.useFastElections(); // elect as Corral's own ensembles do
        List<Integer> ports = io.corral.protocol.net.FreePorts.loopback(3 * servers);
        List<org.apache.curator.test.InstanceSpec> specs = new java.util.ArrayList<>();
        for (int id = 1; id <= servers; id++) {
            int first = 3 * (id - 1);
            specs.add(new org.apache.curator.test.InstanceSpec(null, ports.get(first), ports.get(first + 1),
                    ports.get(first + 2), true, id, io.corral.zookeeper.EmbeddedZooKeeper.TICK_TIME_MS, -1,
                    io.corral.zookeeper.EmbeddedZooKeeper.serverSettings()));
        }
        return specs;
    }
}
