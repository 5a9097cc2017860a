package io.corral.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find {@code bin/corral}, the command a user runs: in the repository above the working directory. */
public final class BinCorral {
    private BinCorral() {}

    /** The script's absolute path, as a command's first word. */
    public static String command() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("bin/corral"))) {
                return dir.resolve("bin/corral").toString();
            }
        }
        throw new IllegalStateException("bin/corral not found above " + Path.of("").toAbsolutePath());
    }
}
