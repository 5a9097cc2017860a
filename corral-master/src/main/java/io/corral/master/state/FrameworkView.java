package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;

/**
 * A framework as readers see it in a published {@code MasterView}, with its live and completed tasks and the offers
 * it holds. Immutable.
 *
 * @param allocatedSum {@link #allocated()}'s sum, kept by the master's framework across views while its live tasks and
 *     executors are the same ({@link KeptSum}); not part of the view's value
 */
public record FrameworkView(FrameworkInfo info, String role, boolean connected, long registeredMillis,
                            List<TaskView> tasks, List<TaskView> completedTasks,
                            List<org.apache.mesos.v1.Protos.Offer> offers, List<Executor> executors,
                            KeptSum allocatedSum) {
    public FrameworkView {
        executors = List.copyOf(executors);
        tasks = List.copyOf(tasks);
        completedTasks = List.copyOf(completedTasks);
        offers = List.copyOf(offers);
    }

    public FrameworkView(FrameworkInfo info, String role, boolean connected, long registeredMillis,
                         List<TaskView> tasks, List<TaskView> completedTasks,
                         List<org.apache.mesos.v1.Protos.Offer> offers, List<Executor> executors) {
        this(info, role, connected, registeredMillis, tasks, completedTasks, offers, executors, new KeptSum());
    }

    /**
     * What its live tasks and its executors use: summed again only when they are not the same objects as at the last
     * sum ({@link KeptSum}), since a rendering of the state asks for it more than once and a framework may hold 10,000
     * tasks.
     */
    public ResourceSet allocated() {
        return allocatedSum.get(tasks, executors, () -> { // over many agents: may pass 1e12
            List<ResourceSet> parts = new ArrayList<>(tasks.size() + executors.size());
            for (TaskView task : tasks) {
                if (!task.isTerminal()) {
                    parts.add(task.resources());
                }
            }
            for (Executor executor : executors) {
                parts.add(executor.resources());
            }
            return parts;
        });
    }

    public FrameworkID id() {
        return info.getId();
    }
}
