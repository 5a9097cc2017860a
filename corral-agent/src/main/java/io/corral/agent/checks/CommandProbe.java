package io.corral.agent.checks;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A COMMAND check: a process (built by {@link io.corral.agent.containerizer.CheckProcesses}: the task's sandbox and
 * environment) whose exit code is the result. One that runs past the timeout is killed with whatever it started, and
 * the check counts as not performed ("Command timed out after 1 s"), as in Mesos.
 */
final class CommandProbe implements Probe {
    private final Supplier<ProcessBuilder> builder;
    private final String description;

    CommandProbe(Supplier<ProcessBuilder> builder, String description) {
        this.builder = builder;
        this.description = description;
    }

    @Override
    public ProbeResult run(Duration timeout) {
        Process process;
        try {
            process = builder.get().start();
        } catch (IOException | RuntimeException e) {
            return ProbeResult.failed("Cannot start the command: " + e.getMessage());
        }
        try {
            if (timeout.isZero()) {
                return ProbeResult.of(process.waitFor());
            }
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return ProbeResult.of(process.exitValue());
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return ProbeResult.failed("Command timed out after " + Durations.describe(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return ProbeResult.failed("Interrupted");
        }
    }

    @Override
    public String describe() {
        return "command check '" + description + "'";
    }
}
