package io.corral.agent.containerizer;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a container's main process ended: an exit code or a signal, and whether the agent asked for it.
 *
 * <p>Immutable.
 *
 * @param exitCode the status the process exited with; empty when it died by a signal
 * @param signal the signal that ended the process; empty when it exited normally
 * @param killedByRequest true when {@link RunningContainer#kill} was called before the exit was observed
 * @param sigkillAfter present when the agent escalated to SIGKILL: the grace period SIGTERM was given first
 * @param limitation present when an isolator ended the task (a memory or disk limit): the reason and message
 */
public record ContainerExit(OptionalInt exitCode, OptionalInt signal, boolean killedByRequest,
                            Optional<Duration> sigkillAfter, Optional<Limitation> limitation) {

    /** Java reports a process that died by signal n as exit value 128 + n; so does a shell for its children. */
    private static final int SIGNAL_OFFSET = 128;
    /** Linux signals are numbered 1..64. */
    private static final int HIGHEST_SIGNAL = 64;

    public ContainerExit {
        Objects.requireNonNull(exitCode, "exitCode");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(sigkillAfter, "sigkillAfter");
        Objects.requireNonNull(limitation, "limitation");
        if (exitCode.isPresent() == signal.isPresent()) {
            throw new IllegalArgumentException("exactly one of exitCode and signal must be present");
        }
    }

    /** A process that exited on its own with {@code status}. */
    public static ContainerExit exited(int status) {
        return new ContainerExit(OptionalInt.of(status), OptionalInt.empty(), false, Optional.empty(),
                Optional.empty());
    }

    /**
     * Interprets the exit value the launcher recorded (its shell's {@code $?} for the task; Java's
     * {@link Process#exitValue()} reads the same way).
     *
     * <p>Java (like a shell) turns "died by signal n" into 128 + n, so the value alone is ambiguous. When the agent
     * killed the container, a value of 128 + n is read as signal n; otherwise it stays an exit code (a process may
     * well {@code exit 137} on purpose), and {@link #describe()} mentions the possible signal.
     */
    static ContainerExit fromExitValue(int exitValue, boolean killedByRequest, Optional<Duration> sigkillAfter) {
        boolean looksLikeSignal = exitValue > SIGNAL_OFFSET && exitValue <= SIGNAL_OFFSET + HIGHEST_SIGNAL;
        if (killedByRequest && looksLikeSignal) {
            int signalNumber = exitValue - SIGNAL_OFFSET;
            return new ContainerExit(OptionalInt.empty(), OptionalInt.of(signalNumber), true, sigkillAfter,
                    Optional.empty());
        }
        return new ContainerExit(OptionalInt.of(exitValue), OptionalInt.empty(), killedByRequest, sigkillAfter,
                Optional.empty());
    }

    /** The same exit, ended by an isolator's limit. */
    ContainerExit withLimitation(Limitation why) {
        return new ContainerExit(exitCode, signal, killedByRequest, sigkillAfter, Optional.of(why));
    }

    /** True when the process exited with status 0 (what Mesos reports as TASK_FINISHED unless it was killed). */
    public boolean succeeded() {
        return exitCode.isPresent() && exitCode.getAsInt() == 0;
    }

    /** One line for humans and for TaskStatus.message, e.g. "exited with status 3". */
    public String describe() {
        if (signal.isPresent()) {
            String name = Signals.name(signal.getAsInt());
            if (sigkillAfter.isPresent() && signal.getAsInt() == Signals.SIGKILL) {
                return "killed by " + name + " after the " + formatDuration(sigkillAfter.get()) + " grace period";
            }
            return (signal.getAsInt() == Signals.SIGKILL ? "killed by " : "terminated by ") + name;
        }
        int status = exitCode.getAsInt();
        String text = "exited with status " + status;
        if (killedByRequest) {
            return text + " after a kill request";
        }
        if (status > SIGNAL_OFFSET && status <= SIGNAL_OFFSET + HIGHEST_SIGNAL) {
            int signalNumber = status - SIGNAL_OFFSET;
            return text + " (128+" + signalNumber + ": possibly " + Signals.name(signalNumber) + ")";
        }
        return text;
    }

    /** "3s" for whole seconds, "300ms" otherwise. */
    static String formatDuration(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }
}
