package io.corral.cli.local;

import io.corral.agent.containerizer.HostPrograms;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Starts {@code corral <subcommand>} as a child JVM with the same java binary and classpath as this JVM, its output
 * appended to the process's log file.
 *
 * <p>Each child runs in its own session ({@code setsid}, when the machine has it): a Ctrl-C in the terminal signals
 * the terminal's whole foreground process group, and children in it would all stop at once, ZooKeeper first, so
 * masters and agents could no longer say goodbye and a task's last update would be lost. Outside that group only
 * the supervisor gets the Ctrl-C, and it stops the children in order (agents, masters, then ZooKeeper).
 *
 * <p>Immutable; thread-safe.
 */
public final class ChildLauncher {
    /** Main class of every child. */
    static final String MAIN_CLASS = "io.corral.cli.Corral";

    /**
     * Small, quick-starting JVMs: a local cluster starts several on a laptop at once, and none of them needs the
     * optimising compiler or a parallel collector to serve one developer.
     */
    static final List<String> DEFAULT_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss512k");

    private final String javaBinary;
    private final String classPath;
    private final List<String> jvmOptions;
    /** Started first, with the child's command line as its arguments: {@code setsid} (or nothing). */
    private final Optional<Path> sessionLeader;

    public ChildLauncher(String javaBinary, String classPath, List<String> jvmOptions, Optional<Path> sessionLeader) {
        this.javaBinary = javaBinary;
        this.classPath = classPath;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.sessionLeader = sessionLeader;
    }

    /** Children run on this JVM's java binary and classpath (made absolute: children run in other directories). */
    public static ChildLauncher sameAsThisJvm() {
        String java = ProcessHandle.current().info().command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        return new ChildLauncher(java, absolute(System.getProperty("java.class.path")), DEFAULT_JVM_OPTIONS,
                HostPrograms.find("setsid"));
    }

    /** The full command line for {@code spec}. */
    public List<String> command(ProcessSpec spec) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(MAIN_CLASS);
        command.addAll(spec.corralArgs());
        return command;
    }

    /** Starts a new incarnation of {@code spec}, after writing a marker line to its log. */
    public Process launch(ProcessSpec spec, int incarnation) throws IOException {
        Files.createDirectories(spec.logFile().getParent());
        appendLine(spec.logFile(), "=== corral local: starting " + spec.name() + " (incarnation " + incarnation
                + ") at " + Instant.now() + ": " + String.join(" ", spec.corralArgs()));
        List<String> command = new ArrayList<>();
        // setsid execs the JVM in place (a fresh child is no group leader), so the pid stays the JVM's.
        sessionLeader.ifPresent(setsid -> command.add(setsid.toString()));
        command.addAll(command(spec));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        Files.createDirectories(spec.pidFile().getParent());
        AtomicFiles.write(spec.pidFile(), (process.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
        return process;
    }

    static void appendLine(Path file, String line) throws IOException {
        Files.writeString(file, line + System.lineSeparator(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String absolute(String classPath) {
        return Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> entry.endsWith("*")
                        ? Paths.get(entry.substring(0, entry.length() - 1)).toAbsolutePath() + File.separator + "*"
                        : Paths.get(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
