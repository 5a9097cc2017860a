package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.agent.containerizer.ContainerExit;
import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.RunningContainer;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.Timers;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's state and reactions: it runs the tasks the master launches as OS processes (the built-in command
 * executor's behaviour: {@code docs/mesos-compatibility.md}, "Agent: command tasks and executors"), reports their
 * states reliably through {@link StatusUpdates}, and tells each new leader what it runs when it re-registers.
 *
 * <p><b>Threading contract.</b> Everything here runs on the agent's event loop: master events, process exits and
 * timers are all posted to it. The {@link MasterLink} reads the stream on its own thread and only posts events.
 */
public final class Agent {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** The command executor's default kill grace period (Mesos: 3 s). */
    static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(3);
    /** The wait status reported for an executor this agent could not start: as if it exited with status 1. */
    static final int EXECUTOR_NEVER_STARTED = 1 << 8;

    private final AgentInfo.Builder info;
    private final Path workDir;
    private final ProcessContainerizer containerizer;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final AgentIdFile idFile;
    private final PersistentVolumes volumes;
    private final Map<TaskID, TaskRun> tasks = new LinkedHashMap<>();
    private final Map<FrameworkID, FrameworkInfo> frameworks = new HashMap<>();
    private final StatusUpdates updates;
    private final Consumer<AgentID> onRegistered;
    private MasterLink.Connection connection;

    /**
     * @param info this agent's hostname, port and resources (its id, if it had one, is read from {@code workDir})
     * @param loop runs a task on the agent's event loop (process exits are posted through it)
     * @param onRegistered called on the loop each time a master registers this agent (e.g. to announce presence)
     */
    public Agent(AgentInfo info, Path workDir, ProcessContainerizer containerizer, Timers timers,
                 Consumer<Runnable> loop, Consumer<AgentID> onRegistered) {
        this.onRegistered = onRegistered;
        this.info = info.toBuilder();
        this.workDir = workDir;
        this.containerizer = containerizer;
        this.timers = timers;
        this.loop = loop;
        this.idFile = new AgentIdFile(workDir);
        this.volumes = new PersistentVolumes(workDir);
        idFile.read().ifPresent(this.info::setId);
        this.updates = new StatusUpdates(this::sendUpdate, timers);
    }

    // ---- the master connection ----

    /** The REGISTER call for a (new) leader: who we are and everything we run. */
    AgentCall registerCall() {
        List<AgentCall.RunningTask> running = new ArrayList<>();
        for (TaskRun run : tasks.values()) {
            running.add(new AgentCall.RunningTask(run.frameworkId, run.task, run.latestStatus));
        }
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info.build(), running,
                List.copyOf(frameworks.values())));
    }

    void connected(MasterLink.Connection connection) {
        this.connection = connection;
    }

    void disconnected(MasterLink.Connection closed) {
        if (connection == closed) {
            connection = null;
        }
    }

    /** Handles one event from the master's stream. */
    void handle(AgentEvent event, MasterLink.Connection from) {
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
            case LAUNCH_GROUP -> event.launchGroup().tasks().forEach(task ->
                    launch(event.launchGroup().frameworkInfo(), task));
            case SHUTDOWN_EXECUTOR, MESSAGE -> LOG.warn("Ignoring {}: this agent runs no executors", event.type());
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
        frameworks.put(framework.getId(), framework);
        if (tasks.containsKey(task.getTaskId())) {
            LOG.warn("Ignoring a second launch of task {}", task.getTaskId().getValue());
            return;
        }
        String containerId = UUID.randomUUID().toString();
        Path sandbox = workDir.resolve("slaves").resolve(info.getId().getValue())
                .resolve("frameworks").resolve(framework.getId().getValue())
                .resolve("executors").resolve(task.getTaskId().getValue())
                .resolve("runs").resolve(containerId);
        TaskRun run = new TaskRun(framework.getId(), task, sandbox);
        tasks.put(task.getTaskId(), run);
        if (task.hasExecutor()) { // custom and default executors come with the agent's rebuild
            report(run, TaskState.TASK_FAILED, "This agent runs command tasks only: executor '"
                    + task.getExecutor().getExecutorId().getValue() + "' cannot be started");
            if (connection != null && connection.isRegistered()) { // the master frees what it booked for it
                connection.send(AgentCall.executorExited(info.getId(), framework.getId(),
                        task.getExecutor().getExecutorId(), EXECUTOR_NEVER_STARTED));
            }
            return;
        }
        report(run, TaskState.TASK_STARTING, null);
        try {
            volumes.mount(task.getResourcesList(), sandbox);
            run.container = containerizer.launch(new ContainerSpec(containerId, task.getTaskId().getValue(),
                    framework.getId().getValue(), task.getTaskId().getValue(), task.getCommand(), sandbox,
                    environment(framework, task, sandbox)));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Task {} failed to start: {}", task.getTaskId().getValue(), e.getMessage());
            report(run, TaskState.TASK_FAILED, "Failed to launch the command: " + e.getMessage());
            return;
        }
        report(run, TaskState.TASK_RUNNING, null);
        run.container.exit().thenAccept(exit -> loop.accept(() -> exited(run, exit)));
    }

    private Map<String, String> environment(FrameworkInfo framework, TaskInfo task, Path sandbox) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MESOS_FRAMEWORK_ID", framework.getId().getValue());
        env.put("MESOS_EXECUTOR_ID", task.getTaskId().getValue());
        env.put("MESOS_SLAVE_ID", info.getId().getValue());
        env.put("MESOS_AGENT_ENDPOINT", info.getHostname() + ":" + info.getPort());
        env.put("MESOS_DIRECTORY", sandbox.toString());
        env.put("MESOS_SANDBOX", sandbox.toString());
        return env;
    }

    /** The process ended: its final state, as the command executor words it ("Command exited with status 3"). */
    private void exited(TaskRun run, ContainerExit exit) {
        if (run.orphaned) {
            tasks.remove(run.task.getTaskId());
            return;
        }
        if (exit.killedByRequest()) {
            report(run, TaskState.TASK_KILLED, "Command " + exit.describe());
        } else if (exit.succeeded()) {
            report(run, TaskState.TASK_FINISHED, "Command exited with status 0");
        } else {
            report(run, TaskState.TASK_FAILED, "Command " + exit.describe());
        }
        LOG.info("Task {} {}", run.task.getTaskId().getValue(), exit.describe());
    }

    private void kill(AgentEvent.Kill kill) {
        TaskRun run = tasks.get(kill.taskId());
        if (run == null || run.container == null || run.isTerminal()) {
            LOG.info("Kill of task {} ignored: not running here", kill.taskId().getValue());
            return;
        }
        Duration grace = kill.gracePeriodNanos() > 0 ? Duration.ofNanos(kill.gracePeriodNanos()) : DEFAULT_KILL_GRACE;
        run.container.kill(grace);
    }

    private void acknowledge(AgentEvent.Acknowledge ack) {
        ByteString uuid = ByteString.copyFrom(Base64.getDecoder().decode(ack.uuid()));
        if (!updates.acknowledge(ack.taskId(), uuid)) {
            return;
        }
        TaskRun run = tasks.get(ack.taskId());
        if (run != null && run.isTerminal() && !updates.hasPending(ack.taskId())) {
            tasks.remove(ack.taskId());
        }
    }

    /** The framework is gone: kill its tasks, stop reporting them, forget it. */
    private void shutdownFramework(FrameworkID frameworkId) {
        updates.dropFramework(frameworkId);
        frameworks.remove(frameworkId);
        for (TaskRun run : List.copyOf(tasks.values())) {
            if (run.frameworkId.equals(frameworkId)) {
                run.orphaned = true;
                if (run.container != null && !run.isTerminal()) {
                    run.container.kill(DEFAULT_KILL_GRACE);
                } else {
                    tasks.remove(run.task.getTaskId());
                }
            }
        }
    }

    /**
     * Records a new state and queues its update (with a fresh uuid, so the framework acknowledges it), if the shared
     * table ({@link TaskTransitions}) lets the task go there from its current state: a state already reported, or
     * one that would undo an earlier one (a terminal state included), is not reported.
     */
    private void report(TaskRun run, TaskState state, String message) {
        Transition transition = TaskTransitions.decide(run.state(), state);
        if (!transition.isAccepted()) {
            LOG.warn("Task {}: not reporting {}: {}", run.task.getTaskId().getValue(), state,
                    ((Transition.Rejected) transition).reason());
            return;
        }
        if (!transition.has(SideEffect.FORWARD_TO_FRAMEWORK)) {
            return; // the same state again: already queued
        }
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(run.task.getTaskId())
                .setState(state)
                .setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                .setAgentId(info.getId())
                .setExecutorId(ExecutorID.newBuilder().setValue(run.task.getTaskId().getValue()))
                .setTimestamp(timers.nowMillis() / 1000.0)
                .setUuid(randomUuid());
        if (message != null) {
            status.setMessage(message);
        }
        run.latestStatus = status.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
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
                run.container.kill(DEFAULT_KILL_GRACE);
            }
        }
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
