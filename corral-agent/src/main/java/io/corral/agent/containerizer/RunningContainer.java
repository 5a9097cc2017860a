package io.corral.agent.containerizer;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task process started by {@link ProcessContainerizer}: its pid, its exit, and the Mesos kill sequence (SIGTERM
 * to all the task's processes, SIGKILL when they outlive the grace period).
 *
 * <p>Threading: thread-safe. {@link #kill} may be called from any thread, any number of times. The kill state is
 * guarded by {@code this}; no signal is sent while holding the lock. {@link #exit()} is completed on a JDK
 * process-reaper thread, so callbacks attached with {@code thenAccept} (not {@code ...Async}) run there: keep them
 * short. The escalation timer runs on the containerizer's injected scheduler.
 */
public final class RunningContainer {

    private static final Logger LOG = LoggerFactory.getLogger(RunningContainer.class);

    private final String containerId;
    private final Process process;
    private final TaskSignaller signaller;
    private final ScheduledExecutorService timers;
    private final CompletableFuture<ContainerExit> exit = new CompletableFuture<>();

    // Guarded by this.
    private Duration killGracePeriod; // null until kill() is first called
    private boolean escalatedToSigkill;
    private ScheduledFuture<?> escalationTimer;
    private boolean exited;

    RunningContainer(String containerId, Process process, TaskSignaller signaller, ScheduledExecutorService timers) {
        this.containerId = containerId;
        this.process = process;
        this.signaller = signaller;
        this.timers = timers;
        process.onExit().whenComplete((ignored, error) -> onProcessExit());
    }

    public String containerId() {
        return containerId;
    }

    /** The pid of the task's main process (with setsid, also its process group and session id). */
    public long pid() {
        return process.pid();
    }

    /**
     * Completes once the main process has exited (any processes it left behind are SIGKILLed right before). Each call
     * returns a new copy, so a caller completing or cancelling its future cannot fake the exit for others.
     */
    public CompletableFuture<ContainerExit> exit() {
        return exit.copy();
    }

    /**
     * Sends SIGTERM to all the task's processes, then SIGKILL when the main process is still alive after
     * {@code gracePeriod} (zero means SIGKILL right after SIGTERM). A second call, or a call after the exit, does
     * nothing: the first kill's grace period stands.
     */
    public void kill(Duration gracePeriod) {
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        if (gracePeriod.isNegative()) {
            throw new IllegalArgumentException("kill grace period must not be negative, got " + gracePeriod);
        }
        synchronized (this) {
            if (exited || killGracePeriod != null || !process.isAlive()) {
                return;
            }
            killGracePeriod = gracePeriod;
            escalationTimer = timers.schedule(this::escalate, gracePeriod.toNanos(), TimeUnit.NANOSECONDS);
        }
        LOG.debug("Container {}: SIGTERM to pid {} and its children, SIGKILL after {}", containerId, pid(),
                ContainerExit.formatDuration(gracePeriod));
        signaller.terminate(process.toHandle());
    }

    private void escalate() {
        Duration gracePeriod;
        synchronized (this) {
            if (exited || !process.isAlive()) {
                return;
            }
            escalatedToSigkill = true;
            gracePeriod = killGracePeriod;
        }
        LOG.info("Container {}: pid {} outlived its {} grace period; sending SIGKILL", containerId, pid(),
                ContainerExit.formatDuration(gracePeriod));
        signaller.kill(process.toHandle());
    }

    private void onProcessExit() {
        boolean killedByRequest;
        Optional<Duration> sigkillAfter;
        synchronized (this) {
            exited = true;
            killedByRequest = killGracePeriod != null;
            sigkillAfter = escalatedToSigkill ? Optional.of(killGracePeriod) : Optional.empty();
            if (escalationTimer != null) {
                escalationTimer.cancel(false);
            }
        }
        try {
            signaller.killLeftovers(pid());
        } catch (RuntimeException e) {
            LOG.warn("Container {}: could not kill processes left behind by pid {}", containerId, pid(), e);
        }
        ContainerExit result = ContainerExit.fromExitValue(process.exitValue(), killedByRequest, sigkillAfter);
        LOG.debug("Container {}: pid {} {}", containerId, pid(), result.describe());
        exit.complete(result);
    }

    @Override
    public String toString() {
        return "RunningContainer[" + containerId + ", pid " + pid() + "]";
    }
}
