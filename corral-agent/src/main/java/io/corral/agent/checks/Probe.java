package io.corral.agent.checks;

import java.time.Duration;

/**
 * One kind of check (COMMAND, HTTP, TCP), performed once. Blocking: {@link PeriodicProbe} runs it on a worker.
 *
 * <p>Implementations are immutable and may run on any thread.
 */
public interface Probe {
    /** Performs the check, giving up after {@code timeout} (zero: no limit, as Mesos's {@code timeout_seconds: 0}). */
    ProbeResult run(Duration timeout);

    /** For logs: what is checked. */
    String describe();
}
