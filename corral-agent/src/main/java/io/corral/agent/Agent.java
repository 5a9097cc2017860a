package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpExchange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.executor.Protos.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's state and its side of the conversation with the master: it handles each event of the master's stream
 * ({@link #handle}) by handing it to the part that owns it, sends the master what the agent has to say, tells each
 * new leader what it runs when it registers ({@link #registerCall}), and builds those parts
 * ({@code docs/architecture.md}, "Inside the agent"):
 *
 * <ul>
 *   <li>{@link Workload}: what runs here (frameworks, tasks, executors), the state every other part shares;</li>
 *   <li>{@link TaskJournal}: status updates and kill requests, each recorded in the checkpoint before it is acted
 *       on; {@link StatusUpdates} delivers the updates reliably;</li>
 *   <li>{@link TaskLauncher}: command tasks (Mesos's command executor) and the default executor's tasks, each a
 *       container of its own; {@link TaskExits} reports their ends, {@link TaskChecks} runs their checks;</li>
 *   <li>{@link TaskKills}: the master's KILL; {@link TaskCleanup}: forgetting tasks, their records and sandboxes;</li>
 *   <li>{@link ExecutorLauncher}, {@link ExecutorCalls}, {@link ExecutorTermination},
 *       {@link DefaultExecutorGroups}: tasks with an executor, custom or default;</li>
 *   <li>{@link AgentRecovery}: carrying on from the checkpoint of an earlier run ({@link #recover}).</li>
 * </ul>
 *
 * <p>Its state survives the agent process: every task, state, kill request and unacknowledged update is written to
 * the {@link AgentStore} before the action it records, and {@link #recover} (called once, before the first master
 * connection) reads it back; the pending updates go out once a master registers the agent under its old id.
 *
 * <p><b>Threading contract.</b> Everything here, and in the parts it builds, runs on the agent's event loop: master
 * events, executor calls, container exits and timers are all posted to it. The {@link MasterLink} reads the stream on
 * its own thread and only posts events; HTTP readers see {@link AgentView}s published on the loop.
 */
public final class Agent implements MasterLink.Subscriber {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** Mesos's {@code --executor_registration_timeout}: a custom executor must subscribe within it. */
    public static final Duration DEFAULT_EXECUTOR_REGISTRATION_TIMEOUT = Duration.ofMinutes(1);

    private final AgentInfo.Builder info;
    private final Path workDir;
    private final AgentIdFile idFile;
    private final PersistentVolumes volumes;
    private final Consumer<AgentID> onRegistered;
    private final Workload workload = new Workload();
    private final TaskJournal journal;
    private final SandboxGc gc;
    private final TaskCleanup cleanup;
    private final TaskLauncher taskLauncher;
    private final TaskKills kills;
    private final ExecutorLauncher executorLauncher;
    private final ExecutorCalls executorCalls;
    private final ExecutorTermination executorTermination;
    private final AgentRecovery recovery;
    /** Group commit of the task records: see {@link CheckpointBatch}. */
    private final CheckpointBatch checkpoints;
    private MasterChannel connection;
    private final Consumer<Runnable> loop;
    /** Updates already recorded, sent together at the end of this turn of the loop. */
    private final List<AgentCall.Update> outgoingUpdates = new ArrayList<>();
    /** Whether the master this agent registered with takes UPDATES calls (masters before them do not). */
    private boolean masterTakesUpdates;

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
        this.loop = loop;
        this.info = info.toBuilder();
        this.workDir = workDir;
        this.idFile = new AgentIdFile(workDir);
        idFile.read().ifPresent(this.info::setId);
        this.volumes = new PersistentVolumes(workDir);
        AgentStore store = new AgentStore(workDir);
        this.checkpoints = new CheckpointBatch(loop, store);
        this.journal = new TaskJournal(workload, store, checkpoints, timers, this.info::getId, this::sendUpdate);
        TaskChecks checks = new TaskChecks(journal, timers, loop, services.worker());
        this.gc = new SandboxGc(workDir, services.gcPolicy(), timers, loop, services.worker(), services.diskUsage(),
                workload::sandboxInUse);
        this.cleanup = new TaskCleanup(workload, store, checkpoints, checks, gc);
        this.executorTermination = new ExecutorTermination(workload, journal, cleanup, store, timers, loop,
                this.info::getId, this::sendToMaster);
        DefaultExecutorGroups groups = new DefaultExecutorGroups(workload, journal, executorTermination);
        TaskExits exits = new TaskExits(journal, checks, cleanup, groups, loop);
        this.taskLauncher = new TaskLauncher(workload, journal, cleanup, exits, checks, groups, store, checkpoints,
                containerizer, volumes, services, loop, workDir, this.info);
        this.executorCalls = new ExecutorCalls(workload, journal, loop, this::info, this::sendToMaster);
        this.executorLauncher = new ExecutorLauncher(workload, journal, store, containerizer, volumes, services,
                timers, loop, workDir, this::info, executorRegistrationTimeout, taskLauncher, groups, executorCalls,
                executorTermination);
        this.kills = new TaskKills(workload, journal, groups, executorCalls, executorTermination);
        this.recovery = new AgentRecovery(workload, store, journal, containerizer, checks, cleanup, exits,
                taskLauncher, executorLauncher, executorTermination, this.info::hasId);
    }

    /**
     * Reads the checkpoint of an earlier run of this agent and carries on from it ({@link AgentRecovery}). Call once,
     * on the loop, before the agent connects to a master. Then the sandboxes nobody uses any more are scheduled for
     * removal.
     */
    void recover() {
        recovery.recover();
        gc.recover();
    }

    // ---- the master connection ----

    /** The REGISTER call for a (new) leader: who we are and everything we run. */
    @Override
    public AgentCall registerCall() {
        List<AgentCall.RunningTask> running = new ArrayList<>();
        for (TaskRun run : workload.tasks()) {
            running.add(new AgentCall.RunningTask(run.frameworkId, run.task, run.latestStatus));
        }
        // Every executor that has not ended holds its resources, the ones being shut down included.
        List<AgentCall.RunningExecutor> runningExecutors = new ArrayList<>();
        for (ExecutorRun executor : workload.executors()) {
            runningExecutors.add(new AgentCall.RunningExecutor(executor.frameworkId, executor.info));
        }
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info.build(), running,
                workload.frameworks(), runningExecutors));
    }

    @Override
    public void connected(MasterChannel connection) {
        this.connection = connection;
    }

    @Override
    public void disconnected(MasterChannel closed) {
        if (connection == closed) {
            connection = null;
        }
    }

    /** Handles one event from the master's stream. */
    @Override
    public void handle(AgentEvent event, MasterChannel from) {
        if (from != connection) {
            return;
        }
        switch (event.type()) {
            case REGISTERED -> registered(event.registered());
            case LAUNCH -> launch(event.launch().frameworkInfo(), event.launch().task());
            case KILL -> kills.kill(event.kill());
            case ACKNOWLEDGE -> acknowledge(event.acknowledge());
            case SHUTDOWN_FRAMEWORK -> shutdownFramework(event.shutdownFramework().frameworkId());
            case PING -> connection.send(AgentCall.pong(info.getId()));
            case ERROR -> LOG.error("Master refused this agent: {}", event.error().message());
            case CHECKPOINT_RESOURCES -> volumes.keepOnly(event.checkpointResources().resources(),
                    workload.volumesInUse(volumes));
            case LAUNCH_GROUP -> executorLauncher.launch(event.launchGroup().frameworkInfo(),
                    event.launchGroup().executor(), event.launchGroup().tasks(), true);
            case SHUTDOWN_EXECUTOR -> executorTermination.shutdown(event.shutdownExecutor().frameworkId(),
                    event.shutdownExecutor().executorId());
            case MESSAGE -> executorCalls.message(event.message());
        }
    }

    private void registered(AgentEvent.Registered registered) {
        if (!info.hasId()) {
            info.setId(registered.agentId());
            idFile.write(registered.agentId());
        }
        connection.registered(registered.agentId());
        masterTakesUpdates = registered.takesUpdates();
        onRegistered.accept(registered.agentId());
        LOG.info("Registered with master {} as agent {}", registered.masterInfo().getId(),
                registered.agentId().getValue());
        journal.updates().resendAll();
    }

    /** LAUNCH: a command task runs under the agent itself, a task naming an executor under that executor. */
    private void launch(FrameworkInfo framework, TaskInfo task) {
        if (!taskLauncher.admits(framework, task)) {
            return;
        }
        if (task.hasExecutor()) {
            executorLauncher.launch(framework, task.getExecutor(), List.of(task), false);
        } else {
            taskLauncher.launchCommandTask(framework, task);
        }
    }

    /**
     * The framework acknowledged an update: the next one of the task goes; a custom executor hears of it; a task
     * that ended and has nothing left to report is forgotten.
     */
    private void acknowledge(AgentEvent.Acknowledge ack) {
        ByteString uuid;
        try {
            uuid = ByteString.copyFrom(Base64.getDecoder().decode(ack.uuid()));
        } catch (IllegalArgumentException e) {
            LOG.warn("Ignoring an acknowledgement of task {} with a malformed uuid", ack.taskId().getValue());
            return;
        }
        if (!journal.updates().acknowledge(ack.taskId(), uuid)) {
            return;
        }
        TaskRun run = workload.task(ack.taskId());
        if (run != null && run.container == null && run.task.hasExecutor()) {
            executorCalls.acknowledged(run, uuid);
        }
        if (journal.updates().hasPending(ack.taskId())) {
            return;
        }
        if (run != null && run.isTerminal()) {
            cleanup.forget(run);
        }
        AgentStore.Unreadable lost = workload.removeUnreadable(ack.taskId());
        if (lost != null) {
            cleanup.forgetUnreadable(lost.frameworkId(), lost.runDir());
        }
    }

    /**
     * The framework is gone: kill its tasks, stop reporting them, forget it. The tasks are marked before their
     * queues are dropped, so the checkpoint says so too: a restarted agent finishes the kills without reporting them.
     */
    private void shutdownFramework(FrameworkID frameworkId) {
        for (TaskRun run : workload.tasks()) {
            if (run.frameworkId.equals(frameworkId)) {
                run.orphaned = true;
            }
        }
        executorTermination.shutdownFramework(frameworkId);
        journal.updates().dropFramework(frameworkId);
        workload.removeFramework(frameworkId);
        for (AgentStore.Unreadable lost : workload.unreadable()) {
            if (lost.frameworkId().equals(frameworkId)) {
                workload.removeUnreadable(lost.taskId());
                cleanup.forgetUnreadable(frameworkId, lost.runDir());
            }
        }
        for (TaskRun run : List.copyOf(workload.tasks())) {
            if (run.frameworkId.equals(frameworkId)) {
                killOrForget(run);
            }
        }
    }

    /** A task of a framework that was shut down: a container of its own is killed, anything else forgotten. */
    private void killOrForget(TaskRun run) {
        if (run.container == null && run.task.hasExecutor() && workload.executorOf(run) != null) {
            return; // its executor is being destroyed; its end forgets the task
        }
        if (run.hasOwnContainer() && !run.isTerminal()) {
            journal.checkpointUpdates(run.task.getTaskId()); // "shut down", even for a task with nothing pending
            journal.requestKill(run, TaskKills.DEFAULT_KILL_GRACE);
        } else {
            cleanup.forget(run);
        }
    }

    /**
     * Sends once the update's checkpoint is written (a retry, already checkpointed, goes at once), together with the
     * other updates that became ready in this turn of the loop: one UPDATES call instead of one call each.
     */
    private void sendUpdate(FrameworkID frameworkId, TaskStatus status) {
        checkpoints.afterCommit(() -> {
            if (outgoingUpdates.isEmpty()) {
                loop.accept(this::sendOutgoingUpdates);
            }
            outgoingUpdates.add(new AgentCall.Update(frameworkId, status));
        });
    }

    private void sendOutgoingUpdates() {
        List<AgentCall.Update> ready = List.copyOf(outgoingUpdates);
        outgoingUpdates.clear();
        if (connection == null || !connection.isRegistered()) {
            return; // resent once registered (StatusUpdates.resendAll)
        }
        AgentCall.updateCalls(info.getId(), ready, masterTakesUpdates).forEach(connection::send);
    }

    /** Sends a call to the master if this agent is registered with one; otherwise it is dropped (the caller's choice). */
    void sendToMaster(AgentCall call) {
        if (connection != null && connection.isRegistered()) {
            connection.send(call);
        }
    }

    /** True while a master has this agent registered on an open stream. */
    boolean isRegistered() {
        return connection != null && connection.isRegistered();
    }

    // ---- the rest of the agent process: executor API, configuration, shutdown ----

    /** A call to {@code /api/v1/executor} ({@link ExecutorCalls#call}); on the loop. */
    void executorCall(Call call, Encoding responseEncoding, HttpExchange exchange) {
        executorCalls.call(call, responseEncoding, exchange);
    }

    /** The cluster's {@code gc_delay} changed ({@code corral config set gc_delay}); on the loop. */
    void setGcDelay(Duration delay) {
        gc.setDelay(delay);
    }

    /** Kills every task (used when the agent is told to stop for good, e.g. by `corral local` on Ctrl-C). */
    void killAll() {
        kills.killAll();
    }

    // ---- read-only accessors for the HTTP views (AgentViews) and tests; all on the loop ----

    /** Sets who is told of queued updates and forgotten tasks; call on the loop, before the agent recovers. */
    void observe(AgentObserver observer) {
        cleanup.observe(observer);
        journal.updates().observe(observer::statusQueued);
    }

    AgentID id() {
        return info.hasId() ? info.getId() : null;
    }

    AgentInfo info() {
        return info.build();
    }

    Path workDir() {
        return workDir;
    }

    List<TaskRun> tasks() {
        return List.copyOf(workload.tasks());
    }

    List<ExecutorRun> executors() {
        return workload.executors();
    }

    /** The frameworks this agent runs (or ran) tasks for and has not been told to shut down. */
    List<FrameworkInfo> frameworks() {
        return workload.frameworks();
    }
}
