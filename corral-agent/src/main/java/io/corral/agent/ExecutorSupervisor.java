package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.agent.containerizer.ContainerExit;
import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.protocol.MesosIds;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.task.TaskTransitions;
import io.corral.protocol.task.Transition;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
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
 * The agent's custom and default executors ({@code docs/architecture.md}, "Executors"): starting them, the executor
 * API's calls and events, the default executor's task groups, and their ends. Tasks, status updates and the
 * checkpoint stay the {@link Agent}'s; this class asks it to report, kill, start and forget tasks.
 *
 * <p>Threading: owned by the agent's event loop, like the {@link Agent}; container exits, stream closes and timers
 * are posted to it.
 */
final class ExecutorSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorSupervisor.class);

    private final Agent agent;
    private final Map<TaskID, TaskRun> tasks;
    private final Map<FrameworkID, FrameworkInfo> frameworks;
    private final StatusUpdates updates;
    private final AgentStore store;
    private final ProcessContainerizer containerizer;
    private final PersistentVolumes volumes;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final Path workDir;
    private final Duration registrationTimeout;
    private final io.corral.agent.fetcher.Fetcher fetcher;
    /** The custom and default executors that have not ended (command tasks' executors are their TaskRuns). */
    private final Map<ExecutorKey, ExecutorRun> executors = new LinkedHashMap<>();

    ExecutorSupervisor(Agent agent, Map<TaskID, TaskRun> tasks, Map<FrameworkID, FrameworkInfo> frameworks,
                       StatusUpdates updates, AgentStore store, ProcessContainerizer containerizer,
                       PersistentVolumes volumes, Timers timers, Consumer<Runnable> loop, Path workDir,
                       Duration registrationTimeout, io.corral.agent.fetcher.Fetcher fetcher) {
        this.agent = agent;
        this.tasks = tasks;
        this.frameworks = frameworks;
        this.updates = updates;
        this.store = store;
        this.containerizer = containerizer;
        this.volumes = volumes;
        this.timers = timers;
        this.loop = loop;
        this.workDir = workDir;
        this.registrationTimeout = registrationTimeout;
        this.fetcher = fetcher;
    }

    /** A framework's executor: executor ids are unique per framework only. */
    record ExecutorKey(FrameworkID frameworkId, ExecutorID executorId) {
        static ExecutorKey of(ExecutorRun executor) {
            return new ExecutorKey(executor.frameworkId, executor.info.getExecutorId());
        }

        static ExecutorKey of(TaskRun run) {
            return new ExecutorKey(run.frameworkId, run.executorId);
        }
    }

    /**
     * Tasks with an executor: a task (LAUNCH) or a task group (LAUNCH_GROUP). The executor is started when the
     * framework has none of that id here; a custom executor gets the tasks once it subscribes, the default executor
     * (inside the agent) runs each task as its own container at once.
     */
    void launchOnExecutor(FrameworkInfo framework, ExecutorInfo executorInfo, List<TaskInfo> launched,
                                  boolean group) {
        String invalid = Agent.firstNonNull(MesosIds.invalidReason(framework.getId().getValue()),
                MesosIds.invalidReason(executorInfo.getExecutorId().getValue()));
        for (TaskInfo task : launched) {
            invalid = Agent.firstNonNull(invalid, MesosIds.invalidReason(task.getTaskId().getValue()));
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
            Path sandbox = workDir.resolve("slaves").resolve(agent.info().getId().getValue())
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
            agent.saveFramework(framework);
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
                agent.report(run, TaskState.TASK_FAILED, "The agent could not checkpoint the task: " + e.getMessage(),
                        Reason.REASON_CONTAINER_LAUNCH_FAILED);
            }
            if (start) {
                store.removeExecutor(framework.getId(), executorInfo.getExecutorId().getValue());
                sendExecutorExited(executor, Agent.EXECUTOR_NEVER_STARTED);
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
                agent.report(run, TaskState.TASK_FAILED, "Executor is terminating: " + executor.terminationMessage,
                        Reason.REASON_EXECUTOR_TERMINATED);
            }
            return;
        }
        if (executor.isDefault()) {
            executor.groups.add(new java.util.LinkedHashSet<>(ids));
            TaskRun failed = null;
            for (TaskRun run : runs) {
                if (failed != null) { // the group lives and dies together: the rest is not started
                    agent.report(run, TaskState.TASK_KILLED, "Task '" + failed.task.getTaskId().getValue()
                            + "' of its group failed to start", null);
                    continue;
                }
                agent.startTaskContainer(framework, run);
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

    /**
     * Starts a custom executor: its {@code CommandInfo.uris} are fetched into its sandbox first (off the loop), as
     * Mesos does before it starts an executor; a failed fetch ends the executor before it ran, and its tasks
     * TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and the cause.
     */
    private void startExecutorContainer(FrameworkInfo framework, ExecutorRun executor) {
        if (executor.info.getCommand().getUrisCount() == 0) {
            launchExecutorContainer(framework, executor);
            return;
        }
        try {
            java.nio.file.Files.createDirectories(executor.sandbox); // on the loop, where the GC removes empty parents
        } catch (IOException e) {
            executor.terminationMessage = "Failed to create the executor's sandbox: " + e.getMessage();
            executor.terminationReason = Reason.REASON_CONTAINER_LAUNCH_FAILED;
            executorTerminated(executor, Agent.EXECUTOR_NEVER_STARTED);
            return;
        }
        fetcher.fetch(executor.info.getCommand().getUrisList(), executor.sandbox).whenComplete((ignored, failure) ->
                loop.accept(() -> executorFetched(framework, executor, failure)));
    }

    private void executorFetched(FrameworkInfo framework, ExecutorRun executor, Throwable failure) {
        if (executors.get(ExecutorKey.of(executor)) != executor) {
            return;
        }
        if (executor.terminationMessage != null) { // shut down (or its framework removed) while fetching
            executorTerminated(executor, Agent.EXECUTOR_NEVER_STARTED);
            return;
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            LOG.warn("{}: fetching its URIs failed: {}", executor.describe(), cause.getMessage());
            executor.terminationMessage = "Failed to fetch all URIs for container '" + executor.containerId + "': "
                    + cause.getMessage();
            executor.terminationReason = Reason.REASON_CONTAINER_LAUNCH_FAILED;
            executorTerminated(executor, Agent.EXECUTOR_NEVER_STARTED);
            return;
        }
        launchExecutorContainer(framework, executor);
    }

    /** Starts a custom executor's program with Mesos's executor environment; it must subscribe in time. */
    private void launchExecutorContainer(FrameworkInfo framework, ExecutorRun executor) {
        String executorId = executor.info.getExecutorId().getValue();
        try {
            volumes.mount(executor.info.getResourcesList(), executor.sandbox);
            executor.container = containerizer.launch(new ContainerSpec(executor.containerId, executorId,
                    framework.getId().getValue(), executorId, executor.info.getCommand(), executor.sandbox,
                    executor.runDir, ExecutorEnvironment.build(agent.info(), framework, executor.info,
                            executor.sandbox, executor.shutdownGracePeriod(), agent.services().executorTokens(),
                            agent.services().executorTls()),
                    executor.info.getResourcesList())
                    .withFrameworkUser(framework.getUser()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Executor {} failed to start: {}", executorId, e.getMessage());
            executor.terminationMessage = "Failed to launch the executor: " + e.getMessage();
            executor.terminationReason = Reason.REASON_CONTAINER_LAUNCH_FAILED;
            executorTerminated(executor, Agent.EXECUTOR_NEVER_STARTED);
            return;
        }
        LOG.info("Started {} (container {})", executor.describe(), executor.containerId);
        watchExecutor(executor);
        executor.registrationTimer = timers.schedule(registrationTimeout,
                () -> registrationTimedOut(executor));
    }

    void watchExecutor(ExecutorRun executor) {
        executor.container.exit().whenComplete((exit, failure) ->
                loop.accept(() -> executorContainerEnded(executor, exit, failure)));
    }

    /** Mesos's {@code executor_registration_timeout}: an executor that never subscribes is destroyed. */
    void registrationTimedOut(ExecutorRun executor) {
        executor.registrationTimer = null;
        if (executors.get(ExecutorKey.of(executor)) != executor || executor.isSubscribed()
                || executor.terminationMessage != null) {
            return;
        }
        LOG.warn("{} did not subscribe within {}: destroying it", executor.describe(), registrationTimeout);
        executor.terminationMessage = "Executor did not register within " + registrationTimeout.toSeconds()
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
            waitStatus = Agent.EXECUTOR_NEVER_STARTED;
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
                agent.report(run, TaskState.TASK_FAILED, executor.terminationMessage,
                        executor.terminationReason != null ? executor.terminationReason
                                : Reason.REASON_EXECUTOR_TERMINATED);
            }
            if (run.orphaned || executor.orphaned || (run.isTerminal() && !updates.hasPending(taskId))) {
                agent.forget(run);
            }
        }
        if (tasks.values().stream().noneMatch(run -> run.runDir.equals(executor.runDir))) {
            store.remove(executor.frameworkId, executor.runDir);
        }
        agent.sandboxReleased(executor.sandbox);
        if (!executor.orphaned) {
            sendExecutorExited(executor, waitStatus);
        }
    }

    private void sendExecutorExited(ExecutorRun executor, int waitStatus) {
        // Without a master now, the next leader learns it from REGISTER, which no longer lists the executor.
        agent.sendToMaster(AgentCall.executorExited(agent.info().getId(), executor.frameworkId,
                executor.info.getExecutorId(), waitStatus));
    }

    /**
     * A task of a group under the default executor ended: as Mesos's default executor, a task that did not finish
     * (failed, killed...) takes the rest of its group down; once every task of the executor has ended, so has it.
     */
    void groupTaskEnded(TaskRun run) {
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
                        if (sibling != null && sibling.hasOwnContainer() && !sibling.isTerminal()) {
                            agent.requestKill(sibling, Agent.DEFAULT_KILL_GRACE);
                        }
                    }
                }
            }
        }
        endDefaultExecutorIfDone(executor);
    }

    void endDefaultExecutorIfDone(ExecutorRun executor) {
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
    void killOnExecutor(TaskRun run, long gracePeriodNanos) {
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
                        agent.report(queuedRun, TaskState.TASK_KILLED, "Killed before it was handed to its executor",
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
    void acknowledgedToExecutor(TaskRun run, ByteString uuid) {
        ExecutorRun executor = executors.get(ExecutorKey.of(run));
        if (executor != null && executor.isSubscribed()) {
            executor.subscription.acknowledged(run.task.getTaskId(), uuid);
        }
    }

    void shutdownExecutor(FrameworkID frameworkId, ExecutorID executorId) {
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
    void shutdownExecutor(ExecutorRun executor, String why) {
        if (executor.terminationMessage == null) {
            executor.terminationMessage = why;
        }
        if (executor.isDefault()) {
            for (TaskID taskId : List.copyOf(executor.tasks)) {
                TaskRun run = tasks.get(taskId);
                if (run != null && run.hasOwnContainer() && !run.isTerminal()) {
                    agent.requestKill(run, Agent.DEFAULT_KILL_GRACE);
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
    void messageToExecutor(AgentEvent.Message message) {
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
    void call(Call call, Encoding responseEncoding, HttpExchange exchange) {
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
                // As in Mesos, messages are not reliable: without a master this one is dropped.
                agent.sendToMaster(AgentCall.message(agent.info().getId(), executor.frameworkId,
                        executor.info.getExecutorId(),
                        Base64.getEncoder().encodeToString(call.getMessage().getData().toByteArray())));
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
        subscription.subscribed(executor.info, framework, agent.info(), executor.containerId);
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
                .setAgentId(agent.info().getId())
                .setExecutorId(executor.info.getExecutorId())
                .setSource(TaskStatus.Source.SOURCE_EXECUTOR);
        if (!update.hasTimestamp()) {
            update.setTimestamp(timers.nowMillis() / 1000.0);
        }
        run.latestStatus = update.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    List<ExecutorRun> all() {
        return List.copyOf(executors.values());
    }

    /**
     * Why a default executor's task whose URIs were just fetched must not start after all (its executor is
     * terminating or gone, or a task of its group already ended otherwise than TASK_FINISHED); null if it may.
     */
    String whyNotStart(TaskRun run) {
        if (!run.task.hasExecutor()) {
            return null;
        }
        ExecutorRun executor = executors.get(ExecutorKey.of(run));
        if (executor == null || executor.terminationMessage != null) {
            return "Its executor is terminating";
        }
        for (java.util.Set<TaskID> group : executor.groups) {
            if (group.contains(run.task.getTaskId())) {
                for (TaskID other : group) {
                    TaskRun sibling = tasks.get(other);
                    if (sibling != null && sibling.isTerminal() && sibling.state() != TaskState.TASK_FINISHED) {
                        return "Task '" + other.getValue() + "' of its group ended before it started";
                    }
                }
            }
        }
        return null;
    }

    /** The executor of a task that has one, if it has not ended. */
    ExecutorRun of(TaskRun run) {
        return run.task.hasExecutor() ? executors.get(ExecutorKey.of(run)) : null;
    }

    /**
     * An executor read back from the checkpoint: a custom one's container is found again and watched (it kept
     * running while the agent was down) and it has the registration timeout to subscribe again.
     */
    void recovered(ExecutorRun executor, Set<String> liveContainers) {
        executors.put(ExecutorKey.of(executor), executor);
        if (!executor.isDefault()) {
            executor.container = containerizer.recover(executor.containerId, executor.runDir, null);
            containerizer.rotateLogs(executor.container, executor.sandbox);
            liveContainers.add(executor.containerId);
            watchExecutor(executor);
        }
    }

    /** After the tasks were recovered: the default executors' groups and the custom executors' deadlines. */
    void finishRecovery() {
        for (ExecutorRun executor : List.copyOf(executors.values())) {
            if (executor.isDefault()) {
                // The groups are not checkpointed: after a restart, all of a default executor's tasks are one group.
                executor.groups.add(new java.util.LinkedHashSet<>(executor.tasks));
                endDefaultExecutorIfDone(executor);
            } else {
                executor.registrationTimer = timers.schedule(registrationTimeout,
                        () -> registrationTimedOut(executor));
            }
        }
    }

    /** The framework was shut down: its executors are destroyed and report nothing more. */
    void shutdownFramework(FrameworkID frameworkId) {
        for (ExecutorRun executor : List.copyOf(executors.values())) {
            if (executor.frameworkId.equals(frameworkId)) {
                executor.orphaned = true;
                shutdownExecutor(executor, "Framework shut down");
            }
        }
    }

    /** The agent stops for good (e.g. {@code corral local} on Ctrl-C): custom executors are killed too. */
    void killAll() {
        for (ExecutorRun executor : executors.values()) {
            if (executor.container != null) {
                executor.container.kill(Agent.DEFAULT_KILL_GRACE);
            }
        }
    }
}
