package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;

/**
 * A framework as readers see it in a published {@code MasterView}, with its live and completed tasks and the offers
 * it holds. Immutable.
 */
public record FrameworkView(FrameworkInfo info, String role, boolean connected, long registeredMillis,
                            List<TaskView> tasks, List<TaskView> completedTasks,
                            List<org.apache.mesos.v1.Protos.Offer> offers, List<Executor> executors) {
    public FrameworkView {
        executors = List.copyOf(executors);
        tasks = List.copyOf(tasks);
        completedTasks = List.copyOf(completedTasks);
        offers = List.copyOf(offers);
    }

    /** What its live tasks and its executors use. */
    public ResourceSet allocated() {
        ResourceSet used = ResourceSet.empty();
        for (TaskView task : tasks) {
            if (!task.isTerminal()) {
                used = used.plusAtMost(task.resources()); // over many agents: may pass 1e12
            }
        }
        for (Executor executor : executors) {
            used = used.plusAtMost(executor.resources());
        }
        return used;
    }

    public FrameworkID id() {
        return info.getId();
    }
}
