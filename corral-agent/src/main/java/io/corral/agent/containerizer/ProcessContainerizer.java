package io.corral.agent.containerizer;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Mesos command tasks as plain OS processes, each in its own session and process group, with its output in its
 * sandbox.
 *
 * <p>A launch: create the sandbox; start the command ({@link TaskCommandLine}) with the task's environment
 * ({@link TaskEnvironment}), the sandbox as working directory, stdin from /dev/null and stdout/stderr appended to
 * {@code <sandbox>/stdout} and {@code <sandbox>/stderr}; write the pid to {@code <sandbox>/pid} so a restarted agent
 * can find the process again. The process is started through {@code setsid}, which makes its pid its process group
 * id, so a kill reaches every process the task forked (see {@link ProcessGroupSignaller}). Without {@code setsid}
 * on the machine, tasks stay in the agent's process group and kills walk the process tree instead
 * ({@link ProcessTreeSignaller}); a warning says so once.
 *
 * <p>Not handled yet: {@code CommandInfo.uris} are not fetched and {@code CommandInfo.user} is not switched to (the
 * task runs as the agent's user); both log a warning. No resource isolation (no cgroups).
 *
 * <p>Threading: thread-safe; {@link #launch} may be called from many threads at once (it blocks while the process
 * is spawned). The fields are immutable after construction. Kill escalation timers run on the injected scheduler.
 */
public final class ProcessContainerizer {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessContainerizer.class);
    private static final File DEV_NULL = new File("/dev/null");
    static final String STDOUT = "stdout";
    static final String STDERR = "stderr";
    static final String PID_FILE = "pid";

    private final ScheduledExecutorService timers;
    private final Optional<Path> setsid;
    private final TaskSignaller signaller;

    /** Detects {@code setsid} once; {@code timers} runs the SIGKILL escalation timers. */
    public ProcessContainerizer(ScheduledExecutorService timers) {
        this(timers, HostPrograms.find("setsid"));
    }

    /** For tests: choose the {@code setsid} program (empty forces the process-tree fallback). */
    ProcessContainerizer(ScheduledExecutorService timers, Optional<Path> setsid) {
        this.timers = Objects.requireNonNull(timers, "timers");
        if (setsid.isPresent()) {
            this.setsid = setsid;
            this.signaller = new ProcessGroupSignaller();
        } else {
            LOG.warn("No setsid program found: tasks run in the agent's process group, and kills signal the process"
                    + " tree, which misses processes a task left behind. Install util-linux.");
            this.setsid = Optional.empty();
            this.signaller = new ProcessTreeSignaller();
        }
    }

    /** True when each task gets its own process group (pid == pgid), which makes kills complete. */
    public boolean usesProcessGroups() {
        return setsid.isPresent();
    }

    /**
     * Starts the task's process.
     *
     * @throws IllegalArgumentException when the CommandInfo cannot be run (no value, a SECRET variable, a bad
     *     variable name); nothing has been created then
     * @throws IOException when the sandbox cannot be created, the process cannot be started, or the pid file cannot
     *     be written (the process is killed then). With setsid, a missing executable is not an IOException: the task
     *     exits with status 127 and setsid's message is in {@code stderr}.
     */
    public RunningContainer launch(ContainerSpec spec) throws IOException {
        CommandInfo command = spec.command();
        Path sandbox = spec.sandbox().toAbsolutePath();
        List<String> argv = launcherArgv(command);
        Map<String, String> environment =
                TaskEnvironment.build(System.getenv(), sandbox, spec.extraEnvironment(), command);
        warnAboutUnsupportedFields(spec);

        Files.createDirectories(sandbox);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(sandbox.toFile())
                .redirectInput(Redirect.from(DEV_NULL))
                .redirectOutput(Redirect.appendTo(sandbox.resolve(STDOUT).toFile()))
                .redirectError(Redirect.appendTo(sandbox.resolve(STDERR).toFile()));
        builder.environment().clear();
        builder.environment().putAll(environment);

        Process process = builder.start();
        try {
            writePidFile(sandbox, process.pid());
        } catch (IOException e) {
            signaller.kill(process.toHandle());
            throw new IOException("started task " + spec.taskId() + " but could not write its pid file in " + sandbox
                    + ", so killed it: " + e.getMessage(), e);
        }
        LOG.debug("Container {} (task {} of framework {}): started pid {}: {}", spec.containerId(), spec.taskId(),
                spec.frameworkId(), process.pid(), argv);
        return new RunningContainer(spec.containerId(), process, signaller, timers);
    }

    private List<String> launcherArgv(CommandInfo command) {
        List<String> argv = new ArrayList<>();
        setsid.ifPresent(program -> argv.add(program.toString()));
        argv.addAll(TaskCommandLine.argv(command));
        return argv;
    }

    /** Writes then renames, so a reader (a restarted agent) never sees a half-written pid. */
    private static void writePidFile(Path sandbox, long pid) throws IOException {
        Path temporary = sandbox.resolve(PID_FILE + ".tmp");
        Files.writeString(temporary, pid + "\n", StandardCharsets.US_ASCII);
        Files.move(temporary, sandbox.resolve(PID_FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static void warnAboutUnsupportedFields(ContainerSpec spec) {
        CommandInfo command = spec.command();
        if (command.getUrisCount() > 0) {
            LOG.warn("Task {}: CommandInfo.uris are not fetched by this agent yet ({} ignored)", spec.taskId(),
                    command.getUrisCount());
        }
        if (command.hasUser() && !command.getUser().equals(System.getProperty("user.name"))) {
            LOG.warn("Task {}: runs as the agent's user {}, not as CommandInfo.user {} "
                    + "(switching users is not supported yet)",
                    spec.taskId(), System.getProperty("user.name"), command.getUser());
        }
    }
}
