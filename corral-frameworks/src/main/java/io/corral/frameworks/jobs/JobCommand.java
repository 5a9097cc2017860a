package io.corral.frameworks.jobs;

import java.util.List;
import java.util.Objects;

/**
 * What a run executes: a shell command line ({@code /bin/sh -c}) or an argument vector executed directly. Exactly
 * one of the two is set.
 */
public record JobCommand(String shell, List<String> argv) {
    public JobCommand {
        if ((shell == null) == (argv == null)) {
            throw new IllegalArgumentException("exactly one of shell and argv");
        }
        argv = argv == null ? null : List.copyOf(argv);
    }

    public static JobCommand shell(String commandLine) {
        return new JobCommand(Objects.requireNonNull(commandLine), null);
    }

    public static JobCommand argv(List<String> argv) {
        return new JobCommand(null, argv);
    }

    public boolean isShell() {
        return shell != null;
    }
}
