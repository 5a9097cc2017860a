package io.corral.agent.containerizer;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds helper programs ({@code setsid} from util-linux) for the containerizer and {@code corral local}. Looked up
 * once, never per launch.
 *
 * <p>Stateless.
 */
public final class HostPrograms {

    private HostPrograms() {}

    /** The absolute path of an executable {@code name} on the agent's PATH or in /usr/bin or /bin. */
    public static Optional<Path> find(String name) {
        List<String> directories = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            directories.addAll(List.of(path.split(File.pathSeparator)));
        }
        directories.addAll(List.of("/usr/bin", "/bin"));
        return directories.stream()
                .filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, name).toAbsolutePath())
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst();
    }

    /**
     * The prefix ({@code env --default-signal=INT,QUIT}) that gives a task back the SIGINT and SIGQUIT a shell's
     * background job starts with ignored, when this machine's {@code env} can (coreutils 8.31+); else empty.
     */
    public static List<String> restoreSignalsPrefix() {
        Optional<Path> env = find("env");
        if (env.isEmpty()) {
            return List.of();
        }
        List<String> prefix = List.of(env.get().toString(), "--default-signal=INT,QUIT");
        try {
            List<String> probe = new ArrayList<>(prefix);
            probe.add("true");
            Process process = new ProcessBuilder(probe).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0) {
                return prefix;
            }
            process.destroyForcibly();
        } catch (java.io.IOException e) {
            // no usable env: tasks keep SIGINT and SIGQUIT ignored
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of();
    }
}
