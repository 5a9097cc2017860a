package io.corral.master;

import io.corral.master.state.Framework;
import io.corral.protocol.MesosIds;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * What the master does to a task of an ACCEPT before it weighs it against the offers: Mesos's checks of the task
 * itself ({@link #task}, with Mesos's messages; {@link ExecutorValidation} checks its executor), and the allocation
 * Mesos injects: resources that do not say which role they are allocated to get the offers' role, and an executor
 * without a {@code framework_id} gets its framework's ({@link #allocated}). Pure.
 */
final class TaskValidation {
    private TaskValidation() {
    }

    /** The task's (and its executor's) resources allocated to the offers' role, as Mesos injects it. */
    static TaskInfo allocated(TaskInfo task, String role, FrameworkID framework) {
        if (!task.hasExecutor() && task.getResourcesList().stream().allMatch(Resource::hasAllocationInfo)) {
            return task; // as most frameworks send it (they copy the offer's resources): nothing to inject
        }
        TaskInfo.Builder allocated = task.toBuilder().clearResources()
                .addAllResources(allocated(task.getResourcesList(), role));
        if (task.hasExecutor()) {
            allocated.setExecutor(allocated(task.getExecutor(), role, framework));
        }
        return allocated.buildPartial(); // what it lacks is refused by the checks, not by building
    }

    /** An executor as the master records it: its framework id set (if it had none) and its resources allocated. */
    static ExecutorInfo allocated(ExecutorInfo executor, String role, FrameworkID framework) {
        ExecutorInfo.Builder normalized = executor.toBuilder().clearResources()
                .addAllResources(allocated(executor.getResourcesList(), role));
        if (!executor.hasFrameworkId()) {
            normalized.setFrameworkId(framework);
        }
        return normalized.buildPartial(); // an executor missing (a LAUNCH_GROUP without one) is refused by the checks
    }

    private static List<Resource> allocated(List<Resource> resources, String role) {
        return resources.stream().map(resource -> resource.hasAllocationInfo() ? resource : resource.toBuilder()
                .setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole(role)).build()).toList();
    }

    /**
     * Mesos's checks of a task itself (its executor apart): id, uniqueness in {@code framework} and among
     * {@code launchedIds} (the ACCEPT's earlier tasks), agent, resources. Returns why it is refused, or null.
     */
    static String task(TaskInfo task, Framework framework, AgentID agent, Set<String> launchedIds) {
        if (task.getTaskId().getValue().isEmpty()) {
            return "Task ID must not be empty";
        }
        String invalidId = MesosIds.invalidReason(task.getTaskId().getValue());
        if (invalidId != null) {
            return "Task ID is invalid: " + invalidId;
        }
        if (framework.tasks().containsKey(task.getTaskId()) || launchedIds.contains(task.getTaskId().getValue())) {
            return "Task has duplicate ID: " + task.getTaskId().getValue();
        }
        if (!task.getAgentId().equals(agent)) {
            return "Task uses agent ID " + task.getAgentId().getValue()
                    + " which does not match the offers' agent ID " + agent.getValue();
        }
        ResourceSet wanted;
        try {
            wanted = ResourceSet.of(task.getResourcesList()).withoutAllocationInfo();
        } catch (IllegalArgumentException e) {
            return "Task uses invalid resources: " + e.getMessage();
        }
        if (wanted.isEmpty()) {
            return "Task uses no resources";
        }
        return null;
    }
}
