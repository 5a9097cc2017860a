package io.corral.bench.placement;

import io.corral.master.Master;
import io.corral.master.state.Framework;
import io.corral.master.state.FrameworkLink;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * A framework of the placement benchmark whose demand is far beyond the cluster: every offer is packed first-fit with
 * as many 1-cpu / 1 GiB tasks as it holds and accepted whole; an offer that holds none (an agent's memory left over
 * once its cpus are used) is declined for the default 5 s, which outlasts a round.
 *
 * <p>Its answers are built on the frameworks' thread, as a framework process would build them, and each ACCEPT or
 * DECLINE then goes to the master's loop as its own event, as each HTTP call of a real framework does: the same
 * methods the scheduler endpoint calls, with no HTTP in between.
 *
 * <p>Threading: {@link #send} runs on the master's loop; the answers on the frameworks' executor (one thread); the
 * counters are read by the benchmark's thread.
 */
final class FirstFitFramework implements FrameworkLink {
    static final double TASK_CPUS = 1;
    static final double TASK_MEM = 1024;

    private final String name;
    private final Master master;
    private final Executor frameworks;
    /** Only the frameworks' thread uses it. */
    private int nextTask;
    private volatile FrameworkID id;
    private List<Resource> taskResources;
    private String taskResourcesRole;
    final LongAdder offers = new LongAdder();
    final LongAdder accepts = new LongAdder();
    final LongAdder declines = new LongAdder();

    FirstFitFramework(String name, Master master, Executor frameworks) {
        this.name = name;
        this.master = master;
        this.frameworks = frameworks;
    }

    String name() {
        return name;
    }

    /** Its id, once SUBSCRIBED came. */
    FrameworkID id() {
        return id;
    }

    @Override
    public String streamId() {
        return name;
    }

    @Override
    public void send(Event event) {
        switch (event.getType()) {
            case SUBSCRIBED -> id = event.getSubscribed().getFrameworkId();
            case OFFERS -> {
                List<Offer> received = event.getOffers().getOffersList();
                frameworks.execute(() -> answer(received));
            }
            default -> { }
        }
    }

    private void answer(List<Offer> received) {
        offers.add(received.size());
        for (Offer offer : received) {
            int fit = tasksThatFit(offer);
            if (fit == 0) {
                declines.increment();
                master.execute(() -> master.offers().decline(self(), List.of(offer.getId()),
                        org.apache.mesos.v1.Protos.Filters.getDefaultInstance()));
                continue;
            }
            Call.Accept accept = accept(offer, fit);
            accepts.increment();
            master.execute(() -> master.offers().accept(self(), accept));
        }
    }

    private Framework self() {
        return master.frameworks().get(id);
    }

    private Call.Accept accept(Offer offer, int count) {
        String role = offer.getAllocationInfo().getRole();
        if (!role.equals(taskResourcesRole)) {
            taskResources = ResourceSet.parse("cpus:" + TASK_CPUS + ";mem:" + TASK_MEM).withAllocationRole(role)
                    .toList();
            taskResourcesRole = role;
        }
        Offer.Operation.Launch.Builder launch = Offer.Operation.Launch.newBuilder();
        for (int i = 0; i < count; i++) {
            String taskId = name + "-" + nextTask++;
            launch.addTaskInfos(TaskInfo.newBuilder().setName(taskId).setTaskId(TaskID.newBuilder().setValue(taskId))
                    .setAgentId(offer.getAgentId()).setCommand(CommandInfo.newBuilder().setValue("true"))
                    .addAllResources(taskResources));
        }
        return Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH).setLaunch(launch))
                .build();
    }

    private static int tasksThatFit(Offer offer) {
        double cpus = 0;
        double mem = 0;
        for (Resource resource : offer.getResourcesList()) {
            switch (resource.getName()) {
                case "cpus" -> cpus += resource.getScalar().getValue();
                case "mem" -> mem += resource.getScalar().getValue();
                default -> { }
            }
        }
        return (int) Math.min(Math.floor(cpus / TASK_CPUS + 1e-9), Math.floor(mem / TASK_MEM + 1e-9));
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
