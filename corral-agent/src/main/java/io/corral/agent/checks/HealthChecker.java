package io.corral.agent.checks;

import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's {@code health_check}, with Mesos's semantics (its {@code HealthChecker}): checked every
 * {@code interval_seconds} after {@code delay_seconds}; a COMMAND check passes with exit code 0, an HTTP check with a
 * status from 200 to 399, a TCP check when the connection opens; a check that times out fails.
 *
 * <ul>
 *   <li>Failures within {@code grace_period_seconds} of the start are ignored until the task has been healthy once.
 *   <li>Every failure after that is reported unhealthy, with {@code kill} set once {@code consecutive_failures}
 *       failures came in a row (the listener kills the task; checking goes on until it is stopped, as in Mesos).
 *   <li>Healthy is reported on the first success, and on the first success after failures: not on every success.
 * </ul>
 *
 * <p>Threading contract: as {@link PeriodicProbe}: everything on the agent's loop but the probe itself.
 */
public final class HealthChecker extends PeriodicProbe {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    /** Told each change worth a status update. */
    public interface Listener {
        void health(boolean healthy, boolean kill, String detail);
    }

    private final HealthCheck check;
    private final String taskId;
    private final Listener listener;
    private boolean initializing = true;
    private int consecutiveFailures;

    public HealthChecker(HealthCheck check, String taskId, Probe probe, Timers timers, Consumer<Runnable> loop,
                  Executor worker, Listener listener) {
        super(probe, timers, loop, worker, Durations.seconds(check.getDelaySeconds()),
                Durations.seconds(check.getIntervalSeconds()), Durations.seconds(check.getTimeoutSeconds()));
        this.check = check;
        this.taskId = taskId;
        this.listener = listener;
    }

    @Override
    void handle(ProbeResult result) {
        if (healthy(result)) {
            if (initializing || consecutiveFailures > 0) {
                initializing = false;
                consecutiveFailures = 0;
                listener.health(true, false, probe().describe() + " passed");
            }
            return;
        }
        String detail = probe().describe() + " failed: " + describe(result);
        Duration grace = Durations.seconds(check.getGracePeriodSeconds());
        if (initializing && !grace.isZero() && sinceStart().compareTo(grace) <= 0) {
            LOG.info("Task {}: ignoring a failed health check within its grace period: {}", taskId, detail);
            return;
        }
        consecutiveFailures++;
        boolean kill = consecutiveFailures >= Math.max(1, check.getConsecutiveFailures());
        LOG.warn("Task {}: health check failed {} time(s) in a row: {}", taskId, consecutiveFailures, detail);
        listener.health(false, kill, detail);
    }

    private boolean healthy(ProbeResult result) {
        if (!result.performed()) {
            return false;
        }
        return switch (check.getType()) {
            case HTTP -> result.value() >= 200 && result.value() <= 399;
            case TCP -> result.value() == 1;
            default -> result.value() == 0;
        };
    }

    private String describe(ProbeResult result) {
        if (!result.performed()) {
            return result.error();
        }
        return switch (check.getType()) {
            case HTTP -> "status " + result.value();
            case TCP -> result.error() != null ? result.error() : "no connection";
            default -> "exit code " + result.value();
        };
    }
}
