package io.corral.agent.containerizer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container: a launcher ({@code corral-launcher.sh}) and the task it started, whether this agent launched it or
 * found it again after a restart. It knows the task's pid (for signals), learns of the launcher's end and reads the
 * exit status the launcher recorded, and runs the Mesos kill sequence (SIGTERM to all the task's processes, SIGKILL
 * when they outlive the grace period). "All the task's processes" are the members of its cgroup when an isolator can
 * reach them all (the freezer: also those that left the task's session), else its process group. An isolator's
 * {@link Isolators#watch watch} that fires (the disk over its limit) kills the container at once and makes that
 * limitation the exit's.
 *
 * <p>Threading: thread-safe. {@link #kill} may be called from any thread, any number of times. The kill state is
 * guarded by {@code this}; no signal is sent while holding the lock. {@link #exit()} is completed on the thread that
 * saw the launcher end (a JDK process-reaper thread for a launcher this agent started, the containerizer's scheduler
 * for a recovered one), after the isolators' cleanup, so callbacks attached with {@code thenAccept} run there: keep
 * them short. The escalation timer runs on the containerizer's scheduler.
 */
public final class RunningContainer {

    private static final Logger LOG = LoggerFactory.getLogger(RunningContainer.class);

    private final String containerId;
    private final Path runDir;
    private final long launcherPid;
    private final TaskSignaller signaller;
    private final ScheduledExecutorService timers;
    private final Isolators isolators;
    private final String unrecorded;
    private final CompletableFuture<ContainerExit> exit = new CompletableFuture<>();
    /** Read from {@code task.pid} when not known at construction (a container recovered early in its launch). */
    private volatile OptionalLong taskPid;

    // Guarded by this.
    private Duration killGracePeriod; // null until kill() is first called
    private boolean escalatedToSigkill;
    private ScheduledFuture<?> escalationTimer;
    private boolean exited;
    private Limitation watchedLimitation; // set when an isolator's watch fired

    /**
     * @param launcherGone completes when the launcher process has ended (whatever its value)
     * @param killedBefore the grace period of a kill requested before an agent restart; null if none was
     * @param unrecorded what it means when the launcher ends without an exit status (the lost container's message)
     */
    RunningContainer(String containerId, Path runDir, long launcherPid, OptionalLong taskPid,
                     CompletableFuture<?> launcherGone, TaskSignaller signaller, ScheduledExecutorService timers,
                     Isolators isolators, Duration killedBefore, String unrecorded) {
        this.containerId = containerId;
        this.runDir = runDir;
        this.launcherPid = launcherPid;
        this.taskPid = taskPid;
        this.signaller = signaller;
        this.timers = timers;
        this.isolators = isolators;
        this.unrecorded = unrecorded;
        synchronized (this) {
            this.killGracePeriod = killedBefore;
        }
        isolators.watch(containerId).thenAccept(this::limitReached);
        launcherGone.whenComplete((ignored, error) -> onLauncherExit());
    }

    public String containerId() {
        return containerId;
    }

    /** The pid of the task's main process (with setsid, also its process group and session id); -1 if unknown. */
    public long pid() {
        return taskPid().orElse(-1);
    }

    public long launcherPid() {
        return launcherPid;
    }

    private OptionalLong taskPid() {
        OptionalLong known = taskPid;
        if (known.isEmpty()) {
            known = LauncherRecord.readTaskPid(runDir);
            taskPid = known;
        }
        return known;
    }

    /**
     * Completes once the task has ended and the launcher recorded how (processes it left behind are SIGKILLed
     * first); fails with {@link ContainerLostException} when the launcher ended without a record. Each call returns
     * a new copy, so a caller completing or cancelling its future cannot fake the exit for others.
     */
    public CompletableFuture<ContainerExit> exit() {
        return exit.copy();
    }

    /**
     * Sends SIGTERM to all the task's processes, then SIGKILL when the container has not ended after
     * {@code gracePeriod} (zero means SIGKILL right after SIGTERM). A second call, or a call after the exit, does
     * nothing: the first kill's grace period stands.
     */
    public void kill(Duration gracePeriod) {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("kill grace period must not be negative, got " + gracePeriod);
        }
        synchronized (this) {
            if (exited || killGracePeriod != null) {
                return;
            }
            killGracePeriod = gracePeriod;
            escalationTimer = timers.schedule(this::escalate, gracePeriod.toNanos(), TimeUnit.NANOSECONDS);
        }
        LOG.debug("Container {}: SIGTERM to its processes, SIGKILL after {}", containerId,
                ContainerExit.formatDuration(gracePeriod));
        signal(false);
    }

    /** An isolator saw the container go over a limit: Mesos destroys such a container at once. */
    private void limitReached(Limitation limitation) {
        synchronized (this) {
            if (exited) {
                return;
            }
            watchedLimitation = limitation;
        }
        LOG.info("Container {}: {}; killing it", containerId, limitation.message());
        kill(Duration.ZERO);
    }

    /**
     * SIGTERM (or SIGKILL when {@code forcibly}) to every process of the container but the launcher, which must live
     * to record the exit: through the cgroup when an isolator can reach it, else to the task's process group.
     */
    private void signal(boolean forcibly) {
        if (isolators.signalAll(containerId, forcibly, launcherPid)) {
            return;
        }
        OptionalLong pid = taskPid();
        if (pid.isEmpty()) {
            LOG.warn("Container {}: no task pid recorded yet; the signal goes to nobody", containerId);
        } else if (forcibly) {
            signaller.kill(pid.getAsLong());
        } else {
            signaller.terminate(pid.getAsLong());
        }
    }

    /**
     * A kill was requested before the agent restarted and the container still runs: send SIGTERM again and start a
     * fresh grace period (the old timer died with the old agent).
     */
    void resumeKill() {
        Duration gracePeriod;
        synchronized (this) {
            if (exited || killGracePeriod == null) {
                return;
            }
            gracePeriod = killGracePeriod;
            escalationTimer = timers.schedule(this::escalate, gracePeriod.toNanos(), TimeUnit.NANOSECONDS);
        }
        signal(false);
    }

    private void escalate() {
        Duration gracePeriod;
        synchronized (this) {
            if (exited) {
                return;
            }
            escalatedToSigkill = true;
            gracePeriod = killGracePeriod;
        }
        OptionalLong pid = taskPid();
        LOG.info("Container {}: task pid {} outlived its {} grace period; sending SIGKILL", containerId, pid,
                ContainerExit.formatDuration(gracePeriod));
        signal(true);
    }

    private void onLauncherExit() {
        boolean killedByRequest;
        Optional<Duration> sigkillAfter;
        Limitation watched;
        synchronized (this) {
            watched = watchedLimitation;
            exited = true;
            killedByRequest = killGracePeriod != null;
            sigkillAfter = escalatedToSigkill ? Optional.of(killGracePeriod) : Optional.empty();
            if (escalationTimer != null) {
                escalationTimer.cancel(false);
            }
        }
        OptionalInt status = LauncherRecord.readExitStatus(runDir);
        // Before cleanup: the isolators' evidence (the OOM count) goes with the cgroup.
        Optional<Limitation> limitation =
                watched != null ? Optional.of(watched) : isolators.limitation(containerId);
        isolators.cleanup(containerId);
        if (status.isEmpty()) {
            exit.completeExceptionally(new ContainerLostException(unrecorded));
            return;
        }
        ContainerExit result = ContainerExit.fromExitValue(status.getAsInt(), killedByRequest, sigkillAfter);
        if (limitation.isPresent()) {
            result = result.withLimitation(limitation.get());
        }
        LOG.debug("Container {}: task {}", containerId, result.describe());
        exit.complete(result);
    }

    @Override
    public String toString() {
        return "RunningContainer[" + containerId + ", launcher pid " + launcherPid + ", task pid " + taskPid + "]";
    }
}
