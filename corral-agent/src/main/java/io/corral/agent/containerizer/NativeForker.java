package io.corral.agent.containerizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native launcher server ({@code src/main/c/corral-forker.c}), when this agent's jar carries one for this
 * machine's architecture that runs here. The jar carries the x86-64 Linux build committed with its source (checked
 * against it by {@code NativeForkerBinaryTest}), or the one the build compiled where a C compiler is installed (the
 * {@code native-forker} profile of the agent's pom, active when {@code /usr/bin/cc} exists). Elsewhere the agent uses
 * the shell server ({@code corral-forker.sh}), which does the same with more processes per launch.
 *
 * <p>The program is copied out of the jar into a fresh directory of its own that only this user can write (the agent
 * runs as root: nobody else may swap the program it starts), and asked its version before it is trusted: a jar built
 * for another architecture or C library falls back to the shell server with a warning. When the copy is gone at a
 * server's start (a cleaner of {@code /tmp} removed it), it is copied into another fresh directory: never into the
 * old one, whose known name anyone could have taken since. The system property {@code corral.launcher=shell} makes
 * the agent use the shell server even where the native one runs.
 *
 * <p>Threading: thread-safe; {@link #find} looks once per JVM and remembers; {@link #program} is synchronized.
 */
final class NativeForker {

    private static final Logger LOG = LoggerFactory.getLogger(NativeForker.class);
    /** Where the jar carries the program for this machine: {@code linux-amd64/corral-forker} on x86-64 Linux. */
    static final String RESOURCE = "linux-" + System.getProperty("os.arch") + "/corral-forker";
    static final String CHOICE_PROPERTY = "corral.launcher";
    /** What {@code --version} starts with: the protocol's version (the SHA-256 of its source follows). */
    static final String VERSION = "corral-forker 1 ";

    private static final class Found {
        static final Optional<NativeForker> FORKER = locate();
    }

    // Guarded by this.
    private Path program;

    private NativeForker(Path program) {
        this.program = program;
    }

    /** The native launcher server, ready to start, or empty where the shell server must do. */
    static Optional<NativeForker> find() {
        if ("shell".equals(System.getProperty(CHOICE_PROPERTY))) {
            return Optional.empty();
        }
        return Found.FORKER;
    }

    /** The program to start: the installed copy, or a new one when that is gone. */
    synchronized Path program() throws IOException {
        if (!Files.isExecutable(program)) {
            LOG.warn("The native launcher {} is gone; installing it again", program);
            program = install();
        }
        return program;
    }

    private static Optional<NativeForker> locate() {
        if (NativeForker.class.getResource(RESOURCE) == null || !System.getProperty("os.name", "").equals("Linux")) {
            LOG.info("This agent carries no native launcher for {} on {}: tasks start through the shell launcher"
                    + " server", System.getProperty("os.name"), System.getProperty("os.arch"));
            return Optional.empty();
        }
        try {
            Path program = install();
            if (!answersItsVersion(program)) {
                return Optional.empty();
            }
            LOG.info("Tasks start through the native launcher server {}", program);
            return Optional.of(new NativeForker(program));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("The native launcher cannot be installed ({}): tasks start through the shell launcher server",
                    e.toString());
            return Optional.empty();
        }
    }

    /** Copies the program out of the jar into a new directory only this user can write. */
    private static Path install() throws IOException {
        Path directory = Files.createTempDirectory("corral-forker-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path program = directory.resolve("corral-forker");
        try (InputStream in = NativeForker.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + " is missing from the agent's jar");
            }
            Files.copy(in, program);
        }
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("r-x------"));
        program.toFile().deleteOnExit(); // a running server keeps its program: Linux unlinks it when it ends
        directory.toFile().deleteOnExit();
        return program;
    }
    private static boolean answersItsVersion(Path program) {
        try {
            Process probe = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
            byte[] said = probe.getInputStream().readNBytes(256);
            if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0
                    && new String(said, StandardCharsets.UTF_8).startsWith(VERSION)) {
                return true;
            }
            probe.destroyForcibly();
            LOG.warn("The native launcher {} does not run here (it said '{}'): tasks start through the shell"
                    + " launcher server", program, new String(said, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            LOG.warn("The native launcher {} does not run here ({}): tasks start through the shell launcher server",
                    program, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
