package io.corral.master.state;

import java.util.List;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;

/** A framework as readers see it in a published {@code MasterView}, with its live and completed tasks. Immutable. */
public record FrameworkView(FrameworkInfo info, String role, boolean connected, long registeredMillis,
                            List<TaskView> tasks, List<TaskView> completedTasks) {
    public FrameworkView {
        tasks = List.copyOf(tasks);
        completedTasks = List.copyOf(completedTasks);
    }

    public FrameworkID id() {
        return info.getId();
    }
}
