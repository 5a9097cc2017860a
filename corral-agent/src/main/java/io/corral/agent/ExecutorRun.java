package io.corral.agent;

import io.corral.agent.containerizer.RunningContainer;
import io.corral.protocol.concurrent.Timers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;

/**
 * An executor of a framework on this agent (not a command task's: those are {@link TaskRun}s alone).
 *
 * <ul>
 *   <li>CUSTOM: the framework's program, run as one container; it subscribes to {@code /api/v1/executor} and runs
 *       the tasks the agent hands it. Tasks wait in {@link #pendingLaunches} until it has subscribed.</li>
 *   <li>DEFAULT: Mesos's default executor, here inside the agent (no process of its own): each task of a group runs
 *       as its own container ({@link TaskRun#container}); the tasks of a group live and die together.</li>
 * </ul>
 *
 * <p>Threading: owned by the agent's event loop, in the {@link Workload}.
 */
final class ExecutorRun {
    /** What the agent still has to hand a custom executor: one task (LAUNCH) or one task group (LAUNCH_GROUP). */
    record PendingLaunch(List<TaskID> tasks, boolean group) {}

    final FrameworkID frameworkId;
    final ExecutorInfo info;
    /** The executor's container id; for the default executor, the name of its sandbox under {@code runs/}. */
    final String containerId;
    final Path sandbox;
    /** The executor's run directory in the checkpoint (the launcher's files of a custom executor). */
    final Path runDir;
    /** Every task given to this executor, terminal ones included until they are forgotten. */
    final Set<TaskID> tasks = new LinkedHashSet<>();
    /** The default executor's task groups: when one task of a group fails or is killed, the others are killed. */
    final List<Set<TaskID>> groups = new ArrayList<>();
    final List<PendingLaunch> pendingLaunches = new ArrayList<>();
    /**
     * KILLs of tasks it was already handed, which came while it was not subscribed (after an agent restart, before it
     * subscribed again), with their grace periods in nanoseconds: handed to it right after SUBSCRIBED.
     */
    final java.util.Map<org.apache.mesos.v1.Protos.TaskID, Long> pendingKills = new java.util.LinkedHashMap<>();
    RunningContainer container;
    ExecutorSubscription subscription;
    /** The registration (or, after an agent restart, re-registration) deadline; null once subscribed. */
    Timers.Cancellable registrationTimer;
    Timers.Cancellable shutdownTimer;
    /** Why the agent is ending this executor (its tasks' final status says so); null while it may run. */
    String terminationMessage;
    org.apache.mesos.v1.Protos.TaskStatus.Reason terminationReason;
    /** Its framework was shut down: it is being destroyed and reports nothing more. */
    boolean orphaned;

    ExecutorRun(FrameworkID frameworkId, ExecutorInfo info, String containerId, Path sandbox, Path runDir) {
        this.frameworkId = frameworkId;
        this.info = info;
        this.containerId = containerId;
        this.sandbox = sandbox;
        this.runDir = runDir;
    }

    boolean isDefault() {
        return info.getType() == ExecutorInfo.Type.DEFAULT;
    }

    boolean isSubscribed() {
        return subscription != null && subscription.isOpen();
    }

    /** Mesos: {@code ExecutorInfo.shutdown_grace_period}, else the agent's {@code executor_shutdown_grace_period}. */
    Duration shutdownGracePeriod() {
        if (info.hasShutdownGracePeriod() && info.getShutdownGracePeriod().getNanoseconds() > 0) {
            return Duration.ofNanos(info.getShutdownGracePeriod().getNanoseconds());
        }
        return ExecutorTermination.DEFAULT_EXECUTOR_SHUTDOWN_GRACE;
    }

    void cancelTimers() {
        if (registrationTimer != null) {
            registrationTimer.cancel();
            registrationTimer = null;
        }
        if (shutdownTimer != null) {
            shutdownTimer.cancel();
            shutdownTimer = null;
        }
    }

    String describe() {
        return "executor '" + info.getExecutorId().getValue() + "' of framework '" + frameworkId.getValue() + "'";
    }
}
