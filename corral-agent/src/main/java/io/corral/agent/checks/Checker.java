package io.corral.agent.checks;

import io.corral.protocol.concurrent.Timers;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.CheckInfo;
import org.apache.mesos.v1.Protos.CheckStatusInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's {@code check} (Mesos's generalized checks): its result is reported, never judged. Every
 * {@code interval_seconds} after {@code delay_seconds}, the check's {@link CheckStatusInfo} (a COMMAND's exit code,
 * an HTTP status code, whether a TCP connection opened) goes to the listener when it differs from the last one; a
 * check that could not be performed (timed out, could not connect over HTTP) gives the empty status of its type, as
 * in Mesos.
 *
 * <p>Threading contract: as {@link PeriodicProbe}: everything on the agent's loop but the probe itself.
 */
public final class Checker extends PeriodicProbe {
    private static final Logger LOG = LoggerFactory.getLogger(Checker.class);

    private final CheckInfo check;
    private final String taskId;
    private final Consumer<CheckStatusInfo> listener;
    private CheckStatusInfo previous;

    public Checker(CheckInfo check, String taskId, Probe probe, Timers timers, Consumer<Runnable> loop, Executor worker,
            Consumer<CheckStatusInfo> listener) {
        super(probe, timers, loop, worker, Durations.seconds(check.getDelaySeconds()),
                Durations.seconds(check.getIntervalSeconds()), Durations.seconds(check.getTimeoutSeconds()));
        this.check = check;
        this.taskId = taskId;
        this.listener = listener;
        this.previous = empty(check);
    }

    /** The status every update of a task with a check carries until a result exists: the type, no result. */
    public static CheckStatusInfo empty(CheckInfo check) {
        CheckStatusInfo.Builder status = CheckStatusInfo.newBuilder().setType(check.getType());
        switch (check.getType()) {
            case COMMAND -> status.setCommand(CheckStatusInfo.Command.getDefaultInstance());
            case HTTP -> status.setHttp(CheckStatusInfo.Http.getDefaultInstance());
            case TCP -> status.setTcp(CheckStatusInfo.Tcp.getDefaultInstance());
            default -> { }
        }
        return status.build();
    }

    @Override
    void handle(ProbeResult result) {
        CheckStatusInfo status;
        if (!result.performed()) {
            LOG.info("Task {}: {} could not be performed: {}", taskId, probe().describe(), result.error());
            status = empty(check);
        } else {
            CheckStatusInfo.Builder builder = CheckStatusInfo.newBuilder().setType(check.getType());
            switch (check.getType()) {
                case COMMAND -> builder.setCommand(CheckStatusInfo.Command.newBuilder().setExitCode(result.value()));
                case HTTP -> builder.setHttp(CheckStatusInfo.Http.newBuilder().setStatusCode(result.value()));
                case TCP -> builder.setTcp(CheckStatusInfo.Tcp.newBuilder().setSucceeded(result.value() == 1));
                default -> { }
            }
            status = builder.build();
        }
        if (!status.equals(previous)) {
            previous = status;
            listener.accept(status);
        }
    }
}
