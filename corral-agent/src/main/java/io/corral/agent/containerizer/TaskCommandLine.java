package io.corral.agent.containerizer;

import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.CommandInfo;

/**
 * Turns a Mesos {@code CommandInfo} into the argument list for {@link ProcessBuilder}.
 *
 * <ul>
 *   <li>{@code shell=true} (the default): {@code /bin/sh -c <value>}; {@code arguments} are ignored, as in Mesos.
 *   <li>{@code shell=false}: {@code value} is the executable (looked up on PATH when it has no slash) and
 *       {@code arguments} is the whole argv, so {@code arguments[0]} is argv[0] in Mesos. Java cannot give a program
 *       an argv[0] different from the path it starts, so argv[0] is always {@code value}: {@code arguments[0]} is
 *       dropped and {@code arguments[1..]} are passed. With no arguments the program gets just argv[0].
 * </ul>
 *
 * <p>Stateless.
 */
final class TaskCommandLine {

    static final String SHELL = "/bin/sh";

    private TaskCommandLine() {}

    /** The argv for {@code command}, throwing {@link IllegalArgumentException} when there is nothing to run. */
    static List<String> argv(CommandInfo command) {
        if (!command.hasValue() || command.getValue().isBlank()) {
            throw new IllegalArgumentException("CommandInfo.value is empty: set the shell command (shell=true) "
                    + "or the path of the executable (shell=false)");
        }
        List<String> argv = new ArrayList<>();
        if (command.getShell()) {
            argv.add(SHELL);
            argv.add("-c");
            argv.add(command.getValue());
            return argv;
        }
        argv.add(command.getValue());
        List<String> arguments = command.getArgumentsList();
        if (arguments.size() > 1) {
            argv.addAll(arguments.subList(1, arguments.size()));
        }
        return argv;
    }
}
