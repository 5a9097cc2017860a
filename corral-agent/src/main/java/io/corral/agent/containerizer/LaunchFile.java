package io.corral.agent.containerizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-task file ({@link LauncherServer#LAUNCH_FILE}) a launcher forked by the launcher server sources: enter the
 * sandbox, join the container's cgroups, and the task's whole command line as the positional parameters, starting
 * with {@code setsid ... env -i ... --} and the environment as {@code NAME=value} operands of {@code env}, so the task
 * gets exactly that environment and nothing of the shell's (which has none anyway: the server starts with an empty
 * one). Every value is single-quoted ({@code '} as {@code '\''}), so quotes, spaces, newlines and {@code $} reach the
 * task as they are. {@code PWD} is the sandbox as {@code cd -P} found it, as the shell of the other path sets it.
 *
 * <p>Stateless.
 */
final class LaunchFile {

    private LaunchFile() {}

    static String render(Path sandbox, List<Path> joinFiles, List<String> prefix, Map<String, String> environment,
                         List<String> taskArgv) {
        String dir = sandbox.toAbsolutePath().toString();
        StringBuilder file = new StringBuilder();
        file.append("cd -P -- ").append(quote(dir)).append(" || corral_fail ")
                .append(quote("cannot enter the sandbox " + dir.replace('\n', ' '))).append('\n');
        file.append("corral_sandbox=").append(quote(dir)).append('\n');
        joinFiles.forEach(join -> file.append("corral_join ").append(quote(join.toString())).append('\n'));
        file.append("set --");
        prefix.forEach(word -> file.append(' ').append(quote(word)));
        file.append(" \"PWD=$PWD\"");
        new TreeMap<>(environment).forEach((name, value) -> {
            if (!name.equals("PWD")) {
                file.append(" \\\n ").append(quote(name + "=" + value));
            }
        });
        file.append(" \\\n");
        taskArgv.forEach(word -> file.append(' ').append(quote(word)));
        return file.append('\n').toString();
    }

    /** {@code word} single-quoted for the shell. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
