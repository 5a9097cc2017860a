package io.corral.agent.containerizer;

import java.util.Objects;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;

/**
 * An isolator ended a container because it went over a limit: the Mesos reason the task's final status carries
 * (REASON_CONTAINER_LIMITATION_MEMORY, _DISK, ...) and a message naming the limit and the usage.
 *
 * <p>Immutable.
 */
public record Limitation(Reason reason, String message) {
    public Limitation {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    /** True for Mesos's REASON_CONTAINER_LIMITATION_* reasons: the agent, not the executor, ended such a task. */
    public static boolean isLimitation(Reason reason) {
        return reason != null && reason.name().startsWith("REASON_CONTAINER_LIMITATION");
    }
}
