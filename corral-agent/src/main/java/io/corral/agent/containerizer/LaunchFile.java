package io.corral.agent.containerizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The per-task file a launcher forked by the launcher server reads, in the form of each server
 * ({@link LauncherServer.Program}).
 *
 * <p>{@link #renderArgs} for the native server: pairs of NUL-terminated strings, a key and its value ({@code sandbox},
 * {@code join} per cgroup to join, {@code user}, {@code uid} and {@code gid} for another user, {@code env} per
 * variable, {@code arg} per word of the task's argv), so any byte but NUL reaches the task as it is and nothing is
 * parsed by a shell. The launcher adds {@code PWD}, the sandbox's real path.
 *
 * <p>{@link #render} for the shell server, {@code launch.sh}, which its launcher sources: enter the
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

    /**
     * The native server's {@code launch.args}.
     *
     * @throws IllegalArgumentException when a value holds a NUL, which no C string (and no environment) can carry
     */
    static byte[] renderArgs(Path sandbox, List<Path> joinFiles, Optional<TaskUser> user,
                             Map<String, String> environment, List<String> taskArgv) {
        ByteArrayOutputStream file = new ByteArrayOutputStream(1024);
        pair(file, "sandbox", sandbox.toAbsolutePath().toString());
        joinFiles.forEach(join -> pair(file, "join", join.toString()));
        user.ifPresent(u -> {
            pair(file, "user", u.name());
            pair(file, "uid", Long.toString(u.uid()));
            pair(file, "gid", Long.toString(u.gid()));
        });
        new TreeMap<>(environment).forEach((name, value) -> {
            if (!name.equals("PWD")) {
                pair(file, "env", name + "=" + value);
            }
        });
        taskArgv.forEach(word -> pair(file, "arg", word));
        return file.toByteArray();
    }

    private static void pair(ByteArrayOutputStream file, String key, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("the task's " + key + " '" + value.replace("\0", "\\0")
                    + "' holds a NUL character, which no process can be given");
        }
        file.writeBytes(key.getBytes(StandardCharsets.UTF_8));
        file.write(0);
        file.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        file.write(0);
    }

    /** {@code word} single-quoted for the shell. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
