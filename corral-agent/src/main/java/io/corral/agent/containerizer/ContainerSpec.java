package io.corral.agent.containerizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Resource;

/**
 * Everything {@link ProcessContainerizer#launch} needs to start one task's process.
 *
 * <p>Immutable and therefore safe to share between threads.
 *
 * @param containerId unique name of this container on the agent (used in logs)
 * @param taskId the Mesos task id, for logs
 * @param frameworkId the Mesos framework id, for logs
 * @param executorId the Mesos executor id (the task id for command tasks), for logs
 * @param command what to run, with Mesos {@code CommandInfo} semantics
 * @param sandbox the task's working directory; created when missing; receives {@code stdout} and {@code stderr}
 * @param runDir the container's directory in the agent's checkpoint (not reachable from the sandbox, so the task
 *     cannot tamper with it): the launcher's pid, the task's pid and its exit status ({@link LauncherRecord})
 * @param extraEnvironment variables the agent adds for the task (for example {@code MESOS_FRAMEWORK_ID}); the task's
 *     own {@code CommandInfo.environment} still wins on a name clash, as in Mesos
 * @param resources the task's resources, for the isolators (the memory limit)
 * @param frameworkUser the framework's {@code FrameworkInfo.user}: the task's user when its {@code CommandInfo}
 *     names none (see {@link TaskUsers}); empty when unknown
 * @param root the root filesystem and namespaces the task runs in, when it has an image; null: the host's, as
 *     plain processes
 */
public record ContainerSpec(
        String containerId,
        String taskId,
        String frameworkId,
        String executorId,
        CommandInfo command,
        Path sandbox,
        Path runDir,
        Map<String, String> extraEnvironment,
        List<Resource> resources,
        String frameworkUser,
        ContainerRoot root) {

    /** A spec without a framework user (the task's {@code CommandInfo.user}, if any, still applies). */
    public ContainerSpec(String containerId, String taskId, String frameworkId, String executorId, CommandInfo command,
                         Path sandbox, Path runDir, Map<String, String> extraEnvironment, List<Resource> resources) {
        this(containerId, taskId, frameworkId, executorId, command, sandbox, runDir, extraEnvironment, resources, "",
                null);
    }

    /** A spec without a root filesystem of its own. */
    public ContainerSpec(String containerId, String taskId, String frameworkId, String executorId, CommandInfo command,
                         Path sandbox, Path runDir, Map<String, String> extraEnvironment, List<Resource> resources,
                         String frameworkUser) {
        this(containerId, taskId, frameworkId, executorId, command, sandbox, runDir, extraEnvironment, resources,
                frameworkUser, null);
    }

    public ContainerSpec {
        requireNonBlank(containerId, "containerId");
        requireNonBlank(taskId, "taskId");
        requireNonBlank(frameworkId, "frameworkId");
        requireNonBlank(executorId, "executorId");
        Objects.requireNonNull(command, "command (CommandInfo) is required");
        Objects.requireNonNull(sandbox, "sandbox path is required");
        Objects.requireNonNull(runDir, "runDir is required");
        resources = List.copyOf(resources);
        extraEnvironment = Map.copyOf(Objects.requireNonNull(extraEnvironment, "extraEnvironment (may be empty)"));
        frameworkUser = frameworkUser == null ? "" : frameworkUser;
    }

    /** The same spec for a framework whose {@code FrameworkInfo.user} is {@code user}. */
    public ContainerSpec withFrameworkUser(String user) {
        return new ContainerSpec(containerId, taskId, frameworkId, executorId, command, sandbox, runDir,
                extraEnvironment, resources, user, root);
    }

    /** The same spec, run in {@code root} (an image's root filesystem, in namespaces of its own). */
    public ContainerSpec withRoot(ContainerRoot root) {
        return new ContainerSpec(containerId, taskId, frameworkId, executorId, command, sandbox, runDir,
                extraEnvironment, resources, frameworkUser, root);
    }

    private static void requireNonBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must be a non-empty string");
        }
    }
}
