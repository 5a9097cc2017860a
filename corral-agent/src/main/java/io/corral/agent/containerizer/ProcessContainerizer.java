package io.corral.agent.containerizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Mesos command tasks as OS processes that outlive the agent: each task is started by a small launcher, a
 * {@code /bin/sh} script ({@code corral-launcher.sh}, next to this class) in a session of its own, which is the task's
 * parent, waits for it, and records its exit status in the container's run directory ({@link LauncherRecord}). The
 * agent JVM is not in the tasks' process trees, so it can die ({@code kill -9}) and start again without the tasks
 * noticing; {@link #recover} finds each container again by the launcher's pid and start time.
 *
 * <p>A launch, in order: create the sandbox and run directory; the isolators' {@code prepare}; start the launcher
 * (through {@code setsid}, stdin and stdout piped to the agent, stderr to {@code launcher.log}); checkpoint its pid
 * and start time ({@code launcher.pid}); the isolators' {@code isolate} (e.g. into the memory cgroup); write "go" to
 * the launcher, which starts the task (itself through {@code setsid}, so the task's pid is its process group and a
 * kill reaches everything it forked: {@link ProcessGroupSignaller}), with the task's environment
 * ({@link TaskEnvironment}), the sandbox as working directory, stdin from /dev/null and output appended to
 * {@code <sandbox>/stdout} and {@code stderr}; read the task's pid back. An agent that dies before "go" leaves a
 * launcher that reads end-of-input and starts nothing: no task ever runs without a checkpoint naming its launcher.
 *
 * <p>Where it can, a launch skips that handshake and the JVM spawns nothing: the agent's {@link LauncherServer}, one
 * long-lived process started at the first launch, forks the task's launcher, which joins the container's cgroups
 * itself ({@link Isolator#joinFiles}), writes {@code launcher.pid} and starts the task with the environment and argv
 * the agent wrote in the run directory ({@link LaunchFile}): the native server ({@link NativeForker}) where this
 * agent's jar carries one that runs here, else a shell ({@code corral-forker.sh}) starting the task through
 * {@code setsid} and {@code env -i}. The same records either way, so {@link #recover} cannot tell the paths apart.
 * The launcher tells the agent the task's end on the server's pipe (the exit is known in milliseconds), and a slow
 * poll of its pid covers a launcher killed before it could. The agent's own path above stays for what the server
 * cannot do: no {@code setsid} or {@code env} on the machine, a task with its own root filesystem
 * ({@link RootedLaunch}), an isolator whose {@code isolate} does more than join cgroups. Tasks on the server path get
 * variables whose names are no shell identifiers (as in Mesos); the agent's own path loses them in its launcher shell.
 *
 * <p>Without {@code setsid} on the machine, launchers and tasks stay in the agent's process group and kills walk the
 * process tree instead ({@link ProcessTreeSignaller}); a warning says so once. The shell starts a background job with
 * SIGINT and SIGQUIT ignored; where {@code env --default-signal} exists (coreutils 8.31+) the task gets them back.
 *
 * <p>The task runs as the user {@link TaskUsers} chooses (its own or its framework's, when the agent is root): the
 * sandbox is given to that user and the launcher starts the task through {@code setpriv}. Killing a task signals
 * its whole cgroup when an isolator tracks one ({@link CgroupKillIsolator}), else its process group.
 * {@code CommandInfo.uris} are fetched by the agent before it calls {@link #launch}
 * ({@link io.corral.agent.fetcher.Fetcher}), and a container image provisioned
 * ({@link io.corral.agent.image.ImageStore}): a spec with a {@link ContainerSpec#root()} runs through the same
 * launcher, its argv prefixed by the entry into new namespaces and the image's root ({@link RootedLaunch}).
 *
 * <p>Threading: thread-safe; {@link #launch} and {@link #recover} may be called from many threads at once (launch
 * blocks while the launcher starts, a few milliseconds; on the server path until the launcher's answer). The fields
 * are immutable after construction (the launcher server guards its own state). Kill escalation timers, the watch
 * over recovered launchers and the server's launchers run on the injected scheduler.
 */
public final class ProcessContainerizer {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessContainerizer.class);
    static final String STDOUT = "stdout";
    static final String STDERR = "stderr";
    /** How often a recovered launcher (not this JVM's child: no exit notification) is checked. */
    static final Duration RECOVERED_POLL = Duration.ofMillis(200);
    /**
     * How often a launcher started through the server is checked: only a fallback, for a launcher killed before it
     * could report the task's end itself, so slower than {@link #RECOVERED_POLL} (thousands of tasks may run).
     */
    static final Duration SERVER_LAUNCHER_POLL = Duration.ofSeconds(1);
    /** How long a launch waits for the server's launcher to answer before it cancels the launch. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final String LAUNCHER_SCRIPT = bundledScript("corral-launcher.sh");

    private final ScheduledExecutorService timers;
    private final Optional<Path> setsid;
    private final TaskSignaller signaller;
    private final Isolators isolators;
    private final List<String> restoreSignals;
    private final TaskUsers users;
    /**
     * Null where tasks cannot be launched through it (no {@code setsid}; or no native server and no {@code env}): see
     * the class comment.
     */
    private final LauncherServer server;
    /** {@code env -i}, with {@code --default-signal=INT,QUIT} where it can: the server path's environment. */
    private final List<String> cleanEnv;
    /** Keeps sandboxes' stdout and stderr small; null until {@link #rotatingLogs} (tests run without it). */
    private volatile LogRotation logs;

    /** Detects {@code setsid} once; {@code timers} runs the SIGKILL escalation timers; no isolation. */
    public ProcessContainerizer(ScheduledExecutorService timers) {
        this(timers, Isolators.none());
    }

    /** Tasks run as the agent's user. */
    public ProcessContainerizer(ScheduledExecutorService timers, Isolators isolators) {
        this(timers, isolators, TaskUsers.agentUser());
    }

    /** Launches through the native launcher server where it runs ({@link NativeForker}), else the shell one. */
    public ProcessContainerizer(ScheduledExecutorService timers, Isolators isolators, TaskUsers users) {
        this(timers, HostPrograms.find("setsid"), isolators, users, NativeForker.find());
    }

    /** For tests: choose the {@code setsid} program (empty forces the process-tree fallback). */
    ProcessContainerizer(ScheduledExecutorService timers, Optional<Path> setsid, Isolators isolators) {
        this(timers, setsid, isolators, TaskUsers.agentUser(), NativeForker.find());
    }

    /** For tests: launches through the shell launcher server even where the native one runs. */
    static ProcessContainerizer withShellServer(ScheduledExecutorService timers, Isolators isolators) {
        return new ProcessContainerizer(timers, HostPrograms.find("setsid"), isolators, TaskUsers.agentUser(),
                Optional.empty());
    }

    private ProcessContainerizer(ScheduledExecutorService timers, Optional<Path> setsid, Isolators isolators,
                                 TaskUsers users, Optional<NativeForker> nativeForker) {
        this.timers = Objects.requireNonNull(timers, "timers");
        this.isolators = Objects.requireNonNull(isolators, "isolators");
        this.users = Objects.requireNonNull(users, "users");
        if (setsid.isPresent()) {
            this.setsid = setsid;
            this.signaller = new ProcessGroupSignaller();
        } else {
            LOG.warn("No setsid program found: tasks run in the agent's process group, and kills signal the process"
                    + " tree, which misses processes a task left behind. Install util-linux.");
            this.setsid = Optional.empty();
            this.signaller = new ProcessTreeSignaller();
        }
        this.restoreSignals = HostPrograms.restoreSignalsPrefix();
        Optional<Path> env = HostPrograms.find("env");
        if (this.setsid.isEmpty()) {
            this.server = null;
        } else if (nativeForker.isPresent()) {
            this.server = new LauncherServer(LauncherServer.Program.nativeForker(nativeForker.get()));
        } else {
            this.server = env.isPresent() ? new LauncherServer(LauncherServer.Program.shell(this.setsid.get())) : null;
        }
        List<String> clean = new ArrayList<>(List.of(env.map(Path::toString).orElse("env"), "-i"));
        clean.addAll(restoreSignals.stream().skip(1).toList());
        clean.add("--");
        this.cleanEnv = List.copyOf(clean);
    }

    /**
     * Lets the launcher server go (it exits; running tasks and their launchers do not notice). A later launch starts
     * a new one. For an agent that stops, and for tests.
     */
    public void close() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * The agent stops for good: the isolators give back the agent's own cgroups if no container is left in them
     * (containers left running for the next start keep them). Launch nothing after this.
     */
    public void releaseIsolation() {
        isolators.release();
    }

    /** The launcher server's pid, -1 when none runs (tests kill it). */
    long launcherServerPid() {
        return server == null ? -1 : server.pid();
    }

    /**
     * Rotates the stdout and stderr of every task launched from now on by {@code policy} (Mesos's logrotate
     * container logger), checked every {@link LogRotation.Policy#interval()} on this containerizer's timer thread.
     * Call once, before the first launch.
     */
    public ProcessContainerizer rotatingLogs(LogRotation.Policy policy) {
        LogRotation rotation = new LogRotation(policy);
        long every = policy.interval().toMillis();
        timers.scheduleWithFixedDelay(rotation::rotateAll, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        logs = rotation;
        return this;
    }

    /** True when each task gets its own process group (pid == pgid), which makes kills complete. */
    public boolean usesProcessGroups() {
        return setsid.isPresent();
    }

    public Isolators isolators() {
        return isolators;
    }

    /**
     * Starts the task's launcher and, once it is checkpointed and isolated, the task.
     *
     * @throws IllegalArgumentException when the CommandInfo cannot be run (no value, a SECRET variable, a bad
     *     variable name); nothing has been created then
     * @throws IOException when the task's user does not exist here (nothing has been created then), the sandbox
     *     cannot be created or given to the user, an isolator fails, or the launcher cannot be started
     *     or checkpointed (it is killed then, before it starts the task). A missing executable is not an
     *     IOException: the task exits with status 127 and the message is in {@code stderr}.
     */
    public RunningContainer launch(ContainerSpec spec) throws IOException {
        CommandInfo command = spec.command();
        Path sandbox = spec.sandbox().toAbsolutePath();
        Path runDir = spec.runDir().toAbsolutePath();
        List<String> taskArgv = TaskCommandLine.argv(command);
        Optional<TaskUser> user = users.userFor(spec);
        Map<String, String> extra = new java.util.HashMap<>();
        user.ifPresent(u -> extra.putAll(TaskUsers.environment(u)));
        extra.putAll(spec.extraEnvironment());
        Map<String, String> environment = TaskEnvironment.build(System.getenv(), sandbox, extra, command);
        List<String> argv = launcherArgv(sandbox, runDir, user.map(users::commandPrefix).orElse(List.of()), taskArgv);

        Files.createDirectories(sandbox);
        Files.createDirectories(runDir);
        if (user.isPresent()) {
            TaskUsers.giveSandbox(sandbox, user.get());
        }
        ContainerRoot root = spec.root();
        if (root != null) { // its own root filesystem: the image's environment, and the entry into the container
            environment = RootedLaunch.environment(root, extra, command);
            argv = launcherArgv(sandbox, runDir, List.of(),
                    concat(RootedLaunch.entry(root, spec, sandbox, user), taskArgv));
        }
        try {
            isolators.prepare(spec);
        } catch (IOException | RuntimeException e) {
            isolators.cleanup(spec.containerId()); // what the isolators prepared before one of them failed
            throw new IOException("could not isolate task " + spec.taskId() + ": " + e.getMessage(), e);
        }
        TaskEnvironment.addIsolatorEnvironment(environment, isolators.environment(spec.containerId()), command);
        Optional<List<Path>> joinFiles = isolators.joinFiles(spec.containerId());
        if (server != null && root == null && joinFiles.isPresent()) {
            return launchThroughServer(spec, sandbox, runDir, joinFiles.get(), user, environment, taskArgv);
        }
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(sandbox.toFile())
                .redirectInput(Redirect.PIPE)
                .redirectOutput(Redirect.PIPE)
                .redirectError(Redirect.appendTo(runDir.resolve(LauncherRecord.LAUNCHER_LOG).toFile()));
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process launcher;
        try {
            launcher = builder.start();
        } catch (IOException e) {
            isolators.cleanup(spec.containerId());
            throw e;
        }
        try {
            long taskPid = startTask(spec, launcher, runDir);
            LOG.debug("Container {} (task {} of framework {}): launcher pid {}, task pid {}: {}", spec.containerId(),
                    spec.taskId(), spec.frameworkId(), launcher.pid(), taskPid, argv.subList(argv.indexOf("-c") + 2,
                    argv.size()));
            RunningContainer container = new RunningContainer(spec.containerId(), runDir, launcher.pid(),
                    OptionalLong.of(taskPid), launcher.onExit(), signaller, timers, isolators, null,
                    launcherVanished(launcher.pid(), runDir));
            rotateLogs(container, sandbox);
            return container;
        } catch (IOException | RuntimeException e) {
            launcher.destroyForcibly();
            isolators.cleanup(spec.containerId());
            throw new IOException("could not start task " + spec.taskId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The launch through the {@link LauncherServer}: writes its launch file, asks the server and waits for its
     * launcher's answer.
     */
    private RunningContainer launchThroughServer(ContainerSpec spec, Path sandbox, Path runDir, List<Path> joinFiles,
                                                 Optional<TaskUser> user, Map<String, String> environment,
                                                 List<String> taskArgv) throws IOException {
        LauncherServer.Launch launch;
        LauncherServer.Started started;
        try {
            // A run directory used before (tests do) must not look claimed or ended already.
            Files.deleteIfExists(runDir.resolve(LauncherRecord.LAUNCHER_PID));
            Files.deleteIfExists(runDir.resolve(LauncherRecord.EXIT_STATUS));
            Files.write(runDir.resolve(server.program().launchFile()),
                    launchFile(sandbox, joinFiles, user, environment, taskArgv));
            launch = server.request(runDir);
            started = awaitAnswer(spec, runDir, launch);
        } catch (IOException | RuntimeException e) {
            isolators.cleanup(spec.containerId());
            throw new IOException("could not start task " + spec.taskId() + ": " + e.getMessage()
                    + "; see " + runDir.resolve(LauncherRecord.LAUNCHER_LOG), e);
        }
        LauncherRecord record = new LauncherRecord(started.launcherPid(), started.startTicks(), ProcStat.bootId());
        LOG.debug("Container {} (task {} of framework {}): launcher pid {} (server), task pid {}: {}",
                spec.containerId(), spec.taskId(), spec.frameworkId(), started.launcherPid(), started.taskPid(),
                taskArgv);
        // The launcher's "end" line is the prompt notice (then it exits in a moment: gone once it has, so a restarted
        // agent never finds it running); the poll covers a launcher killed before it could say so.
        CompletableFuture<Void> gone = new CompletableFuture<>();
        launch.ended().thenRun(() -> completeWhenGone(record, gone, 1));
        gone.whenComplete((ignored, error) -> launch.ended().complete(null));
        watch(record, gone, SERVER_LAUNCHER_POLL);
        RunningContainer container = new RunningContainer(spec.containerId(), runDir, started.launcherPid(),
                OptionalLong.of(started.taskPid()), gone, signaller, timers, isolators, null,
                launcherVanished(started.launcherPid(), runDir));
        rotateLogs(container, sandbox);
        return container;
    }

    /** The launch file in the form the server reads ({@link LaunchFile}). */
    private byte[] launchFile(Path sandbox, List<Path> joinFiles, Optional<TaskUser> user,
                              Map<String, String> environment, List<String> taskArgv) {
        if (server.program().isNative()) {
            return LaunchFile.renderArgs(sandbox, joinFiles, user, environment, taskArgv);
        }
        // The task's command line starts with setsid, the user switch and env -i ... --; the environment follows as
        // NAME=value operands of env.
        List<String> prefix = new ArrayList<>();
        prefix.add(setsid.orElseThrow().toString());
        user.ifPresent(u -> prefix.addAll(users.commandPrefix(u)));
        prefix.addAll(cleanEnv);
        return LaunchFile.render(sandbox, joinFiles, prefix, environment, taskArgv).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Completes {@code gone} once a launcher that said it is ending has exited: checked now, then after 1, 2, 4 ...
     * 512 ms (it exits right after saying so: within a millisecond on an idle machine, tens of them on a busy one,
     * where a check every millisecond kept a thread of the agent busy). One stopped there for a second is left to the
     * slow poll.
     */
    private void completeWhenGone(LauncherRecord launcher, CompletableFuture<Void> gone, long nextDelayMillis) {
        if (!launcher.isRunning()) {
            gone.complete(null);
        } else if (!gone.isDone() && nextDelayMillis <= 512) {
            timers.schedule(() -> completeWhenGone(launcher, gone, nextDelayMillis * 2), nextDelayMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The launcher's answer; a launch unanswered for {@link #ANSWER_TIMEOUT} is cancelled if it still can be. */
    private LauncherServer.Started awaitAnswer(ContainerSpec spec, Path runDir, LauncherServer.Launch launch)
            throws IOException {
        try {
            return launch.started().get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            if (LauncherServer.cancel(runDir)) {
                throw new IOException("the launcher server did not answer within " + ANSWER_TIMEOUT);
            }
            LOG.warn("Container {}: its launcher claimed the launch but did not answer within {}; waiting while it"
                    + " runs", spec.containerId(), ANSWER_TIMEOUT);
            return answerWhileClaimed(runDir, launch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (LauncherServer.cancel(runDir)) {
                throw new IOException("interrupted while the task was being launched");
            }
            return answerWhileClaimed(runDir, launch);
        }
    }

    /**
     * The answer of a launcher that claimed the launch ({@code launcher.pid} is its), for as long as it runs; an
     * IOException once it ended without answering (its task, if it started one, is then the next recovery's).
     */
    private static LauncherServer.Started answerWhileClaimed(Path runDir, LauncherServer.Launch launch)
            throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return launch.started().get(RECOVERED_POLL.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    Optional<LauncherRecord> record = LauncherRecord.read(runDir);
                    if (record.isEmpty() || !record.get().isRunning()) {
                        throw new IOException("the task's launcher ended without answering");
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the launch is underway: its answer is needed all the same
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The handshake with a started launcher (see the class comment); returns the task's pid. */
    private long startTask(ContainerSpec spec, Process launcher, Path runDir) throws IOException {
        // The launcher is our child and waits for "go", so its pid cannot be reused under us here.
        ProcStat stat = ProcStat.read(launcher.pid())
                .orElseThrow(() -> new IOException("the launcher (pid " + launcher.pid() + ") vanished at once"));
        new LauncherRecord(launcher.pid(), stat.startTicks(), ProcStat.bootId()).write(runDir);
        isolators.isolate(spec.containerId(), launcher.pid());
        try (OutputStream go = launcher.getOutputStream()) {
            go.write("go\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (InputStream output = launcher.getInputStream()) {
            String line = new BufferedReader(new InputStreamReader(output, StandardCharsets.US_ASCII)).readLine();
            if (line == null) {
                throw new IOException("the launcher ended before starting the task; see "
                        + runDir.resolve(LauncherRecord.LAUNCHER_LOG));
            }
            return Long.parseLong(line.trim());
        }
    }

    /**
     * Keeps {@code container}'s stdout and stderr in {@code sandbox} within the rotation policy until it ends (nothing
     * without {@link #rotatingLogs}). Launches do it themselves; the agent calls it for containers it recovered, whose
     * tasks write on after a restart as much as before it.
     */
    public void rotateLogs(RunningContainer container, Path sandbox) {
        LogRotation rotation = logs;
        if (rotation == null || container.exit().isDone()) {
            return;
        }
        Path absolute = sandbox.toAbsolutePath();
        rotation.watch(absolute);
        container.exit().whenComplete((exit, error) -> timers.execute(() -> rotation.unwatch(absolute)));
    }

    /**
     * Finds a container of an earlier run of this agent again. Whatever its state, the answer is a container whose
     * {@link RunningContainer#exit()} tells how the task ended: at once when it ended while the agent was down (from
     * its recorded exit status), when it ends if it still runs, or as {@link ContainerLostException} when it can
     * never be known (the agent died before the task started, the launcher was killed, the machine rebooted).
     *
     * @param killGracePeriod the grace period of a kill requested before the restart; null if none was. A container
     *     still running gets SIGTERM again, and SIGKILL after the grace period.
     */
    public RunningContainer recover(String containerId, Path runDir, Duration killGracePeriod) {
        Path dir = runDir.toAbsolutePath();
        Optional<LauncherRecord> record;
        try {
            record = LauncherRecord.read(dir);
        } catch (IOException e) {
            return ended(containerId, dir, -1, killGracePeriod, "The agent restarted and could not read the task's"
                    + " launcher record (" + e.getMessage() + "), so it cannot know how the task ended");
        }
        if (record.isEmpty()) {
            return ended(containerId, dir, -1, killGracePeriod,
                    "The agent stopped before the task started: the task never ran");
        }
        LauncherRecord launcher = record.get();
        if (!launcher.isRunning()) {
            return ended(containerId, dir, launcher.pid(), killGracePeriod, launcherVanished(launcher.pid(), dir));
        }
        RunningContainer container = new RunningContainer(containerId, dir, launcher.pid(),
                LauncherRecord.readTaskPid(dir), watch(launcher), signaller, timers, isolators, killGracePeriod,
                launcherVanished(launcher.pid(), dir));
        container.resumeKill();
        LOG.info("Container {}: recovered, launcher pid {} still running", containerId, launcher.pid());
        return container;
    }

    /**
     * A container whose launcher no longer runs: its exit status, if recorded, tells how the task ended; else
     * {@code unrecorded} says why nobody can know.
     */
    private RunningContainer ended(String containerId, Path runDir, long launcherPid, Duration killGracePeriod,
                                   String unrecorded) {
        LOG.info("Container {}: its launcher ended while the agent was down", containerId);
        return new RunningContainer(containerId, runDir, launcherPid, LauncherRecord.readTaskPid(runDir),
                CompletableFuture.completedFuture(null), signaller, timers, isolators, killGracePeriod, unrecorded);
    }

    private static String launcherVanished(long launcherPid, Path runDir) {
        return "The task's launcher (pid " + launcherPid + ") ended without recording the task's exit status"
                + " (it was killed, or the machine restarted); see " + runDir.resolve(LauncherRecord.LAUNCHER_LOG);
    }

    /** Completes when a launcher that is not this JVM's child ends; polled, as Linux gives no other notice of it. */
    private CompletableFuture<Void> watch(LauncherRecord launcher) {
        return watch(launcher, new CompletableFuture<>(), RECOVERED_POLL);
    }

    /** Completes {@code gone} once {@code launcher} no longer runs, checked every {@code every}; returns it. */
    private CompletableFuture<Void> watch(LauncherRecord launcher, CompletableFuture<Void> gone, Duration every) {
        ScheduledFuture<?> poll = timers.scheduleWithFixedDelay(() -> {
            if (!launcher.isRunning()) {
                gone.complete(null);
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        gone.whenComplete((ignored, error) -> poll.cancel(false));
        return gone;
    }

    /**
     * {@code userPrefix} switches to the task's user (empty: stay the agent's); see the launcher script. A task with
     * its own root has none: the entry into the container ({@link RootedLaunch}) starts its argv and switches users.
     */
    private List<String> launcherArgv(Path sandbox, Path runDir, List<String> userPrefix, List<String> taskArgv) {
        List<String> argv = new ArrayList<>();
        setsid.ifPresent(program -> argv.add(program.toString()));
        argv.addAll(List.of(TaskCommandLine.SHELL, "-c", LAUNCHER_SCRIPT, "corral-launcher", runDir.toString(),
                sandbox.toString(), setsid.map(Path::toString).orElse("")));
        argv.addAll(userPrefix);
        argv.addAll(restoreSignals);
        argv.addAll(taskArgv);
        return argv;
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> both = new ArrayList<>(first);
        both.addAll(second);
        return both;
    }

    /** A shell script shipped next to this class in the agent's jar: corral-launcher.sh or corral-forker.sh. */
    static String bundledScript(String name) {
        try (InputStream in = ProcessContainerizer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the agent's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
