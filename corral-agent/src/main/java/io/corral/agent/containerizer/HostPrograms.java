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
}
