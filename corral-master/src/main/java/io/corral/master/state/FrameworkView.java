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
 * @param allocated what its live tasks and executors use: the master's framework keeps it as they come and go, so a
 *     reading does not sum 10,000 tasks
 */
public record FrameworkView(FrameworkInfo info, String role, boolean connected, long registeredMillis,
                            List<TaskView> tasks, List<TaskView> completedTasks,
                            List<org.apache.mesos.v1.Protos.Offer> offers, List<Executor> executors,
                            ResourceSet allocated) {
    public FrameworkView {
        executors = List.copyOf(executors);
        tasks = List.copyOf(tasks);
        completedTasks = List.copyOf(completedTasks);
        offers = List.copyOf(offers);
    }

    /** A view whose used resources are summed now from {@code tasks} and {@code executors} (a reader's part of one). */
    public FrameworkView(FrameworkInfo info, String role, boolean connected, long registeredMillis,
                         List<TaskView> tasks, List<TaskView> completedTasks,
                         List<org.apache.mesos.v1.Protos.Offer> offers, List<Executor> executors) {
        this(info, role, connected, registeredMillis, tasks, completedTasks, offers, executors,
                allocatedBy(tasks, executors));
    }

    /** What the live ones of {@code tasks} and {@code executors} use (over many agents: may pass 1e12). */
    private static ResourceSet allocatedBy(List<TaskView> tasks, List<Executor> executors) {
        List<ResourceSet> parts = new ArrayList<>(tasks.size() + executors.size());
        for (TaskView task : tasks) {
            if (!task.isTerminal()) {
                parts.add(task.resources());
            }
        }
        for (Executor executor : executors) {
            parts.add(executor.resources());
        }
        return ResourceSet.sumAtMost(parts);
    }

    public FrameworkID id() {
        return info.getId();
    }
}
