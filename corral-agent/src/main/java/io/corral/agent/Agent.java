package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.agent.containerizer.ContainerExit;
import io.corral.agent.containerizer.ContainerLostException;
import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.Limitation;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.image.ProvisionedImage;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.MesosIds;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.task.SideEffect;
import io.corral.protocol.task.TaskTransitions;
import io.corral.protocol.task.Transition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.apache.mesos.v1.executor.Protos.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's state and reactions: it runs the tasks the master launches as OS processes (the built-in command
 * executor's behaviour: {@code docs/mesos-compatibility.md}, "Agent: command tasks and executors"), reports their
 * states reliably through {@link StatusUpdates}, and tells each new leader what it runs when it re-registers. Tasks
 * with an executor (custom, or the default executor's task groups) go to the {@link ExecutorSupervisor}, which uses
 * this class's task records, reports and kills.
 *
 * <p>Its state survives the agent process: every task, state, kill request and unacknowledged update is written to
 * the {@link AgentStore} before the action it records, and {@link #recover} (called once, before the first master
 * connection) reads it back, finds every container again (tasks keep running while the agent is down; those that
 * ended meanwhile are reported from the exit status their launcher recorded) and restores the pending updates,
 * which go out once a master registers the agent under its old id.
 *
 * <p><b>Threading contract.</b> Everything here runs on the agent's event loop: master events, container exits and
 * timers are all posted to it. The {@link MasterLink} reads the stream on its own thread and only posts events.
 * Task containers start on spawn threads ({@link #spawner}), which touch no state of this class: each gets an
 * immutable {@link ContainerSpec} and its result is posted back to the loop.
 */
public final class Agent {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** The command executor's default kill grace period (Mesos: 3 s). */
    static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(3);
    /** The wait status reported for an executor this agent could not start: as if it exited with status 1. */
    static final int EXECUTOR_NEVER_STARTED = 1 << 8;
    /** Mesos's {@code --executor_registration_timeout}: a custom executor must subscribe within it. */
    public static final Duration DEFAULT_EXECUTOR_REGISTRATION_TIMEOUT = Duration.ofMinutes(1);
    /** Mesos's {@code --executor_shutdown_grace_period}, unless the ExecutorInfo sets its own. */
    static final Duration DEFAULT_EXECUTOR_SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** Mesos's {@code DEFAULT_EXECUTOR_CPUS}: what its command executor adds to a command task's container. */
    static final double COMMAND_EXECUTOR_CPUS = 0.1;
    /** How many containers start at once (see {@link #spawner}). */
    static final int SPAWN_THREADS = 4;

    private final AgentInfo.Builder info;
    private final Path workDir;
    private final ProcessContainerizer containerizer;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final AgentIdFile idFile;
    private final PersistentVolumes volumes;
    private final AgentStore store;
    /** Group commit of {@link #store}'s task records: see {@link CheckpointBatch}. */
    private final CheckpointBatch checkpoints;
    private final Map<TaskID, TaskRun> tasks = new LinkedHashMap<>();
    /** Tasks whose checkpoint could not be read back: reported lost; their records go once that is acknowledged. */
    private final Map<TaskID, AgentStore.Unreadable> unreadable = new HashMap<>();
    private final Map<FrameworkID, FrameworkInfo> frameworks = new HashMap<>();
    /** The custom and default executors (command tasks' executors are their TaskRuns). */
    private final ExecutorSupervisor executorSupervisor;
    private final StatusUpdates updates;
    private final AgentServices services;
    private final TaskChecks checks;
    private final SandboxGc gc;
    private final Consumer<AgentID> onRegistered;
    /**
     * Starts task containers off the loop ({@link #launchContainer}). A few threads: spawns are mostly waits (fork,
     * exec, the cgroup moves, the launcher's handshake), and several at once keep both the cores and the kernel
     * busy. Idle threads end, so an agent that is thrown away leaves none behind.
     */
    private final java.util.concurrent.ExecutorService spawner = spawnThreads();
    private MasterChannel connection;
    /** Told of queued updates and forgotten tasks, for the HTTP views ({@link AgentViews}). */
    private AgentObserver observer = AgentObserver.NONE;

    /**
     * @param info this agent's hostname, port and resources (its id, if it had one, is read from {@code workDir})
     * @param loop runs a task on the agent's event loop (process exits are posted through it)
     * @param onRegistered called on the loop each time a master registers this agent (e.g. to announce presence)
     */
    public Agent(AgentInfo info, Path workDir, ProcessContainerizer containerizer, Timers timers,
                 Consumer<Runnable> loop, Consumer<AgentID> onRegistered) {
        this(info, workDir, containerizer, timers, loop, onRegistered, DEFAULT_EXECUTOR_REGISTRATION_TIMEOUT);
    }

    /**
     * @param executorRegistrationTimeout how long a custom executor may take to subscribe after its start (and to
     *     subscribe again after an agent restart) before its container is destroyed
     */
    public Agent(AgentInfo info, Path workDir, ProcessContainerizer containerizer, Timers timers,
                 Consumer<Runnable> loop, Consumer<AgentID> onRegistered, Duration executorRegistrationTimeout) {
        this(info, workDir, containerizer, timers, loop, onRegistered, executorRegistrationTimeout,
                AgentServices.defaults(workDir));
    }

    /** @param services the fetcher, the worker for checks and sandbox removal, the sandbox GC's policy */
    Agent(AgentInfo info, Path workDir, ProcessContainerizer containerizer, Timers timers, Consumer<Runnable> loop,
          Consumer<AgentID> onRegistered, Duration executorRegistrationTimeout, AgentServices services) {
        this.onRegistered = onRegistered;
        this.info = info.toBuilder();
        this.workDir = workDir;
        this.containerizer = containerizer;
        this.timers = timers;
        this.loop = loop;
        this.idFile = new AgentIdFile(workDir);
        this.volumes = new PersistentVolumes(workDir);
        this.store = new AgentStore(workDir);
        this.checkpoints = new CheckpointBatch(loop);
        idFile.read().ifPresent(this.info::setId);
        this.updates = new StatusUpdates(this::sendUpdate, timers, this::checkpointUpdates);
        this.services = services;
        this.checks = new TaskChecks(this, timers, loop, services.worker());
        this.gc = new SandboxGc(workDir, services.gcPolicy(), timers, loop, services.worker(), services.diskUsage(),
                this::sandboxInUse);
        this.executorSupervisor = new ExecutorSupervisor(this, tasks, frameworks, updates, store, containerizer,
                volumes, timers, loop, workDir, executorRegistrationTimeout, services.fetcher());
    }

    private static java.util.concurrent.ExecutorService spawnThreads() {
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(SPAWN_THREADS,
                SPAWN_THREADS, 30, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "agent-spawn");
                    thread.setDaemon(true);
                    return thread;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    // ---- recovery ----

    /**
     * Reads the checkpoint of an earlier run of this agent and carries on from it. Call once, on the loop, before
     * the agent connects to a master. Then the sandboxes nobody uses any more are scheduled for removal.
     */
    void recover() {
        recoverTasks();
        gc.recover();
    }

    private void recoverTasks() {
        AgentStore.Replay replay = store.replay();
        if (replay.isEmpty()) {
            return;
        }
        if (!info.hasId()) {
            // Its tasks' statuses name an agent id this agent no longer has: no master would take them back.
            LOG.error("The checkpoint holds {} task(s) but the agent id is lost; killing them and starting afresh",
                    replay.tasks().size() + replay.unreadable().size());
            replay.executors().forEach(executor -> killAndForget(executor.frameworkId(), executor.containerId(),
                    executor.runDir()));
            replay.tasks().forEach(task -> killAndForget(task.frameworkId(), task.containerId(), task.runDir()));
            replay.unreadable().forEach(task -> killAndForget(task.frameworkId(), task.containerId(), task.runDir()));
            return;
        }
        replay.frameworks().forEach(framework -> frameworks.put(framework.getId(), framework));
        Set<String> live = new HashSet<>();
        for (AgentStore.StoredExecutor stored : replay.executors()) {
            executorSupervisor.recovered(new ExecutorRun(stored.frameworkId(), stored.info(), stored.containerId(),
                    stored.sandbox(), stored.runDir()), live);
        }
        for (AgentStore.StoredTask stored : replay.tasks()) {
            TaskRun run = new TaskRun(stored.frameworkId(), stored.task(), stored.containerId(), stored.sandbox(),
                    stored.runDir());
            run.latestStatus = stored.latest();
            run.killGracePeriod = stored.killGracePeriod();
            run.orphaned = stored.orphaned();
            tasks.put(run.task.getTaskId(), run);
            updates.restore(run.frameworkId, run.task.getTaskId(), stored.pending());
            ExecutorRun executor = executorSupervisor.of(run);
            if (executor != null) {
                executor.tasks.add(run.task.getTaskId());
            }
            if (run.isTerminal()) {
                if (!updates.hasPending(run.task.getTaskId())) {
                    forget(run); // its last update was acknowledged just before the agent stopped
                }
                continue;
            }
            if (run.task.hasExecutor() && executor == null) {
                // Its executor ended (or its record is unreadable) before the agent could report the task.
                report(run, TaskState.TASK_FAILED, "The task's executor terminated while the agent was down",
                        Reason.REASON_EXECUTOR_TERMINATED);
                if (live.add(run.containerId)) { // whatever still runs of it cannot be managed: stop it
                    containerizer.recover(run.containerId, run.runDir, Duration.ZERO);
                }
                continue;
            }
            if (executor != null && !executor.isDefault()) {
                if (run.state() == TaskState.TASK_STAGING) {
                    // Not yet handed over, or handed over and not yet reported: the executor's SUBSCRIBE tells which.
                    executor.pendingLaunches.add(new ExecutorRun.PendingLaunch(List.of(run.task.getTaskId()), false));
                }
                continue;
            }
            if (run.orphaned && run.killGracePeriod == null) {
                run.killGracePeriod = DEFAULT_KILL_GRACE; // its framework was shut down just before the agent stopped
            }
            run.container = containerizer.recover(run.containerId, run.runDir, run.killGracePeriod);
            containerizer.rotateLogs(run.container, run.sandbox);
            live.add(run.containerId);
            if (run.state() == TaskState.TASK_STARTING && !run.container.exit().isDone()) {
                report(run, TaskState.TASK_RUNNING, null, null); // the agent stopped before it could say so
            }
            watch(run);
            if (!run.container.exit().isDone() && frameworks.containsKey(run.frameworkId)) {
                checks.start(run, environment(frameworks.get(run.frameworkId), run)); // afresh: delay, grace...
            }
        }
        for (AgentStore.Unreadable task : replay.unreadable()) {
            LOG.error("Task {} of framework {}: its checkpoint is unreadable ({}); reporting it lost",
                    task.taskId().getValue(), task.frameworkId().getValue(), task.reason());
            if (!live.contains(task.containerId())) {
                // Its container, if still running, cannot be managed without the task's record: stop it (unless it
                // is a custom executor's, which runs other tasks too).
                containerizer.recover(task.containerId(), task.runDir(), Duration.ZERO);
                live.add(task.containerId());
            }
            unreadable.put(task.taskId(), task);
            // The executor's id is the name of the directory above runs/ (the task's own id for a command task).
            ExecutorID executorId = ExecutorID.newBuilder()
                    .setValue(task.runDir().getParent().getParent().getFileName().toString()).build();
            updates.enqueue(task.frameworkId(), newStatus(task.taskId(), executorId,
                    TaskState.TASK_LOST, "The agent restarted and could not read this task's checkpoint ("
                            + task.reason() + "); the task was killed if it still ran",
                    Reason.REASON_AGENT_RESTARTED).build());
        }
        executorSupervisor.finishRecovery();
        containerizer.isolators().recover(live);
        LOG.info("Recovered {} task(s) ({} still running), {} executor(s), {} unreadable, {} update(s) to resend",
                tasks.size(), tasks.values().stream().filter(run -> !run.isTerminal()).count(), executorSupervisor.all().size(),
                unreadable.size(),
                tasks.keySet().stream().mapToInt(id -> updates.pending(id).size()).sum() + unreadable.size());
    }

    private void killAndForget(FrameworkID frameworkId, String containerId, Path runDir) {
        containerizer.recover(containerId, runDir, Duration.ZERO);
        store.remove(frameworkId, runDir);
    }

    // ---- the master connection ----

    /** The REGISTER call for a (new) leader: who we are and everything we run. */
    AgentCall registerCall() {
        List<AgentCall.RunningTask> running = new ArrayList<>();
        for (TaskRun run : tasks.values()) {
            running.add(new AgentCall.RunningTask(run.frameworkId, run.task, run.latestStatus));
        }
        // Every executor that has not ended holds its resources, the ones being shut down included.
        List<AgentCall.RunningExecutor> runningExecutors = new ArrayList<>();
        for (ExecutorRun executor : executorSupervisor.all()) {
            runningExecutors.add(new AgentCall.RunningExecutor(executor.frameworkId, executor.info));
        }
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info.build(), running,
                List.copyOf(frameworks.values()), runningExecutors));
    }

    void connected(MasterChannel connection) {
        this.connection = connection;
    }

    void disconnected(MasterChannel closed) {
        if (connection == closed) {
            connection = null;
        }
    }

    /** Handles one event from the master's stream. */
    void handle(AgentEvent event, MasterChannel from) {
        if (from != connection) {
            return;
        }
        switch (event.type()) {
            case REGISTERED -> registered(event.registered());
            case LAUNCH -> launch(event.launch().frameworkInfo(), event.launch().task());
            case KILL -> kill(event.kill());
            case ACKNOWLEDGE -> acknowledge(event.acknowledge());
            case SHUTDOWN_FRAMEWORK -> shutdownFramework(event.shutdownFramework().frameworkId());
            case PING -> connection.send(AgentCall.pong(info.getId()));
            case ERROR -> LOG.error("Master refused this agent: {}", event.error().message());
            case CHECKPOINT_RESOURCES -> volumes.keepOnly(event.checkpointResources().resources(), volumesInUse());
            case LAUNCH_GROUP -> executorSupervisor.launchOnExecutor(event.launchGroup().frameworkInfo(), event.launchGroup().executor(),
                    event.launchGroup().tasks(), true);
            case SHUTDOWN_EXECUTOR -> executorSupervisor.shutdownExecutor(event.shutdownExecutor().frameworkId(),
                    event.shutdownExecutor().executorId());
            case MESSAGE -> executorSupervisor.messageToExecutor(event.message());
        }
    }

    private void registered(AgentEvent.Registered registered) {
        if (!info.hasId()) {
            info.setId(registered.agentId());
            idFile.write(registered.agentId());
        }
        connection.registered(registered.agentId());
        onRegistered.accept(registered.agentId());
        LOG.info("Registered with master {} as agent {}", registered.masterInfo().getId(),
                registered.agentId().getValue());
        updates.resendAll();
    }

    /** Sends once the update's checkpoint is on disk (a retry, already checkpointed, goes at once). */
    private void sendUpdate(FrameworkID frameworkId, TaskStatus status) {
        checkpoints.afterCommit(() -> {
            if (connection != null && connection.isRegistered()) {
                connection.send(AgentCall.update(info.getId(), frameworkId, status));
            }
        });
    }

    // ---- tasks ----

    private void launch(FrameworkInfo framework, TaskInfo task) {
        String invalid = firstNonNull(MesosIds.invalidReason(framework.getId().getValue()),
                MesosIds.invalidReason(task.getTaskId().getValue()));
        if (invalid != null) {
            // The master validates ids; one that is not valid would name a path outside the work dir.
            LOG.error("Refusing to launch task '{}' of framework '{}': {}", task.getTaskId().getValue(),
                    framework.getId().getValue(), invalid);
            return;
        }
        if (tasks.containsKey(task.getTaskId())) {
            LOG.warn("Ignoring a second launch of task {}", task.getTaskId().getValue());
            return;
        }
        if (task.hasExecutor()) {
            executorSupervisor.launchOnExecutor(framework, task.getExecutor(), List.of(task), false);
            return;
        }
        String containerId = UUID.randomUUID().toString();
        String executorId = task.getTaskId().getValue();
        Path sandbox = workDir.resolve("slaves").resolve(info.getId().getValue())
                .resolve("frameworks").resolve(framework.getId().getValue())
                .resolve("executors").resolve(executorId)
                .resolve("runs").resolve(containerId);
        TaskRun run = new TaskRun(framework.getId(), task, containerId, sandbox,
                store.runDir(framework.getId(), executorId, containerId));
        tasks.put(task.getTaskId(), run);
        try {
            saveFramework(framework);
        } catch (IOException e) {
            notCheckpointed(run, e);
            return;
        }
        // Started once its record is on disk, with the other records of this burst of events (CheckpointBatch); a
        // kill meanwhile is recorded and keeps it from starting.
        run.launching = true;
        checkpoints.write(store.taskInfoFile(run), () -> store.taskRecord(run), e -> notCheckpointed(run, e));
        checkpoints.afterCommit(() -> {
            run.launching = false;
            if (tasks.get(task.getTaskId()) != run || run.isTerminal()) {
                return; // its record could not be written
            }
            if (run.orphaned) {
                forget(run);
                return;
            }
            if (run.killGracePeriod != null) {
                report(run, TaskState.TASK_KILLED, "Killed before it started", Reason.REASON_TASK_KILLED_DURING_LAUNCH);
                return;
            }
            startTaskContainer(framework, run);
        });
    }

    private void notCheckpointed(TaskRun run, IOException e) {
        LOG.error("Task {}: cannot checkpoint it, so not starting it: {}", run.task.getTaskId().getValue(),
                e.getMessage());
        report(run, TaskState.TASK_FAILED, "The agent could not checkpoint the task: " + e.getMessage(),
                Reason.REASON_CONTAINER_LAUNCH_FAILED);
    }

    /**
     * Runs a task as a container of its own, as Mesos's command executor (and its default executor, for each task of
     * a group) does: TASK_STARTING, the process, TASK_RUNNING; its end is reported by {@link #ended}.
     */
    void startTaskContainer(FrameworkInfo framework, TaskRun run) {
        Optional<String> image;
        try {
            image = ContainerImages.imageOf(run.task, services.images());
        } catch (IllegalArgumentException e) {
            report(run, TaskState.TASK_FAILED, "Failed to launch container: " + e.getMessage(),
                    Reason.REASON_CONTAINER_LAUNCH_FAILED);
            executorSupervisor.groupTaskEnded(run);
            return;
        }
        if (run.task.getCommand().getUrisCount() > 0 || image.isPresent()) {
            fetchThenStart(framework, run, image);
            return;
        }
        launchContainer(framework, run, null);
    }

    /**
     * Mesos's fetcher runs before the executor, so before TASK_STARTING: the URIs are fetched into the sandbox on the
     * fetcher's threads, and the result comes back to the loop. A failed fetch ends the task TASK_FAILED with
     * REASON_CONTAINER_LAUNCH_FAILED (Mesos's reason: it has no fetcher-specific one) and the cause; a task killed,
     * or whose framework is shut down, meanwhile is not started.
     */
    private void fetchThenStart(FrameworkInfo framework, TaskRun run, Optional<String> image) {
        try {
            java.nio.file.Files.createDirectories(run.sandbox); // on the loop, where the GC removes empty parents
        } catch (IOException e) {
            report(run, TaskState.TASK_FAILED, "Failed to create the sandbox: " + e.getMessage(),
                    Reason.REASON_CONTAINER_LAUNCH_FAILED);
            executorSupervisor.groupTaskEnded(run);
            return;
        }
        CompletableFuture<Void> fetch = run.task.getCommand().getUrisCount() == 0
                ? CompletableFuture.completedFuture(null)
                : services.fetcher().fetch(run.task.getCommand().getUrisList(), run.sandbox);
        CompletableFuture<ProvisionedImage> provisioned = image.isEmpty() ? fetch.thenApply(ignored -> null)
                : fetch.thenApplyAsync(ignored -> ContainerImages.provision(services.images(), run.containerId,
                        image.get()), services.worker());
        run.fetch = provisioned.thenApply(ignored -> null);
        provisioned.whenComplete((root, failure) -> loop.accept(() -> {
            if (!fetched(framework, run, root, failure) && root != null) {
                services.images().remove(run.containerId); // built for a task that will not start
            }
        }));
    }

    /** Starts the task once its URIs are fetched and its image provisioned; false when it does not start. */
    private boolean fetched(FrameworkInfo framework, TaskRun run, ProvisionedImage image, Throwable failure) {
        run.fetch = null;
        if (tasks.get(run.task.getTaskId()) != run || run.isTerminal()) {
            return false; // killed while fetching, or forgotten with its framework
        }
        if (run.orphaned) { // its framework is gone (a default executor's task: its executor waits for it)
            forget(run);
            executorSupervisor.groupTaskEnded(run);
            return false;
        }
        String notStarting = executorSupervisor.whyNotStart(run);
        if (notStarting != null) {
            report(run, TaskState.TASK_KILLED, notStarting, Reason.REASON_TASK_KILLED_DURING_LAUNCH);
            executorSupervisor.groupTaskEnded(run);
            return false;
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            String message = cause instanceof ContainerImages.ProvisioningException
                    ? "Failed to launch container: " + cause.getMessage()
                    : "Failed to fetch all URIs for container '" + run.containerId + "': " + cause.getMessage();
            LOG.warn("Task {}: {}", run.task.getTaskId().getValue(), message);
            report(run, TaskState.TASK_FAILED, message, Reason.REASON_CONTAINER_LAUNCH_FAILED);
            executorSupervisor.groupTaskEnded(run);
            return false;
        }
        launchContainer(framework, run, image);
        return true;
    }

    /**
     * Reports TASK_STARTING and starts a command task's container on a spawn thread: a spawn (the launcher's fork and
     * exec, its cgroups, the handshake that makes it start the task) takes milliseconds to tens of them on a busy
     * machine, and the loop must not wait for it. {@link #launched} carries on, on the loop.
     *
     * @param image the task's root filesystem, provisioned from its image; null: it runs as a plain process
     */
    private void launchContainer(FrameworkInfo framework, TaskRun run, ProvisionedImage image) {
        TaskInfo task = run.task;
        report(run, TaskState.TASK_STARTING, null, null);
        ContainerSpec spec;
        try {
            volumes.mount(task.getResourcesList(), run.sandbox);
            spec = new ContainerSpec(run.containerId, task.getTaskId().getValue(), framework.getId().getValue(),
                    run.executorId.getValue(), task.getCommand(), run.sandbox, run.runDir,
                    environment(framework, run), containerResources(task)).withFrameworkUser(framework.getUser());
            if (image != null) {
                spec = ContainerImages.rooted(spec, task, image);
            }
        } catch (IOException | RuntimeException e) {
            launchFailed(run, image);
            launched(framework, run, null, e);
            return;
        }
        if (run.task.hasExecutor()) {
            // A default executor's group starts its tasks one after the other, on the loop: one that cannot start
            // keeps the rest from starting (ExecutorSupervisor.launchOnExecutor).
            try {
                launched(framework, run, containerizer.launch(spec), null);
            } catch (IOException | RuntimeException e) {
                launchFailed(run, image);
                launched(framework, run, null, e);
            }
            return;
        }
        run.launching = true;
        ContainerSpec started = spec;
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return containerizer.launch(started);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, spawner).whenComplete((container, failure) -> loop.accept(() -> {
            if (failure != null) {
                launchFailed(run, image);
            }
            launched(framework, run, container, failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure);
        }));
    }

    /** A container that did not start: the root built from its image goes (nothing will run there). */
    private void launchFailed(TaskRun run, ProvisionedImage image) {
        if (image != null) {
            services.images().remove(run.containerId);
        }
    }

    /**
     * The container started (or could not): TASK_RUNNING, or TASK_FAILED. A kill asked for meanwhile (by the
     * framework, or because its framework or its task group ended) reaches the container now; the task then ends
     * TASK_KILLED without ever being reported running.
     */
    private void launched(FrameworkInfo framework, TaskRun run, io.corral.agent.containerizer.RunningContainer container,
                          Throwable failure) {
        run.launching = false;
        if (failure != null) {
            Throwable cause = failure instanceof java.io.UncheckedIOException ? failure.getCause() : failure;
            LOG.warn("Task {} failed to start: {}", run.task.getTaskId().getValue(), cause.getMessage());
            if (run.orphaned) {
                forget(run);
                executorSupervisor.groupTaskEnded(run);
                return;
            }
            report(run, TaskState.TASK_FAILED, "Failed to launch the command: " + cause.getMessage(),
                    Reason.REASON_CONTAINER_LAUNCH_FAILED);
            return;
        }
        run.container = container;
        if (run.killGracePeriod != null) {
            Duration grace = run.killGracePeriod;
            checkpoints.afterCommit(() -> container.kill(grace)); // once the kill request is on disk
            watch(run);
            return;
        }
        report(run, TaskState.TASK_RUNNING, null, null);
        watch(run);
        checks.start(run, environment(framework, run));
    }

    /**
     * What a task's container is limited to. A command task's container also holds its launcher (the shell that
     * starts the task and waits for it), which gets Mesos's command-executor allowance of
     * {@link #COMMAND_EXECUTOR_CPUS}: without it a 0.01-cpu task's CFS quota (1 ms per 100 ms period) throttles the
     * launcher's own fork and exec for a second or more before the task even starts. The master does not count the
     * allowance, as Mesos's does not. A default executor's tasks get exactly their resources, as Mesos's nested
     * containers do.
     */
    static List<org.apache.mesos.v1.Protos.Resource> containerResources(TaskInfo task) {
        if (task.hasExecutor()) {
            return task.getResourcesList();
        }
        List<org.apache.mesos.v1.Protos.Resource> resources = new ArrayList<>(task.getResourcesList());
        resources.add(org.apache.mesos.v1.Protos.Resource.newBuilder().setName("cpus")
                .setType(org.apache.mesos.v1.Protos.Value.Type.SCALAR)
                .setScalar(org.apache.mesos.v1.Protos.Value.Scalar.newBuilder().setValue(COMMAND_EXECUTOR_CPUS))
                .build());
        return resources;
    }

    void saveFramework(FrameworkInfo framework) throws IOException {
        // Also when its record went with the framework's last task (AgentStore.remove) though the agent knows it.
        if (!framework.equals(frameworks.put(framework.getId(), framework)) || !store.hasFramework(framework.getId())) {
            store.saveFramework(framework);
        }
    }

    /** Posts the container's end to the loop. */
    private void watch(TaskRun run) {
        run.container.exit().whenComplete((exit, failure) -> loop.accept(() -> ended(run, exit, failure)));
    }

    static String firstNonNull(String first, String second) {
        return first != null ? first : second;
    }

    private Map<String, String> environment(FrameworkInfo framework, TaskRun run) {
        Path sandbox = run.sandbox;
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MESOS_FRAMEWORK_ID", framework.getId().getValue());
        env.put("MESOS_EXECUTOR_ID", run.executorId.getValue());
        env.put("MESOS_SLAVE_ID", info.getId().getValue());
        env.put("MESOS_AGENT_ENDPOINT", info.getHostname() + ":" + info.getPort());
        env.put("MESOS_DIRECTORY", sandbox.toString());
        env.put("MESOS_SANDBOX", sandbox.toString());
        return env;
    }

    /**
     * The container ended: the task's final state, as the command executor words it ("Command exited with status
     * 3"); a container whose end is unknown (its launcher vanished) is reported failed.
     */
    private void ended(TaskRun run, ContainerExit exit, Throwable failure) {
        checks.stop(run);
        if (run.orphaned) {
            forget(run);
            executorSupervisor.groupTaskEnded(run);
            return;
        }
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof ContainerLostException lost) {
            report(run, TaskState.TASK_FAILED, lost.getMessage(), Reason.REASON_EXECUTOR_TERMINATED);
        } else if (cause != null) {
            report(run, TaskState.TASK_FAILED, "The agent lost track of the task: " + cause,
                    Reason.REASON_EXECUTOR_TERMINATED);
        } else if (exit.limitation().isPresent()) {
            report(run, TaskState.TASK_FAILED, exit.limitation().get().message(), exit.limitation().get().reason());
        } else if (exit.killedByRequest()) {
            report(run, TaskState.TASK_KILLED, "Command " + exit.describe(), null);
        } else if (exit.succeeded()) {
            report(run, TaskState.TASK_FINISHED, "Command exited with status 0", null);
        } else {
            report(run, TaskState.TASK_FAILED, "Command " + exit.describe(), null);
        }
        LOG.info("Task {} {}", run.task.getTaskId().getValue(), exit != null ? exit.describe() : cause.getMessage());
        executorSupervisor.groupTaskEnded(run);
    }

    /** Drops an ended task whose updates were all acknowledged (or are no longer wanted), and its checkpoint. */
    void forget(TaskRun run) {
        tasks.remove(run.task.getTaskId());
        ExecutorRun executor = executorSupervisor.of(run);
        observer.taskForgotten(run, executor);
        if (executor != null) {
            executor.tasks.remove(run.task.getTaskId());
        }
        // A custom executor's tasks share its run dir (its launcher's files): that goes with its last user.
        checkpoints.cancel(store.updatesFile(run));
        checkpoints.cancel(store.taskInfoFile(run));
        store.removeTask(run.runDir, run.task.getTaskId());
        boolean inUse = (executor != null && executor.runDir.equals(run.runDir))
                || tasks.values().stream().anyMatch(other -> other.runDir.equals(run.runDir));
        if (!inUse) {
            store.remove(run.frameworkId, run.runDir);
        }
        checks.stop(run);
        gc.schedule(run.sandbox); // removed after gc_delay, unless a task or executor still uses it then
    }

    /** An executor ended: its sandbox is scheduled for removal (kept meanwhile while any of its tasks is known). */
    void sandboxReleased(Path sandbox) {
        gc.schedule(sandbox);
    }

    /** Whether a task or executor this agent knows uses {@code sandbox} (or something inside it): never removed. */
    private boolean sandboxInUse(Path sandbox) {
        return tasks.values().stream().anyMatch(run -> run.sandbox.startsWith(sandbox))
                || executorSupervisor.all().stream().anyMatch(executor -> executor.sandbox.startsWith(sandbox));
    }

    /** The cluster's {@code gc_delay} changed ({@code corral config set gc_delay}); on the loop. */
    void setGcDelay(Duration delay) {
        gc.setDelay(delay);
    }

    private void kill(AgentEvent.Kill kill) {
        TaskRun run = tasks.get(kill.taskId());
        if (run == null || run.isTerminal()) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        if (run.fetch != null) { // nothing runs yet: the fetch's end finds the task ended and starts nothing
            run.fetch.cancel(false);
            report(run, TaskState.TASK_KILLED, "Killed while its URIs were being fetched",
                    Reason.REASON_TASK_KILLED_DURING_LAUNCH);
            executorSupervisor.groupTaskEnded(run);
            return;
        }
        if (run.launching) {
            requestKill(run, kill.gracePeriodNanos() > 0 ? Duration.ofNanos(kill.gracePeriodNanos())
                    : DEFAULT_KILL_GRACE);
            return;
        }
        if (run.container == null && run.task.hasExecutor()) {
            executorSupervisor.killOnExecutor(run, kill.gracePeriodNanos());
            return;
        }
        if (run.container == null) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        Duration grace = kill.gracePeriodNanos() > 0 ? Duration.ofNanos(kill.gracePeriodNanos()) : DEFAULT_KILL_GRACE;
        requestKill(run, grace);
    }

    /**
     * Checkpoints the kill request, so a restarted agent finishes it and reports TASK_KILLED, then signals (once the
     * container exists, for one still starting: {@link #launched}).
     */
    void requestKill(TaskRun run, Duration grace) {
        if (run.killGracePeriod == null) {
            run.killGracePeriod = grace;
            checkpointUpdates(run.task.getTaskId());
        }
        checkpoints.afterCommit(() -> {
            if (run.container != null) {
                run.container.kill(grace);
            }
        });
    }

    private void acknowledge(AgentEvent.Acknowledge ack) {
        ByteString uuid;
        try {
            uuid = ByteString.copyFrom(Base64.getDecoder().decode(ack.uuid()));
        } catch (IllegalArgumentException e) {
            LOG.warn("Ignoring an acknowledgement of task {} with a malformed uuid", ack.taskId().getValue());
            return;
        }
        if (!updates.acknowledge(ack.taskId(), uuid)) {
            return;
        }
        TaskRun run = tasks.get(ack.taskId());
        if (run != null && run.container == null && run.task.hasExecutor()) {
            executorSupervisor.acknowledgedToExecutor(run, uuid);
        }
        if (updates.hasPending(ack.taskId())) {
            return;
        }
        if (run != null && run.isTerminal()) {
            forget(run);
        }
        AgentStore.Unreadable lost = unreadable.remove(ack.taskId());
        if (lost != null) {
            store.remove(lost.frameworkId(), lost.runDir());
        }
    }

    /**
     * The framework is gone: kill its tasks, stop reporting them, forget it. The tasks are marked before their
     * queues are dropped, so the checkpoint says so too: a restarted agent finishes the kills without reporting them.
     */
    private void shutdownFramework(FrameworkID frameworkId) {
        for (TaskRun run : tasks.values()) {
            if (run.frameworkId.equals(frameworkId)) {
                run.orphaned = true;
            }
        }
        executorSupervisor.shutdownFramework(frameworkId);
        updates.dropFramework(frameworkId);
        frameworks.remove(frameworkId);
        for (AgentStore.Unreadable lost : List.copyOf(unreadable.values())) {
            if (lost.frameworkId().equals(frameworkId)) {
                unreadable.remove(lost.taskId());
                store.remove(frameworkId, lost.runDir());
            }
        }
        for (TaskRun run : List.copyOf(tasks.values())) {
            if (run.frameworkId.equals(frameworkId)) {
                if (run.container == null && run.task.hasExecutor() && executorSupervisor.of(run) != null) {
                    continue; // its executor is being destroyed; its end forgets the task
                }
                if (run.hasOwnContainer() && !run.isTerminal()) {
                    checkpointUpdates(run.task.getTaskId()); // "shut down", even for a task with nothing pending
                    requestKill(run, DEFAULT_KILL_GRACE);
                } else {
                    forget(run);
                }
            }
        }
    }

    /**
     * Records a new state and queues its update (with a fresh uuid, so the framework acknowledges it), if the shared
     * table ({@link TaskTransitions}) lets the task go there from its current state: a state already reported, or
     * one that would undo an earlier one (a terminal state included), is not reported. The queue is checkpointed
     * before the update is sent ({@link #checkpointUpdates}).
     */
    void report(TaskRun run, TaskState state, String message, Reason reason) {
        Transition transition = TaskTransitions.decide(run.state(), state);
        if (!transition.isAccepted()) {
            LOG.warn("Task {}: not reporting {}: {}", run.task.getTaskId().getValue(), state,
                    ((Transition.Rejected) transition).reason());
            return;
        }
        if (!transition.has(SideEffect.FORWARD_TO_FRAMEWORK)) {
            return; // the same state again: already queued
        }
        TaskStatus.Builder status = newStatus(run.task.getTaskId(), run.executorId, state, message, reason);
        if (run.task.hasCheck() && (!run.task.hasExecutor()
                || run.task.getExecutor().getType() == ExecutorInfo.Type.DEFAULT)) {
            // Mesos's command executor: every update of a task with a check carries a check status, empty until
            // the check has a result (then TaskChecks sends it).
            status.setCheckStatus(io.corral.agent.checks.Checker.empty(run.task.getCheck()));
        }
        if (state == TaskState.TASK_KILLED && run.killedByHealthCheck) {
            status.setHealthy(false); // as Mesos: the kill was the health check's
        }
        run.latestStatus = status.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    /**
     * A TASK_RUNNING update again, copied from the latest one with a fresh uuid and time, a reason and a change (a
     * health or check result): Mesos's command executor reports those so, with everything else preserved.
     */
    void reportAgain(TaskRun run, Reason reason, Consumer<TaskStatus.Builder> change) {
        if (run.latestStatus == null || run.isTerminal()) {
            return;
        }
        TaskStatus.Builder status = run.latestStatus.toBuilder()
                .setUuid(randomUuid())
                .setTimestamp(timers.nowMillis() / 1000.0)
                .setReason(reason);
        change.accept(status);
        run.latestStatus = status.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    private TaskStatus.Builder newStatus(TaskID taskId, ExecutorID executorId, TaskState state, String message,
                                         Reason reason) {
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(taskId)
                .setState(state)
                .setSource(Limitation.isLimitation(reason) ? TaskStatus.Source.SOURCE_AGENT // the agent ended it
                        : TaskStatus.Source.SOURCE_EXECUTOR)
                .setAgentId(info.getId())
                .setExecutorId(executorId)
                .setTimestamp(timers.nowMillis() / 1000.0)
                .setUuid(randomUuid());
        if (message != null) {
            status.setMessage(message);
        }
        if (reason != null) {
            status.setReason(reason);
        }
        return status;
    }

    /**
     * Writes a task's latest status, unacknowledged updates and kill request to the checkpoint. Called by
     * {@link StatusUpdates} before it sends anything. A failed write is logged and the agent carries on: the task is
     * not harmed, but that change would not survive an agent restart.
     */
    private void checkpointUpdates(TaskID taskId) {
        TaskRun run = tasks.get(taskId);
        if (run == null) {
            return; // an unreadable task's TASK_LOST: its broken record stays until the update is acknowledged
        }
        // Written with this burst's other records; sends and kills wait for it (checkpoints.afterCommit).
        checkpoints.write(store.updatesFile(run), () -> store.updatesRecord(run, updates.pending(taskId)),
                e -> LOG.error("Task {}: cannot checkpoint its status updates ({}); they would not survive a restart",
                        taskId.getValue(), e.getMessage()));
    }

    private static ByteString randomUuid() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16);
        bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return ByteString.copyFrom(bytes.array());
    }

    /** The volume directories of tasks that have not ended: never deleted under them. */
    private java.util.Set<Path> volumesInUse() {
        java.util.Set<Path> inUse = new java.util.HashSet<>();
        for (ExecutorRun executor : executorSupervisor.all()) {
            for (org.apache.mesos.v1.Protos.Resource resource : executor.info.getResourcesList()) {
                if (io.corral.protocol.resources.Reservations.isPersistentVolume(resource)) {
                    inUse.add(volumes.directoryOf(io.corral.protocol.resources.Reservations.canonical(resource)));
                }
            }
        }
        for (TaskRun run : tasks.values()) {
            if (!run.isTerminal()) {
                for (org.apache.mesos.v1.Protos.Resource resource : run.task.getResourcesList()) {
                    if (io.corral.protocol.resources.Reservations.isPersistentVolume(resource)) {
                        inUse.add(volumes.directoryOf(io.corral.protocol.resources.Reservations.canonical(resource)));
                    }
                }
            }
        }
        return inUse;
    }

    /** Kills every task (used when the agent is told to stop for good, e.g. by `corral local` on Ctrl-C). */
    void killAll() {
        for (TaskRun run : tasks.values()) {
            if (run.hasOwnContainer() && !run.isTerminal()) {
                requestKill(run, DEFAULT_KILL_GRACE);
            }
        }
        executorSupervisor.killAll();
    }

    /** Read-only view for the agent's HTTP state endpoint. */
    List<ExecutorRun> executors() {
        return executorSupervisor.all();
    }

    /** A call to {@code /api/v1/executor} ({@link ExecutorSupervisor#call}); on the loop. */
    void executorCall(Call call, Encoding responseEncoding, HttpExchange exchange) {
        executorSupervisor.call(call, responseEncoding, exchange);
    }

    /** Sends a call to the master if this agent is registered with one; otherwise it is dropped (the caller's choice). */
    void sendToMaster(AgentCall call) {
        if (connection != null && connection.isRegistered()) {
            connection.send(call);
        }
    }

    AgentID id() {
        return info.hasId() ? info.getId() : null;
    }

    AgentServices services() {
        return services;
    }

    /** Read-only view for the agent's HTTP state endpoint. */
    List<TaskRun> tasks() {
        return List.copyOf(tasks.values());
    }

    AgentInfo info() {
        return info.build();
    }

    // ---- read-only accessors for the HTTP views (AgentViews); all on the loop ----

    /** Sets who is told of queued updates and forgotten tasks; call on the loop, before the agent recovers. */
    void observe(AgentObserver observer) {
        this.observer = observer;
        updates.observe(observer::statusQueued);
    }

    /** The frameworks this agent runs (or ran) tasks for and has not been told to shut down. */
    List<FrameworkInfo> frameworks() {
        return List.copyOf(frameworks.values());
    }

    /** True while a master has this agent registered on an open stream. */
    boolean isRegistered() {
        return connection != null && connection.isRegistered();
    }

    Path workDir() {
        return workDir;
    }
}
