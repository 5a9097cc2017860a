package io.corral.frameworks.services;

import java.util.List;
import java.util.Map;

/**
 * One version of an app: what to run and how many. Field names follow Marathon's where Marathon has them
 * ({@code cmd}, {@code args}, {@code container.docker.image}, {@code healthChecks}, {@code upgradeStrategy},
 * {@code backoffSeconds}...), so app definitions look familiar; {@code ports} is a count of ports to assign from the
 * offer's port ranges (the task sees them as {@code PORT0}, {@code PORT1}... and {@code PORT}).
 *
 * <p>Instances of this record are valid and normalized (defaults filled in): {@link AppValidator} is the only way
 * from user input to one. {@code version} and {@code versionTime} are set by the server when it stores a version.
 *
 * <p>Immutable.
 */
public record AppDefinition(
        String id,
        String cmd,
        List<String> args,
        Container container,
        Executor executor,
        double cpus,
        double mem,
        double disk,
        int gpus,
        int instances,
        Map<String, String> env,
        int ports,
        Map<String, String> labels,
        List<List<String>> constraints,
        List<HealthCheckDefinition> healthChecks,
        double killGracePeriodSeconds,
        double backoffSeconds,
        double backoffFactor,
        double maxLaunchDelaySeconds,
        UpgradeStrategy upgradeStrategy,
        String user,
        Long version,
        String versionTime) {

    /** {@code container.docker.image}: run the command inside this image (Mesos containerizer, MESOS type). */
    public record Container(Docker docker) {}

    public record Docker(String image) {}

    /**
     * A custom executor each instance runs under (Mesos's {@code ExecutorInfo} of type CUSTOM, one per instance): the
     * shell command that starts it and what it uses besides its task. The app's {@code cmd}, if any, reaches the
     * executor as the task's {@code data}.
     */
    public record Executor(String cmd, double cpus, double mem) {}

    /**
     * A health check, run by the agent (Mesos's {@code TaskInfo.health_check}); the task counts as healthy once the
     * agent reports it so.
     *
     * @param protocol  HTTP, TCP or COMMAND
     * @param portIndex which of the app's ports HTTP and TCP check
     */
    public record HealthCheckDefinition(String protocol, String path, Integer portIndex, String command,
                                        double gracePeriodSeconds, double intervalSeconds, double timeoutSeconds,
                                        int maxConsecutiveFailures, double delaySeconds) {}

    /**
     * How a rolling deployment replaces instances: at least {@code minimumHealthCapacity x instances} stay healthy,
     * at most {@code (1 + maximumOverCapacity) x instances} run at once.
     */
    public record UpgradeStrategy(double minimumHealthCapacity, double maximumOverCapacity) {
        public static final UpgradeStrategy DEFAULT = new UpgradeStrategy(1.0, 1.0);
    }

    public boolean hasExecutor() {
        return executor != null;
    }

    public boolean hasHealthCheck() {
        return !healthChecks.isEmpty();
    }

    /** This definition as another version (same content). */
    public AppDefinition withVersion(long newVersion, String time) {
        return new AppDefinition(id, cmd, args, container, executor, cpus, mem, disk, gpus, instances, env, ports, labels,
                constraints, healthChecks, killGracePeriodSeconds, backoffSeconds, backoffFactor,
                maxLaunchDelaySeconds, upgradeStrategy, user, newVersion, time);
    }

    /** This definition with another instance count. */
    public AppDefinition withInstances(int count) {
        return new AppDefinition(id, cmd, args, container, executor, cpus, mem, disk, gpus, count, env, ports, labels,
                constraints, healthChecks, killGracePeriodSeconds, backoffSeconds, backoffFactor,
                maxLaunchDelaySeconds, upgradeStrategy, user, version, versionTime);
    }

    /**
     * True when instances of {@code other} run the same thing as this one's: everything but the instance count and
     * the version. Scaling does not replace running instances; any other change does.
     */
    public boolean sameTaskAs(AppDefinition other) {
        return withInstances(0).withVersion(0, null).equals(other.withInstances(0).withVersion(0, null));
    }
}
