package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.agent.containerizer.ContainerExit;
import io.corral.agent.containerizer.ContainerLostException;
import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.RunningContainer;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.MesosIds;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpError;
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
import java.util.Set;
import java.util.UUID;
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
 * states reliably through {@link StatusUpdates}, and tells each new leader what it runs when it re-registers.
 *
 * <p>Its state survives the agent process: every task, state, kill request and unacknowledged update is written to
 * the {@link AgentStore} before the action it records, and {@link #recover} (called once, before the first master
 * connection) reads it back, finds every container again (tasks keep running while the agent is down; those that
 * ended meanwhile are reported from the exit status their launcher recorded) and restores the pending updates,
 * which go out once a master registers the agent under its old id.
 *
 * <p><b>Threading contract.</b> Everything here runs on the agent's event loop: master events, container exits and
 * timers are all posted to it. The {@link MasterLink} reads the stream on its own thread and only posts events.
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

    private final AgentInfo.Builder info;
    private final Path workDir;
    private final ProcessContainerizer containerizer;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final AgentIdFile idFile;
    private final PersistentVolumes volumes;
    private final AgentStore store;
    private final Map<TaskID, TaskRun> tasks = new LinkedHashMap<>();
    /** Tasks whose checkpoint could not be read back: reported lost; their records go once that is acknowledged. */
    private final Map<TaskID, AgentStore.Unreadable> unreadable = new HashMap<>();
    private final Map<FrameworkID, FrameworkInfo> frameworks = new HashMap<>();
    /** The custom and default executors that have not ended (command tasks' executors are their TaskRuns). */
    private final Map<ExecutorKey, ExecutorRun> executors = new LinkedHashMap<>();
    private final Duration executorRegistrationTimeout;
    private final StatusUpdates updates;
    private final Consumer<AgentID> onRegistered;
    private MasterChannel connection;

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
        this.executorRegistrationTimeout = executorRegistrationTimeout;
        this.onRegistered = onRegistered;
        this.info = info.toBuilder();
        this.workDir = workDir;
        this.containerizer = containerizer;
        this.timers = timers;
        this.loop = loop;
        this.idFile = new AgentIdFile(workDir);
        this.volumes = new PersistentVolumes(workDir);
        this.store = new AgentStore(workDir);
        idFile.read().ifPresent(this.info::setId);
        this.updates = new StatusUpdates(this::sendUpdate, timers, this::checkpointUpdates);
    }

    // ---- recovery ----

    /**
     * Reads the checkpoint of an earlier run of this agent and carries on from it. Call once, on the loop, before
     * the agent connects to a master.
     */
    void recover() {
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
            ExecutorRun executor = new ExecutorRun(stored.frameworkId(), stored.info(), stored.containerId(),
                    stored.sandbox(), stored.runDir());
            executors.put(ExecutorKey.of(executor), executor);
            if (!executor.isDefault()) {
                // It kept running while the agent was down; it has executorRegistrationTimeout to subscribe again.
                executor.container = containerizer.recover(executor.containerId, executor.runDir, null);
                live.add(executor.containerId);
                watchExecutor(executor);
            }
        }
        for (AgentStore.StoredTask stored : replay.tasks()) {
            TaskRun run = new TaskRun(stored.frameworkId(), stored.task(), stored.containerId(), stored.sandbox(),
                    stored.runDir());
            run.latestStatus = stored.latest();
            run.killGracePeriod = stored.killGracePeriod();
            run.orphaned = stored.orphaned();
            tasks.put(run.task.getTaskId(), run);
            updates.restore(run.frameworkId, run.task.getTaskId(), stored.pending());
            ExecutorRun executor = run.task.hasExecutor() ? executors.get(ExecutorKey.of(run)) : null;
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
            live.add(run.containerId);
            if (run.state() == TaskState.TASK_STARTING && !run.container.exit().isDone()) {
                report(run, TaskState.TASK_RUNNING, null, null); // the agent stopped before it could say so
            }
            watch(run);
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
        for (ExecutorRun executor : List.copyOf(executors.values())) {
            if (executor.isDefault()) {
                // The groups are not checkpointed: after a restart, all of a default executor's tasks are one group.
                executor.groups.add(new java.util.LinkedHashSet<>(executor.tasks));
                endDefaultExecutorIfDone(executor);
            } else {
                executor.registrationTimer = timers.schedule(executorRegistrationTimeout,
                        () -> registrationTimedOut(executor));
            }
        }
        containerizer.isolators().recover(live);
        LOG.info("Recovered {} task(s) ({} still running), {} executor(s), {} unreadable, {} update(s) to resend",
                tasks.size(), tasks.values().stream().filter(run -> !run.isTerminal()).count(), executors.size(),
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
        for (ExecutorRun executor : executors.values()) {
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
            case LAUNCH_GROUP -> launchOnExecutor(event.launchGroup().frameworkInfo(), event.launchGroup().executor(),
                    event.launchGroup().tasks(), true);
            case SHUTDOWN_EXECUTOR -> shutdownExecutor(event.shutdownExecutor().frameworkId(),
                    event.shutdownExecutor().executorId());
            case MESSAGE -> messageToExecutor(event.message());
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

    private void sendUpdate(FrameworkID frameworkId, TaskStatus status) {
        if (connection != null && connection.isRegistered()) {
            connection.send(AgentCall.update(info.getId(), frameworkId, status));
        }
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
            launchOnExecutor(framework, task.getExecutor(), List.of(task), false);
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
            store.saveTask(run);
        } catch (IOException e) {
            LOG.error("Task {}: cannot checkpoint it, so not starting it: {}", task.getTaskId().getValue(),
                    e.getMessage());
            report(run, TaskState.TASK_FAILED, "The agent could not checkpoint the task: " + e.getMessage(),
                    Reason.REASON_CONTAINER_LAUNCH_FAILED);
            return;
        }
        startTaskContainer(framework, run);
    }

    /**
     * Runs a task as a container of its own, as Mesos's command executor (and its default executor, for each task of
     * a group) does: TASK_STARTING, the process, TASK_RUNNING; its end is reported by {@link #ended}.
     */
    private void startTaskContainer(FrameworkInfo framework, TaskRun run) {
        TaskInfo task = run.task;
        report(run, TaskState.TASK_STARTING, null, null);
        try {
            volumes.mount(task.getResourcesList(), run.sandbox);
            run.container = containerizer.launch(new ContainerSpec(run.containerId, task.getTaskId().getValue(),
                    framework.getId().getValue(), run.executorId.getValue(), task.getCommand(), run.sandbox,
                    run.runDir, environment(framework, run), task.getResourcesList()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Task {} failed to start: {}", task.getTaskId().getValue(), e.getMessage());
            report(run, TaskState.TASK_FAILED, "Failed to launch the command: " + e.getMessage(),
                    Reason.REASON_CONTAINER_LAUNCH_FAILED);
            return;
        }
        report(run, TaskState.TASK_RUNNING, null, null);
        watch(run);
    }

    /** Posts the container's end to the loop. */
    private void watch(TaskRun run) {
        run.container.exit().whenComplete((exit, failure) -> loop.accept(() -> ended(run, exit, failure)));
    }

    private static String firstNonNull(String first, String second) {
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
        if (run.orphaned) {
            forget(run);
            groupTaskEnded(run);
            return;
        }
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (cause instanceof ContainerLostException lost) {
            report(run, TaskState.TASK_FAILED, lost.getMessage(), Reason.REASON_EXECUTOR_TERMINATED);
        } else if (cause != null) {
            report(run, TaskState.TASK_FAILED, "The agent lost track of the task: " + cause,
                    Reason.REASON_EXECUTOR_TERMINATED);
        } else if (exit.limitation().isPresent()) {
            report(run, TaskState.TASK_FAILED, exit.limitation().get(), Reason.REASON_CONTAINER_LIMITATION_MEMORY);
        } else if (exit.killedByRequest()) {
            report(run, TaskState.TASK_KILLED, "Command " + exit.describe(), null);
        } else if (exit.succeeded()) {
            report(run, TaskState.TASK_FINISHED, "Command exited with status 0", null);
        } else {
            report(run, TaskState.TASK_FAILED, "Command " + exit.describe(), null);
        }
        LOG.info("Task {} {}", run.task.getTaskId().getValue(), exit != null ? exit.describe() : cause.getMessage());
        groupTaskEnded(run);
    }

    /** Drops an ended task whose updates were all acknowledged (or are no longer wanted), and its checkpoint. */
    private void forget(TaskRun run) {
        tasks.remove(run.task.getTaskId());
        ExecutorRun executor = run.task.hasExecutor() ? executors.get(ExecutorKey.of(run)) : null;
        if (executor != null) {
            executor.tasks.remove(run.task.getTaskId());
        }
        // A custom executor's tasks share its run dir (its launcher's files): that goes with its last user.
        store.removeTask(run.runDir, run.task.getTaskId());
        boolean inUse = (executor != null && executor.runDir.equals(run.runDir))
                || tasks.values().stream().anyMatch(other -> other.runDir.equals(run.runDir));
        if (!inUse) {
            store.remove(run.frameworkId, run.runDir);
        }
    }

    private void kill(AgentEvent.Kill kill) {
        TaskRun run = tasks.get(kill.taskId());
        if (run == null || run.isTerminal()) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        if (run.container == null && run.task.hasExecutor()) {
            killOnExecutor(run, kill.gracePeriodNanos());
            return;
        }
        if (run.container == null) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        Duration grace = kill.gracePeriodNanos() > 0 ? Duration.ofNanos(kill.gracePeriodNanos()) : DEFAULT_KILL_GRACE;
        requestKill(run, grace);
    }

    /** Checkpoints the kill request, so a restarted agent finishes it and reports TASK_KILLED, then signals. */
    private void requestKill(TaskRun run, Duration grace) {
        if (run.killGracePeriod == null) {
            run.killGracePeriod = grace;
            checkpointUpdates(run.task.getTaskId());
        }
        run.container.kill(grace);
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
            acknowledgedToExecutor(run, uuid);
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
        for (ExecutorRun executor : List.copyOf(executors.values())) {
            if (executor.frameworkId.equals(frameworkId)) {
                executor.orphaned = true;
                shutdownExecutor(executor, "Framework shut down");
            }
        }
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
                if (run.container == null && run.task.hasExecutor() && executors.containsKey(ExecutorKey.of(run))) {
                    continue; // its executor is being destroyed; its end forgets the task
                }
                if (run.container != null && !run.isTerminal()) {
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
    private void report(TaskRun run, TaskState state, String message, Reason reason) {
        Transition transition = TaskTransitions.decide(run.state(), state);
        if (!transition.isAccepted()) {
            LOG.warn("Task {}: not reporting {}: {}", run.task.getTaskId().getValue(), state,
                    ((Transition.Rejected) transition).reason());
            return;
        }
        if (!transition.has(SideEffect.FORWARD_TO_FRAMEWORK)) {
            return; // the same state again: already queued
        }
        run.latestStatus = newStatus(run.task.getTaskId(), run.executorId, state, message, reason).build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    private TaskStatus.Builder newStatus(TaskID taskId, ExecutorID executorId, TaskState state, String message,
                                         Reason reason) {
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(taskId)
                .setState(state)
                .setSource(TaskStatus.Source.SOURCE_EXECUTOR)
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
        try {
            store.saveUpdates(run, updates.pending(taskId));
        } catch (IOException e) {
            LOG.error("Task {}: cannot checkpoint its status updates ({}); they would not survive a restart",
                    taskId.getValue(), e.getMessage());
        }
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
        for (ExecutorRun executor : executors.values()) {
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
            if (run.container != null && !run.isTerminal()) {
                requestKill(run, DEFAULT_KILL_GRACE);
            }
        }
        for (ExecutorRun executor : executors.values()) {
            if (executor.container != null) {
                executor.container.kill(DEFAULT_KILL_GRACE);
            }
        }
    }

    // ---- executors ----

    /** A framework's executor: executor ids are unique per framework only. */
    record ExecutorKey(FrameworkID frameworkId, ExecutorID executorId) {
        static ExecutorKey of(ExecutorRun executor) {
            return new ExecutorKey(executor.frameworkId, executor.info.getExecutorId());
        }

        static ExecutorKey of(TaskRun run) {
            return new ExecutorKey(run.frameworkId, run.executorId);
        }
    }

    private void saveFramework(FrameworkInfo framework) throws IOException {
        if (!framework.equals(frameworks.put(framework.getId(), framework))) {
            store.saveFramework(framework);
        }
    }

    /**
     * Tasks with an executor: a task (LAUNCH) or a task group (LAUNCH_GROUP). The executor is started when the
     * framework has none of that id here; a custom executor gets the tasks once it subscribes, the default executor
     * (inside the agent) runs each task as its own container at once.
     */
    private void launchOnExecutor(FrameworkInfo framework, ExecutorInfo executorInfo, List<TaskInfo> launched,
                                  boolean group) {
        String invalid = firstNonNull(MesosIds.invalidReason(framework.getId().getValue()),
                MesosIds.invalidReason(executorInfo.getExecutorId().getValue()));
        for (TaskInfo task : launched) {
            invalid = firstNonNull(invalid, MesosIds.invalidReason(task.getTaskId().getValue()));
        }
        if (invalid != null) {
            // The master validates ids; one that is not valid would name a path outside the work dir.
            LOG.error("Refusing to launch tasks on executor '{}' of framework '{}': {}",
                    executorInfo.getExecutorId().getValue(), framework.getId().getValue(), invalid);
            return;
        }
        List<TaskInfo> fresh = new ArrayList<>();
        for (TaskInfo task : launched) {
            if (tasks.containsKey(task.getTaskId())) {
                LOG.warn("Ignoring a second launch of task {}", task.getTaskId().getValue());
            } else {
                // Mesos's master sets the group's executor in each task; a LAUNCH has it already.
                fresh.add(task.hasExecutor() ? task : task.toBuilder().setExecutor(executorInfo).build());
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        ExecutorKey key = new ExecutorKey(framework.getId(), executorInfo.getExecutorId());
        ExecutorRun executor = executors.get(key);
        boolean start = executor == null;
        if (start) {
            String containerId = UUID.randomUUID().toString();
            Path sandbox = workDir.resolve("slaves").resolve(info.getId().getValue())
                    .resolve("frameworks").resolve(framework.getId().getValue())
                    .resolve("executors").resolve(executorInfo.getExecutorId().getValue())
                    .resolve("runs").resolve(containerId);
            executor = new ExecutorRun(framework.getId(), executorInfo, containerId, sandbox,
                    store.runDir(framework.getId(), executorInfo.getExecutorId().getValue(), containerId));
        }
        List<TaskRun> runs = new ArrayList<>();
        for (TaskInfo task : fresh) {
            TaskRun run;
            if (executor.isDefault()) { // each task of a group is a container of its own, in the executor's sandbox
                String taskContainer = UUID.randomUUID().toString();
                run = new TaskRun(framework.getId(), task, taskContainer,
                        executor.sandbox.resolve("tasks").resolve(task.getTaskId().getValue()),
                        store.runDir(framework.getId(), executorInfo.getExecutorId().getValue(), taskContainer));
            } else {
                run = new TaskRun(framework.getId(), task, executor.containerId, executor.sandbox, executor.runDir);
            }
            tasks.put(task.getTaskId(), run);
            runs.add(run);
        }
        try {
            saveFramework(framework);
            if (start) {
                store.saveExecutor(executor);
            }
            for (TaskRun run : runs) {
                store.saveTask(run);
            }
        } catch (IOException e) {
            LOG.error("Executor {}: cannot checkpoint its tasks, so not starting them: {}",
                    executorInfo.getExecutorId().getValue(), e.getMessage());
            for (TaskRun run : runs) {
                report(run, TaskState.TASK_FAILED, "The agent could not checkpoint the task: " + e.getMessage(),
                        Reason.REASON_CONTAINER_LAUNCH_FAILED);
            }
            if (start) {
                store.removeExecutor(framework.getId(), executorInfo.getExecutorId().getValue());
                sendExecutorExited(executor, EXECUTOR_NEVER_STARTED);
            }
            return;
        }
        if (start) {
            executors.put(key, executor);
        }
        List<TaskID> ids = runs.stream().map(run -> run.task.getTaskId()).toList();
        executor.tasks.addAll(ids);
        if (executor.terminationMessage != null) {
            for (TaskRun run : runs) { // Mesos drops tasks sent to a terminating executor
                report(run, TaskState.TASK_FAILED, "Executor is terminating: " + executor.terminationMessage,
                        Reason.REASON_EXECUTOR_TERMINATED);
            }
            return;
        }
        if (executor.isDefault()) {
            executor.groups.add(new java.util.LinkedHashSet<>(ids));
            TaskRun failed = null;
            for (TaskRun run : runs) {
                if (failed != null) { // the group lives and dies together: the rest is not started
                    report(run, TaskState.TASK_KILLED, "Task '" + failed.task.getTaskId().getValue()
                            + "' of its group failed to start", null);
                    continue;
                }
                startTaskContainer(framework, run);
                if (run.isTerminal()) {
                    failed = run;
                }
            }
            if (failed != null) {
                groupTaskEnded(failed); // kills the ones already started; the executor ends with the last
            }
            return;
        }
        executor.pendingLaunches.add(new ExecutorRun.PendingLaunch(ids, group));
        if (start) {
            startExecutorContainer(framework, executor);
        } else if (executor.isSubscribed()) {
            flushLaunches(executor);
        }
    }

    /** Starts a custom executor's program with Mesos's executor environment; it must subscribe in time. */
    private void startExecutorContainer(FrameworkInfo framework, ExecutorRun executor) {
        String executorId = executor.info.getExecutorId().getValue();
        try {
            volumes.mount(executor.info.getResourcesList(), executor.sandbox);
            executor.container = containerizer.launch(new ContainerSpec(executor.containerId, executorId,
                    framework.getId().getValue(), executorId, executor.info.getCommand(), executor.sandbox,
                    executor.runDir, ExecutorEnvironment.build(info.build(), framework, executor.info,
                            executor.sandbox, executor.shutdownGracePeriod()), executor.info.getResourcesList()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Executor {} failed to start: {}", executorId, e.getMessage());
            executor.terminationMessage = "Failed to launch the executor: " + e.getMessage();
            executor.terminationReason = Reason.REASON_CONTAINER_LAUNCH_FAILED;
            executorTerminated(executor, EXECUTOR_NEVER_STARTED);
            return;
        }
        LOG.info("Started {} (container {})", executor.describe(), executor.containerId);
        watchExecutor(executor);
        executor.registrationTimer = timers.schedule(executorRegistrationTimeout,
                () -> registrationTimedOut(executor));
    }

    private void watchExecutor(ExecutorRun executor) {
        executor.container.exit().whenComplete((exit, failure) ->
                loop.accept(() -> executorContainerEnded(executor, exit, failure)));
    }

    /** Mesos's {@code executor_registration_timeout}: an executor that never subscribes is destroyed. */
    private void registrationTimedOut(ExecutorRun executor) {
        executor.registrationTimer = null;
        if (executors.get(ExecutorKey.of(executor)) != executor || executor.isSubscribed()
                || executor.terminationMessage != null) {
            return;
        }
        LOG.warn("{} did not subscribe within {}: destroying it", executor.describe(), executorRegistrationTimeout);
        executor.terminationMessage = "Executor did not register within " + executorRegistrationTimeout.toSeconds()
                + " seconds";
        executor.terminationReason = Reason.REASON_EXECUTOR_REGISTRATION_TIMEOUT;
        executor.container.kill(Duration.ZERO);
    }

    private void executorContainerEnded(ExecutorRun executor, ContainerExit exit, Throwable failure) {
        if (executors.get(ExecutorKey.of(executor)) != executor) {
            return;
        }
        int waitStatus;
        String how;
        if (exit != null) {
            waitStatus = exit.exitCode().isPresent() ? (exit.exitCode().getAsInt() & 0xff) << 8
                    : exit.signal().getAsInt() & 0x7f;
            how = exit.describe();
        } else {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            waitStatus = EXECUTOR_NEVER_STARTED;
            how = "was lost: " + (cause != null ? cause.getMessage() : "unknown");
        }
        LOG.info("{} {}", executor.describe(), how);
        if (executor.terminationMessage == null) {
            executor.terminationMessage = "Executor " + how;
        }
        executorTerminated(executor, waitStatus);
    }

    /**
     * The executor is gone: its tasks that had not ended are failed (Mesos's docs say TASK_LOST; Corral says
     * TASK_FAILED with REASON_EXECUTOR_TERMINATED, a terminal state every framework understands and that names the
     * cause), the master is told (EXECUTOR_EXITED: it frees the executor's resources and tells the framework
     * FAILURE), and its records go once nothing of its tasks waits for an acknowledgement.
     */
    private void executorTerminated(ExecutorRun executor, int waitStatus) {
        executor.cancelTimers();
        if (executor.subscription != null) {
            executor.subscription.close();
            executor.subscription = null;
        }
        executors.remove(ExecutorKey.of(executor));
        store.removeExecutor(executor.frameworkId, executor.info.getExecutorId().getValue());
        for (TaskID taskId : List.copyOf(executor.tasks)) {
            TaskRun run = tasks.get(taskId);
            if (run == null) {
                continue;
            }
            if (!executor.orphaned && !run.isTerminal()) {
                report(run, TaskState.TASK_FAILED, executor.terminationMessage,
                        executor.terminationReason != null ? executor.terminationReason
                                : Reason.REASON_EXECUTOR_TERMINATED);
            }
            if (run.orphaned || executor.orphaned || (run.isTerminal() && !updates.hasPending(taskId))) {
                forget(run);
            }
        }
        if (tasks.values().stream().noneMatch(run -> run.runDir.equals(executor.runDir))) {
            store.remove(executor.frameworkId, executor.runDir);
        }
        if (!executor.orphaned) {
            sendExecutorExited(executor, waitStatus);
        }
    }

    private void sendExecutorExited(ExecutorRun executor, int waitStatus) {
        // Without a master now, the next leader learns it from REGISTER, which no longer lists the executor.
        if (connection != null && connection.isRegistered()) {
            connection.send(AgentCall.executorExited(info.getId(), executor.frameworkId,
                    executor.info.getExecutorId(), waitStatus));
        }
    }

    /**
     * A task of a group under the default executor ended: as Mesos's default executor, a task that did not finish
     * (failed, killed...) takes the rest of its group down; once every task of the executor has ended, so has it.
     */
    private void groupTaskEnded(TaskRun run) {
        if (!run.task.hasExecutor()) {
            return;
        }
        ExecutorRun executor = executors.get(ExecutorKey.of(run));
        if (executor == null || !executor.isDefault()) {
            return;
        }
        if (run.state() != TaskState.TASK_FINISHED) {
            for (java.util.Set<TaskID> group : executor.groups) {
                if (group.contains(run.task.getTaskId())) {
                    for (TaskID other : group) {
                        TaskRun sibling = tasks.get(other);
                        if (sibling != null && sibling.container != null && !sibling.isTerminal()) {
                            requestKill(sibling, DEFAULT_KILL_GRACE);
                        }
                    }
                }
            }
        }
        endDefaultExecutorIfDone(executor);
    }

    private void endDefaultExecutorIfDone(ExecutorRun executor) {
        // A task of a shut-down framework is forgotten when its container ends, not before: until then it runs.
        boolean done = executor.tasks.stream().map(tasks::get).allMatch(run -> run == null || run.isTerminal());
        if (done) {
            LOG.info("{}: all its tasks ended", executor.describe());
            executor.terminationMessage = "All tasks of the default executor ended";
            executorTerminated(executor, 0);
        }
    }

    /**
     * A kill of a custom executor's task: a task the executor has not been handed yet is killed here (Mesos does the
     * same); otherwise the executor gets KILL (with the framework's grace period as its kill policy) and reports.
     */
    private void killOnExecutor(TaskRun run, long gracePeriodNanos) {
        ExecutorRun executor = executors.get(ExecutorKey.of(run));
        if (executor == null) {
            LOG.info("Kill of task {} ignored: its executor is gone", run.task.getTaskId().getValue());
            return;
        }
        TaskID taskId = run.task.getTaskId();
        for (ExecutorRun.PendingLaunch pending : List.copyOf(executor.pendingLaunches)) {
            if (pending.tasks().contains(taskId)) {
                // A group is killed whole, as Mesos kills a queued task group when one of its tasks is killed.
                executor.pendingLaunches.remove(pending);
                for (TaskID queued : pending.tasks()) {
                    TaskRun queuedRun = tasks.get(queued);
                    if (queuedRun != null) {
                        report(queuedRun, TaskState.TASK_KILLED, "Killed before it was handed to its executor",
                                null);
                    }
                }
                return;
            }
        }
        if (!executor.isSubscribed()) {
            LOG.warn("Kill of task {} not delivered: {} is not subscribed", taskId.getValue(), executor.describe());
            return;
        }
        executor.subscription.kill(taskId, gracePeriodNanos);
    }

    /** The framework acknowledged an update of a custom executor's task: the executor hears it with the uuid. */
    private void acknowledgedToExecutor(TaskRun run, ByteString uuid) {
        ExecutorRun executor = executors.get(ExecutorKey.of(run));
        if (executor != null && executor.isSubscribed()) {
            executor.subscription.acknowledged(run.task.getTaskId(), uuid);
        }
    }

    private void shutdownExecutor(FrameworkID frameworkId, ExecutorID executorId) {
        ExecutorRun executor = executors.get(new ExecutorKey(frameworkId, executorId));
        if (executor == null) {
            LOG.info("Shutdown of executor {} of framework {} ignored: not running here", executorId.getValue(),
                    frameworkId.getValue());
            return;
        }
        shutdownExecutor(executor, "Executor shut down by its framework");
    }

    /**
     * Mesos's executor shutdown: a subscribed custom executor gets SHUTDOWN and its grace period to end, then its
     * container is destroyed; one that is not subscribed is destroyed at once. The default executor kills its tasks.
     */
    private void shutdownExecutor(ExecutorRun executor, String why) {
        if (executor.terminationMessage == null) {
            executor.terminationMessage = why;
        }
        if (executor.isDefault()) {
            for (TaskID taskId : List.copyOf(executor.tasks)) {
                TaskRun run = tasks.get(taskId);
                if (run != null && run.container != null && !run.isTerminal()) {
                    requestKill(run, DEFAULT_KILL_GRACE);
                }
            }
            endDefaultExecutorIfDone(executor);
            return;
        }
        if (executor.container == null || executor.shutdownTimer != null) {
            return; // never started, or already shutting down
        }
        if (executor.isSubscribed()) {
            executor.subscription.shutdown();
            Duration grace = executor.shutdownGracePeriod();
            executor.shutdownTimer = timers.schedule(grace, () -> {
                executor.shutdownTimer = null;
                if (executors.get(ExecutorKey.of(executor)) == executor) {
                    LOG.info("{} still runs {} after SHUTDOWN: destroying it", executor.describe(), grace);
                    executor.container.kill(Duration.ZERO);
                }
            });
        } else {
            executor.container.kill(Duration.ZERO);
        }
    }

    /** The framework's MESSAGE for one of its executors; dropped (as by Mesos) when it is not subscribed. */
    private void messageToExecutor(AgentEvent.Message message) {
        ExecutorRun executor = executors.get(new ExecutorKey(message.frameworkId(), message.executorId()));
        if (executor == null || !executor.isSubscribed()) {
            LOG.warn("Dropping a message for executor {} of framework {}: not subscribed here",
                    message.executorId().getValue(), message.frameworkId().getValue());
            return;
        }
        ByteString data;
        try {
            data = ByteString.copyFrom(Base64.getDecoder().decode(message.data()));
        } catch (IllegalArgumentException e) {
            LOG.warn("Dropping a message for executor {}: its data is not base64", message.executorId().getValue());
            return;
        }
        executor.subscription.message(data);
    }

    /**
     * A call to {@code /api/v1/executor}, already validated by {@link ExecutorApi} as far as it can be without the
     * agent's state. Answers the exchange, or throws {@link HttpError} for the caller to answer.
     */
    void executorCall(Call call, Encoding responseEncoding, HttpExchange exchange) {
        ExecutorRun executor = executors.get(new ExecutorKey(call.getFrameworkId(), call.getExecutorId()));
        if (executor == null || executor.isDefault()) {
            throw new HttpError(400, "Executor '" + call.getExecutorId().getValue() + "' of framework '"
                    + call.getFrameworkId().getValue() + "' is not running on this agent");
        }
        if (call.getType() == Call.Type.SUBSCRIBE) {
            subscribeExecutor(executor, call.getSubscribe(), responseEncoding, exchange);
            return;
        }
        if (!executor.isSubscribed()) {
            throw new HttpError(403, "Executor is not subscribed");
        }
        switch (call.getType()) {
            case UPDATE -> executorUpdate(executor, call.getUpdate().getStatus());
            case MESSAGE -> {
                if (connection != null && connection.isRegistered()) {
                    connection.send(AgentCall.message(info.getId(), executor.frameworkId,
                            executor.info.getExecutorId(),
                            Base64.getEncoder().encodeToString(call.getMessage().getData().toByteArray())));
                } else { // as Mesos: messages are not reliable
                    LOG.warn("Dropping a message of {}: no master", executor.describe());
                }
            }
            default -> { } // HEARTBEAT
        }
        exchange.respond(202, null, new byte[0]);
    }

    /**
     * SUBSCRIBE: the event stream opens with SUBSCRIBED, then every task the executor has not been handed yet. A
     * second subscription replaces the first (a reconnecting executor). The tasks the executor lists as
     * {@code unacknowledged_tasks} (after an agent restart: those it got but has not reported) are not sent again.
     */
    private void subscribeExecutor(ExecutorRun executor, Call.Subscribe subscribe, Encoding encoding,
                                   HttpExchange exchange) {
        FrameworkInfo framework = frameworks.get(executor.frameworkId);
        if (executor.terminationMessage != null || framework == null) {
            throw new HttpError(403, "Executor is terminating");
        }
        if (executor.subscription != null) {
            executor.subscription.close();
        }
        ExecutorSubscription subscription = new ExecutorSubscription(
                exchange.startStream(200, encoding.mediaType(), Map.of()), encoding);
        executor.subscription = subscription;
        if (executor.registrationTimer != null) {
            executor.registrationTimer.cancel();
            executor.registrationTimer = null;
        }
        subscription.stream().onClose(() -> loop.accept(() -> {
            if (executor.subscription == subscription) {
                executor.subscription = null;
                LOG.info("{} disconnected", executor.describe());
            }
        }));
        subscription.subscribed(executor.info, framework, info.build(), executor.containerId);
        Set<TaskID> known = new HashSet<>();
        subscribe.getUnacknowledgedTasksList().forEach(task -> known.add(task.getTaskId()));
        subscribe.getUnacknowledgedUpdatesList().forEach(update -> known.add(update.getStatus().getTaskId()));
        executor.pendingLaunches.removeIf(pending -> pending.tasks().stream().anyMatch(known::contains));
        LOG.info("{} subscribed", executor.describe());
        flushLaunches(executor);
    }

    /** Hands the executor every task (LAUNCH) and task group (LAUNCH_GROUP) that waited for its subscription. */
    private void flushLaunches(ExecutorRun executor) {
        for (ExecutorRun.PendingLaunch pending : executor.pendingLaunches) {
            List<TaskInfo> infos = pending.tasks().stream().map(tasks::get)
                    .filter(run -> run != null && !run.isTerminal()).map(run -> run.task).toList();
            if (infos.isEmpty()) {
                continue;
            }
            if (pending.group()) {
                executor.subscription.launchGroup(infos);
            } else {
                infos.forEach(executor.subscription::launch);
            }
        }
        executor.pendingLaunches.clear();
    }

    /**
     * An executor's status update: forwarded reliably with the executor's own uuid, so the framework's
     * acknowledgement can be handed back to it. A repeat of a pending uuid (an executor resending) is not queued
     * twice; a state the task may not go to (after a terminal one) is refused.
     */
    private void executorUpdate(ExecutorRun executor, TaskStatus status) {
        TaskID taskId = status.getTaskId();
        TaskRun run = tasks.get(taskId);
        if (run == null || !executor.tasks.contains(taskId)) {
            throw new HttpError(400, "Task '" + taskId.getValue() + "' is not a task of this executor");
        }
        if (executor.orphaned || run.orphaned) {
            return; // its framework is gone: nobody would acknowledge it
        }
        if (updates.pending(taskId).stream().anyMatch(pending -> pending.getUuid().equals(status.getUuid()))) {
            return;
        }
        Transition transition = TaskTransitions.decide(run.state(), status.getState());
        if (!transition.isAccepted()) {
            throw new HttpError(400, ((Transition.Rejected) transition).reason());
        }
        executor.pendingLaunches.removeIf(pending -> pending.tasks().contains(taskId));
        TaskStatus.Builder update = status.toBuilder()
                .setAgentId(info.getId())
                .setExecutorId(executor.info.getExecutorId())
                .setSource(TaskStatus.Source.SOURCE_EXECUTOR);
        if (!update.hasTimestamp()) {
            update.setTimestamp(timers.nowMillis() / 1000.0);
        }
        run.latestStatus = update.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    /** Read-only view for the agent's HTTP state endpoint. */
    List<ExecutorRun> executors() {
        return List.copyOf(executors.values());
    }

    AgentID id() {
        return info.hasId() ? info.getId() : null;
    }

    /** Read-only view for the agent's HTTP state endpoint. */
    List<TaskRun> tasks() {
        return List.copyOf(tasks.values());
    }

    AgentInfo info() {
        return info.build();
    }
}
