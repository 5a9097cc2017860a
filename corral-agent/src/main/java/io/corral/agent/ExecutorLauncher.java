package io.corral.agent;

import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.protocol.MesosIds;
import io.corral.protocol.concurrent.Timers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks with an executor ({@code docs/architecture.md}, "Executors"): a LAUNCH whose task names an
 * {@code ExecutorInfo}, or a LAUNCH_GROUP. The first task for an executor id starts the executor; later ones join it.
 *
 * <ul>
 *   <li>A custom executor's {@code executor.info} and tasks are checkpointed, its URIs fetched, then its program
 *       started as a container with Mesos's executor environment ({@link ExecutorEnvironment}); its tasks wait until
 *       it subscribes ({@link ExecutorCalls}), which it must do within the registration timeout or be destroyed.</li>
 *   <li>The default executor has no process: each task of the group is started at once as a container of its own
 *       ({@link TaskLauncher}); a task that cannot start keeps the rest of its group from starting.</li>
 * </ul>
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop; the fetch of an executor's URIs runs on the
 * fetcher's threads and its end is posted back; the registration timer fires on the loop.
 */
final class ExecutorLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorLauncher.class);

    private final Workload workload;
    private final TaskJournal journal;
    private final AgentStore store;
    private final ProcessContainerizer containerizer;
    private final PersistentVolumes volumes;
    private final AgentServices services;
    private final Timers timers;
    private final Consumer<Runnable> loop;
    private final Path workDir;
    private final Supplier<AgentInfo> info;
    private final Duration registrationTimeout;
    private final TaskLauncher taskLauncher;
    private final DefaultExecutorGroups groups;
    private final ExecutorCalls calls;
    private final ExecutorTermination termination;

    ExecutorLauncher(Workload workload, TaskJournal journal, AgentStore store, ProcessContainerizer containerizer,
                     PersistentVolumes volumes, AgentServices services, Timers timers, Consumer<Runnable> loop,
                     Path workDir, Supplier<AgentInfo> info, Duration registrationTimeout, TaskLauncher taskLauncher,
                     DefaultExecutorGroups groups, ExecutorCalls calls, ExecutorTermination termination) {
        this.workload = workload;
        this.journal = journal;
        this.store = store;
        this.containerizer = containerizer;
        this.volumes = volumes;
        this.services = services;
        this.timers = timers;
        this.loop = loop;
        this.workDir = workDir;
        this.info = info;
        this.registrationTimeout = registrationTimeout;
        this.taskLauncher = taskLauncher;
        this.groups = groups;
        this.calls = calls;
        this.termination = termination;
    }

    /**
     * Tasks with an executor: a task (LAUNCH) or a task group (LAUNCH_GROUP). The executor is started when the
     * framework has none of that id here; a custom executor gets the tasks once it subscribes, the default executor
     * (inside the agent) runs each task as its own container at once.
     */
    void launch(FrameworkInfo framework, ExecutorInfo executorInfo, List<TaskInfo> launched, boolean group) {
        if (!validIds(framework, executorInfo, launched)) {
            return;
        }
        List<TaskInfo> fresh = freshTasks(executorInfo, launched);
        if (fresh.isEmpty()) {
            return;
        }
        ExecutorRun existing = workload.executor(new Workload.ExecutorKey(framework.getId(),
                executorInfo.getExecutorId()));
        boolean start = existing == null;
        ExecutorRun executor = start ? newExecutor(framework, executorInfo) : existing;
        List<TaskRun> runs = addTasks(framework, executor, fresh);
        if (!checkpoint(framework, executor, runs, start)) {
            return;
        }
        if (start) {
            workload.addExecutor(executor);
        }
        List<TaskID> ids = runs.stream().map(run -> run.task.getTaskId()).toList();
        executor.tasks.addAll(ids);
        if (executor.terminationMessage != null) {
            for (TaskRun run : runs) { // Mesos drops tasks sent to a terminating executor
                journal.report(run, TaskState.TASK_FAILED, "Executor is terminating: " + executor.terminationMessage,
                        Reason.REASON_EXECUTOR_TERMINATED);
            }
            return;
        }
        if (executor.isDefault()) {
            startGroup(framework, executor, runs, ids);
            return;
        }
        executor.pendingLaunches.add(new ExecutorRun.PendingLaunch(ids, group));
        if (start) {
            startContainer(framework, executor);
        } else if (executor.isSubscribed()) {
            calls.flushLaunches(executor);
        }
    }

    private static boolean validIds(FrameworkInfo framework, ExecutorInfo executorInfo, List<TaskInfo> launched) {
        String invalid = TaskLauncher.firstNonNull(MesosIds.invalidReason(framework.getId().getValue()),
                MesosIds.invalidReason(executorInfo.getExecutorId().getValue()));
        for (TaskInfo task : launched) {
            invalid = TaskLauncher.firstNonNull(invalid, MesosIds.invalidReason(task.getTaskId().getValue()));
        }
        if (invalid != null) {
            // The master validates ids; one that is not valid would name a path outside the work dir.
            LOG.error("Refusing to launch tasks on executor '{}' of framework '{}': {}",
                    executorInfo.getExecutorId().getValue(), framework.getId().getValue(), invalid);
            return false;
        }
        return true;
    }

    /** The tasks not already on this agent, each naming its executor. */
    private List<TaskInfo> freshTasks(ExecutorInfo executorInfo, List<TaskInfo> launched) {
        List<TaskInfo> fresh = new ArrayList<>();
        for (TaskInfo task : launched) {
            if (workload.hasTask(task.getTaskId())) {
                LOG.warn("Ignoring a second launch of task {}", task.getTaskId().getValue());
            } else {
                // Mesos's master sets the group's executor in each task; a LAUNCH has it already.
                fresh.add(task.hasExecutor() ? task : task.toBuilder().setExecutor(executorInfo).build());
            }
        }
        return fresh;
    }

    private ExecutorRun newExecutor(FrameworkInfo framework, ExecutorInfo executorInfo) {
        String containerId = UUID.randomUUID().toString();
        Path sandbox = workDir.resolve("slaves").resolve(info.get().getId().getValue())
                .resolve("frameworks").resolve(framework.getId().getValue())
                .resolve("executors").resolve(executorInfo.getExecutorId().getValue())
                .resolve("runs").resolve(containerId);
        return new ExecutorRun(framework.getId(), executorInfo, containerId, sandbox,
                store.runDir(framework.getId(), executorInfo.getExecutorId().getValue(), containerId));
    }

    /** The executor's new tasks, added to the workload. */
    private List<TaskRun> addTasks(FrameworkInfo framework, ExecutorRun executor, List<TaskInfo> fresh) {
        List<TaskRun> runs = new ArrayList<>();
        String executorId = executor.info.getExecutorId().getValue();
        for (TaskInfo task : fresh) {
            TaskRun run;
            if (executor.isDefault()) { // each task of a group is a container of its own, in the executor's sandbox
                String taskContainer = UUID.randomUUID().toString();
                run = new TaskRun(framework.getId(), task, taskContainer,
                        executor.sandbox.resolve("tasks").resolve(task.getTaskId().getValue()),
                        store.runDir(framework.getId(), executorId, taskContainer));
            } else {
                run = new TaskRun(framework.getId(), task, executor.containerId, executor.sandbox, executor.runDir);
            }
            workload.addTask(run);
            runs.add(run);
        }
        return runs;
    }

    /**
     * Writes the framework, a new executor and the tasks before anything starts. False when that failed: the tasks
     * are reported TASK_FAILED and a new executor ends before it ran.
     */
    private boolean checkpoint(FrameworkInfo framework, ExecutorRun executor, List<TaskRun> runs, boolean start) {
        try {
            taskLauncher.recordFramework(framework);
            store.saveLaunch(start ? Optional.of(executor) : Optional.empty(), runs);
            return true;
        } catch (IOException e) {
            LOG.error("Executor {}: cannot checkpoint its tasks, so not starting them: {}",
                    executor.info.getExecutorId().getValue(), e.getMessage());
            for (TaskRun run : runs) {
                journal.report(run, TaskState.TASK_FAILED, "The agent could not checkpoint the task: " + e.getMessage(),
                        Reason.REASON_CONTAINER_LAUNCH_FAILED);
            }
            if (start) {
                store.removeExecutor(framework.getId(), executor.info.getExecutorId().getValue());
                termination.sendExited(executor, ExecutorTermination.EXECUTOR_NEVER_STARTED);
            }
            return false;
        }
    }

    /** The default executor's group: each task starts as its own container, until one cannot. */
    private void startGroup(FrameworkInfo framework, ExecutorRun executor, List<TaskRun> runs, List<TaskID> ids) {
        executor.groups.add(new LinkedHashSet<>(ids));
        TaskRun failed = null;
        for (TaskRun run : runs) {
            if (failed != null) { // the group lives and dies together: the rest is not started
                journal.report(run, TaskState.TASK_KILLED, "Task '" + failed.task.getTaskId().getValue()
                        + "' of its group failed to start", null);
                continue;
            }
            taskLauncher.startTaskContainer(framework, run);
            if (run.isTerminal()) {
                failed = run;
            }
        }
        if (failed != null) {
            groups.taskEnded(failed); // kills the ones already started; the executor ends with the last
        }
    }

    /**
     * Starts a custom executor: its {@code CommandInfo.uris} are fetched into its sandbox first (off the loop), as
     * Mesos does before it starts an executor; a failed fetch ends the executor before it ran, and its tasks
     * TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and the cause.
     */
    private void startContainer(FrameworkInfo framework, ExecutorRun executor) {
        if (executor.info.getCommand().getUrisCount() == 0) {
            launchContainer(framework, executor);
            return;
        }
        try {
            Files.createDirectories(executor.sandbox); // on the loop, where the GC removes empty parents
        } catch (IOException e) {
            neverStarted(executor, "Failed to create the executor's sandbox: " + e.getMessage());
            return;
        }
        services.fetcher().fetch(executor.info.getCommand().getUrisList(), executor.sandbox)
                .whenComplete((ignored, failure) -> loop.accept(() -> fetched(framework, executor, failure)));
    }

    private void fetched(FrameworkInfo framework, ExecutorRun executor, Throwable failure) {
        if (!workload.isCurrent(executor)) {
            return;
        }
        if (executor.terminationMessage != null) { // shut down (or its framework removed) while fetching
            termination.terminated(executor, ExecutorTermination.EXECUTOR_NEVER_STARTED);
            return;
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            LOG.warn("{}: fetching its URIs failed: {}", executor.describe(), cause.getMessage());
            neverStarted(executor, "Failed to fetch all URIs for container '" + executor.containerId + "': "
                    + cause.getMessage());
            return;
        }
        launchContainer(framework, executor);
    }

    /** Starts a custom executor's program with Mesos's executor environment; it must subscribe in time. */
    private void launchContainer(FrameworkInfo framework, ExecutorRun executor) {
        String executorId = executor.info.getExecutorId().getValue();
        try {
            volumes.mount(executor.info.getResourcesList(), executor.sandbox);
            executor.container = containerizer.launch(new ContainerSpec(executor.containerId, executorId,
                    framework.getId().getValue(), executorId, executor.info.getCommand(), executor.sandbox,
                    executor.runDir, ExecutorEnvironment.build(info.get(), framework, executor.info,
                            executor.sandbox, executor.shutdownGracePeriod(), services.executorTokens(),
                            services.executorTls()),
                    executor.info.getResourcesList())
                    .withFrameworkUser(framework.getUser()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Executor {} failed to start: {}", executorId, e.getMessage());
            neverStarted(executor, "Failed to launch the executor: " + e.getMessage());
            return;
        }
        LOG.info("Started {} (container {})", executor.describe(), executor.containerId);
        termination.watch(executor);
        awaitSubscription(executor);
    }

    /** The executor could not start: its tasks fail with REASON_CONTAINER_LAUNCH_FAILED and {@code why}. */
    private void neverStarted(ExecutorRun executor, String why) {
        executor.terminationMessage = why;
        executor.terminationReason = Reason.REASON_CONTAINER_LAUNCH_FAILED;
        termination.terminated(executor, ExecutorTermination.EXECUTOR_NEVER_STARTED);
    }

    /**
     * Mesos's {@code executor_registration_timeout}: a custom executor that has not subscribed when it passes (after
     * its start, or after an agent restart that recovered it) is destroyed.
     */
    void awaitSubscription(ExecutorRun executor) {
        executor.registrationTimer = timers.schedule(registrationTimeout, () -> registrationTimedOut(executor));
    }

    private void registrationTimedOut(ExecutorRun executor) {
        executor.registrationTimer = null;
        if (!workload.isCurrent(executor) || executor.isSubscribed() || executor.terminationMessage != null) {
            return;
        }
        LOG.warn("{} did not subscribe within {}: destroying it", executor.describe(), registrationTimeout);
        executor.terminationMessage = "Executor did not register within " + registrationTimeout.toSeconds()
                + " seconds";
        executor.terminationReason = Reason.REASON_EXECUTOR_REGISTRATION_TIMEOUT;
        executor.container.kill(Duration.ZERO);
    }
}
