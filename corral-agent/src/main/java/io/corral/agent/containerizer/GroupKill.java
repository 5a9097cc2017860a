package io.corral.agent.containerizer;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends a signal to process groups ("-pgid") or processes ("pid") with the {@code kill} built into {@code /bin/sh},
 * which every task needs anyway. Java has no API for kill(2) with a negative pid, and the {@code kill} program
 * (procps) is missing from minimal images (Debian slim, eclipse-temurin), whereas POSIX shells' built-in
 * {@code kill -s SIG -- -pgid} signals a whole group.
 *
 * <p>Stateless and thread-safe.
 */
public final class GroupKill {
    static final String SHELL = "/bin/sh";
    private static final File DEV_NULL = new File("/dev/null");

    private GroupKill() {}

    /**
     * Starts the shell that signals {@code targets} with {@code signal} ("TERM", "KILL"...) and returns it without
     * waiting. Its failure for a target that is already gone is expected: callers ignore its exit status.
     *
     * @throws IOException when the shell cannot be started
     */
    public static Process send(String signal, List<String> targets) throws IOException {
        List<String> command = new ArrayList<>(List.of(SHELL, "-c", "kill -s \"$0\" -- \"$@\"", signal));
        command.addAll(targets);
        return new ProcessBuilder(command)
                .redirectInput(Redirect.from(DEV_NULL))
                .redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD)
                .start();
    }
}
