package io.corral.cli;

import io.corral.cli.local.ChildLauncher;
import io.corral.cli.local.ProcessSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Starts {@code corral} as a real OS process on this JVM's classpath, as {@code corral local} starts its children. */
public final class CorralProcesses {
    private CorralProcesses() {
    }

    /** Starts {@code corral <args>} with its output appended to {@code log}. */
    public static Process start(Path log, String... args) throws IOException {
        ProcessSpec spec = new ProcessSpec("test", "test", List.of(args), "127.0.0.1:1", log, log.resolveSibling(
                log.getFileName() + ".pid"));
        return ChildLauncher.sameAsThisJvm().launch(spec, 1);
    }
}
