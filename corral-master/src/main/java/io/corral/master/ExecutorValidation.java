package io.corral.master;

import io.corral.protocol.MesosIds;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import org.apache.mesos.v1.Protos.ContainerInfo;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * Mesos's checks of the ExecutorInfo of a LAUNCH (a task with an executor) or a LAUNCH_GROUP, in Mesos's order and
 * with its messages, which become the tasks' TASK_ERROR. Each returns why the executor is refused, or null. The
 * executor given is already as the master records it: its {@code framework_id} filled in (the master sets it, as
 * Mesos does) and its resources allocated to the offers' role. Pure.
 */
final class ExecutorValidation {
    /** Mesos's minimum resources for an executor: a warning for LAUNCH, an error for LAUNCH_GROUP. */
    static final double MIN_CPUS = 0.01;
    static final double MIN_MEM_MB = 32;

    private ExecutorValidation() {
    }

    /**
     * The executor of a task launched with LAUNCH. {@code existing} is the ExecutorInfo of the executor with the same
     * id that runs on the agent (or is launched earlier in the same ACCEPT), null if none.
     */
    static String forLaunch(ExecutorInfo executor, FrameworkID framework, ExecutorInfo existing) {
        String general = general(executor, framework, existing);
        if (general != null) {
            return general;
        }
        if (executor.hasType() && executor.getType() != ExecutorInfo.Type.CUSTOM) {
            return "'ExecutorInfo.type' must be 'CUSTOM'";
        }
        if (!executor.hasCommand()) {
            return "'ExecutorInfo.command' must be set";
        }
        return null;
    }

    /** The executor of a LAUNCH_GROUP whose tasks are {@code tasks}. */
    static String forGroup(ExecutorInfo executor, FrameworkID framework, ExecutorInfo existing, List<TaskInfo> tasks) {
        String general = general(executor, framework, existing);
        if (general != null) {
            return general;
        }
        if (!executor.hasType()) {
            return "'ExecutorInfo.type' must be set";
        }
        if (executor.getType() == ExecutorInfo.Type.UNKNOWN) {
            return "Unknown executor type";
        }
        if (executor.hasContainer() && executor.getContainer().getType() == ContainerInfo.Type.DOCKER) {
            return "Docker ContainerInfo is not supported on the executor";
        }
        for (TaskInfo task : tasks) {
            if (task.hasExecutor() && !task.getExecutor().getExecutorId().equals(executor.getExecutorId())) {
                return "The `ExecutorInfo` of task '" + task.getTaskId().getValue() + "' is different from executor '"
                        + executor.getExecutorId().getValue() + "'";
            }
        }
        return minimumResources(executor);
    }

    private static String general(ExecutorInfo executor, FrameworkID framework, ExecutorInfo existing) {
        String type = type(executor);
        if (type != null) {
            return type;
        }
        String invalidId = MesosIds.invalidReason(executor.getExecutorId().getValue());
        if (invalidId != null) {
            return "Executor ID is invalid: " + invalidId;
        }
        if (executor.hasShutdownGracePeriod() && executor.getShutdownGracePeriod().getNanoseconds() < 0) {
            return "ExecutorInfo's 'shutdown_grace_period' must be non-negative";
        }
        if (!executor.getFrameworkId().equals(framework)) {
            return "ExecutorInfo has an invalid FrameworkID (Actual: " + executor.getFrameworkId().getValue()
                    + " vs Expected: " + framework.getValue() + ")";
        }
        try {
            ResourceSet.of(executor.getResourcesList());
        } catch (IllegalArgumentException e) {
            return "Executor uses invalid resources: " + e.getMessage();
        }
        if (existing != null && !existing.equals(executor)) {
            return "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID '"
                    + executor.getExecutorId().getValue() + "'";
        }
        return null;
    }

    private static String type(ExecutorInfo executor) {
        switch (executor.getType()) {
            case DEFAULT -> {
                if (executor.hasCommand()) {
                    return "'ExecutorInfo.command' must not be set for 'DEFAULT' executor";
                }
                if (executor.hasContainer() && executor.getContainer().getType() != ContainerInfo.Type.MESOS) {
                    return "'ExecutorInfo.container.type' must be 'MESOS' for 'DEFAULT' executor";
                }
                if (executor.hasContainer() && executor.getContainer().getMesos().hasImage()) {
                    return "'ExecutorInfo.container.mesos.image' must not be set for 'DEFAULT' executor";
                }
                return null;
            }
            case CUSTOM -> {
                return executor.hasCommand() ? null : "'ExecutorInfo.command' must be set for 'CUSTOM' executor";
            }
            default -> {
                return null; // not set: an older framework's executor, inferred from its command
            }
        }
    }

    private static String minimumResources(ExecutorInfo executor) {
        ResourceSet resources = ResourceSet.of(executor.getResourcesList());
        String id = executor.getExecutorId().getValue();
        double cpus = resources.scalar("cpus");
        if (cpus < MIN_CPUS) {
            return "Executor '" + id + "' uses less CPUs (" + (cpus > 0 ? cpus : "None") + ") than the minimum"
                    + " required (" + MIN_CPUS + ")";
        }
        double mem = resources.scalar("mem");
        if (mem < MIN_MEM_MB) {
            return "Executor '" + id + "' uses less memory (" + (mem > 0 ? mem + "MB" : "None") + ") than the"
                    + " minimum required (" + (int) MIN_MEM_MB + "MB)";
        }
        if (resources.scalar("disk") <= 0) {
            return "Executor '" + id + "' uses no disk";
        }
        return null;
    }
}
