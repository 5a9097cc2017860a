package io.corral.agent;

import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.RunningContainer;
import io.corral.agent.image.ProvisionedImage;
import io.corral.protocol.MesosIds;
import io.corral.protocol.concurrent.DaemonPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.AgentInfoOrBuilder;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.apache.mesos.v1.Protos.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the tasks that run as containers of their own, as Mesos's command executor does (and its default executor,
 * for each task of a group): a command task's LAUNCH is checked and checkpointed, then the task's URIs are fetched
 * and its image provisioned (off the loop), then TASK_STARTING, the container starts on a spawn thread, and
 * TASK_RUNNING (or TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and the cause). A kill or a framework shutdown
 * that comes while a task starts is remembered on its {@link TaskRun} and acted on at the next step. Once running,
 * the task's checks start ({@link TaskChecks}) and its end is watched ({@link TaskExits}).
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop. Containers start on the spawn threads
 * ({@link #spawner}), which touch no state: each gets an immutable {@link ContainerSpec}, and the result is posted
 * back to the loop, as are the fetch's and the image's.
 */
final class TaskLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(TaskLauncher.class);
    /** Mesos's {@code DEFAULT_EXECUTOR_CPUS}: what its command executor adds to a command task's container. */
    static final double COMMAND_EXECUTOR_CPUS = 0.1;
    /** How many containers start at once (see {@link #spawner}). */
    static final int SPAWN_THREADS = 8;

    private final Workload workload;
    private final TaskJournal journal;
    private final TaskCleanup cleanup;
    private final TaskExits exits;
    private final TaskChecks checks;
    private final DefaultExecutorGroups groups;
    private final AgentStore store;
    private final CheckpointBatch checkpoints;
    private final ProcessContainerizer containerizer;
    private final PersistentVolumes volumes;
    private final AgentServices services;
    private final Consumer<Runnable> loop;
    private final Path workDir;
    /** This agent's id, hostname and port, read live (the id comes with the first registration). */
    private final AgentInfoOrBuilder info;
    /**
     * Starts task containers off the loop ({@link #launchContainer}). Several threads: a spawn is mostly a wait for
     * the launcher's answer (its fork, the cgroup moves, the task's fork), and eight at once keep two cores busy
     * where four left a third of them idle (docs/benchmarks.md, "One agent against this machine's own limit"). Idle
     * threads end, so an agent that is thrown away leaves none behind.
     */
    private final ExecutorService spawner = DaemonPool.of("agent-spawn", SPAWN_THREADS);

    TaskLauncher(Workload workload, TaskJournal journal, TaskCleanup cleanup, TaskExits exits, TaskChecks checks,
                 DefaultExecutorGroups groups, AgentStore store, CheckpointBatch checkpoints,
                 ProcessContainerizer containerizer, PersistentVolumes volumes, AgentServices services,
                 Consumer<Runnable> loop, Path workDir, AgentInfoOrBuilder info) {
        this.workload = workload;
        this.journal = journal;
        this.cleanup = cleanup;
        this.exits = exits;
        this.checks = checks;
        this.groups = groups;
        this.store = store;
        this.checkpoints = checkpoints;
        this.containerizer = containerizer;
        this.volumes = volumes;
        this.services = services;
        this.loop = loop;
        this.workDir = workDir;
        this.info = info;
    }

    /**
     * Whether a LAUNCH may go ahead: its ids are valid (the master validates them; one that is not would name a path
     * outside the work dir) and the task is not here already. A refusal is logged.
     */
    boolean admits(FrameworkInfo framework, TaskInfo task) {
        String invalid = firstNonNull(MesosIds.invalidReason(framework.getId().getValue()),
                MesosIds.invalidReason(task.getTaskId().getValue()));
        if (invalid != null) {
            LOG.error("Refusing to launch task '{}' of framework '{}': {}", task.getTaskId().getValue(),
                    framework.getId().getValue(), invalid);
            return false;
        }
        if (workload.hasTask(task.getTaskId())) {
            LOG.warn("Ignoring a second launch of task {}", task.getTaskId().getValue());
            return false;
        }
        return true;
    }

    /**
     * A command task (no executor named): its sandbox and record are made, and it starts once the record is on disk,
     * with the other records of this burst of events ({@link CheckpointBatch}); a kill meanwhile is recorded and
     * keeps it from starting.
     */
    void launchCommandTask(FrameworkInfo framework, TaskInfo task) {
        String containerId = UUID.randomUUID().toString();
        String executorId = task.getTaskId().getValue();
        Path sandbox = workDir.resolve("slaves").resolve(info.getId().getValue())
                .resolve("frameworks").resolve(framework.getId().getValue())
                .resolve("executors").resolve(executorId)
                .resolve("runs").resolve(containerId);
        TaskRun run = new TaskRun(framework.getId(), task, containerId, sandbox,
                store.runDir(framework.getId(), executorId, containerId));
        workload.addTask(run);
        try {
            recordFramework(framework);
        } catch (IOException e) {
            notCheckpointed(run, e);
            return;
        }
        run.launching = true;
        checkpoints.write(store.taskInfoKey(run), () -> store.taskRecord(run), e -> notCheckpointed(run, e));
        checkpoints.afterCommit(() -> recorded(framework, run));
    }

    /** The task's record is on disk (or could not be written): start it, unless something ended it meanwhile. */
    private void recorded(FrameworkInfo framework, TaskRun run) {
        run.launching = false;
        if (!workload.isCurrent(run) || run.isTerminal()) {
            return; // its record could not be written
        }
        if (run.orphaned) {
            cleanup.forget(run);
            return;
        }
        if (run.killGracePeriod != null) {
            journal.report(run, TaskState.TASK_KILLED, "Killed before it started",
                    Reason.REASON_TASK_KILLED_DURING_LAUNCH);
            return;
        }
        startTaskContainer(framework, run);
    }

    private void notCheckpointed(TaskRun run, IOException e) {
        LOG.error("Task {}: cannot checkpoint it, so not starting it: {}", run.task.getTaskId().getValue(),
                e.getMessage());
        journal.report(run, TaskState.TASK_FAILED, "The agent could not checkpoint the task: " + e.getMessage(),
                Reason.REASON_CONTAINER_LAUNCH_FAILED);
    }

    /** Keeps the framework and checkpoints its record when it is new or changed (or its record went). */
    void recordFramework(FrameworkInfo framework) throws IOException {
        // Also when its record went with the framework's last task (AgentStore.remove) though the agent knows it.
        if (!framework.equals(workload.putFramework(framework)) || !store.hasFramework(framework.getId())) {
            store.saveFramework(framework);
        }
    }

    /**
     * Runs a task as a container of its own, as Mesos's command executor (and its default executor, for each task of
     * a group) does: TASK_STARTING, the process, TASK_RUNNING; its end is reported by {@link TaskExits}.
     */
    void startTaskContainer(FrameworkInfo framework, TaskRun run) {
        Optional<String> image;
        try {
            image = ContainerImages.imageOf(run.task, services.images());
        } catch (IllegalArgumentException e) {
            failToLaunch(run, "Failed to launch container: " + e.getMessage());
            return;
        }
        if (run.task.getCommand().getUrisCount() > 0 || image.isPresent()) {
            fetchThenStart(framework, run, image);
            return;
        }
        launchContainer(framework, run, null);
    }

    /** TASK_FAILED before the container started (REASON_CONTAINER_LAUNCH_FAILED); its group hears of it. */
    private void failToLaunch(TaskRun run, String message) {
        journal.report(run, TaskState.TASK_FAILED, message, Reason.REASON_CONTAINER_LAUNCH_FAILED);
        groups.taskEnded(run);
    }

    /**
     * Mesos's fetcher runs before the executor, so before TASK_STARTING: the URIs are fetched into the sandbox on the
     * fetcher's threads, and the result comes back to the loop. A failed fetch ends the task TASK_FAILED with
     * REASON_CONTAINER_LAUNCH_FAILED (Mesos's reason: it has no fetcher-specific one) and the cause; a task killed,
     * or whose framework is shut down, meanwhile is not started.
     */
    private void fetchThenStart(FrameworkInfo framework, TaskRun run, Optional<String> image) {
        try {
            Files.createDirectories(run.sandbox); // on the loop, where the GC removes empty parents
        } catch (IOException e) {
            failToLaunch(run, "Failed to create the sandbox: " + e.getMessage());
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
        if (!workload.isCurrent(run) || run.isTerminal()) {
            return false; // killed while fetching, or forgotten with its framework
        }
        if (run.orphaned) { // its framework is gone (a default executor's task: its executor waits for it)
            cleanup.forget(run);
            groups.taskEnded(run);
            return false;
        }
        String notStarting = groups.whyNotStart(run);
        if (notStarting != null) {
            journal.report(run, TaskState.TASK_KILLED, notStarting, Reason.REASON_TASK_KILLED_DURING_LAUNCH);
            groups.taskEnded(run);
            return false;
        }
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            String message = cause instanceof ContainerImages.ProvisioningException
                    ? "Failed to launch container: " + cause.getMessage()
                    : "Failed to fetch all URIs for container '" + run.containerId + "': " + cause.getMessage();
            LOG.warn("Task {}: {}", run.task.getTaskId().getValue(), message);
            failToLaunch(run, message);
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
        journal.report(run, TaskState.TASK_STARTING, null, null);
        ContainerSpec spec;
        try {
            spec = containerSpec(framework, run, image);
        } catch (IOException | RuntimeException e) {
            launchFailed(run, image);
            launched(framework, run, null, e);
            return;
        }
        if (run.task.hasExecutor()) {
            // A default executor's group starts its tasks one after the other, on the loop: one that cannot start
            // keeps the rest from starting (ExecutorLauncher.launch).
            try {
                launched(framework, run, containerizer.launch(spec), null);
            } catch (IOException | RuntimeException e) {
                launchFailed(run, image);
                launched(framework, run, null, e);
            }
            return;
        }
        spawn(framework, run, spec, image);
    }

    /** Starts a command task's container on a spawn thread; {@link #launched} carries on, on the loop. */
    private void spawn(FrameworkInfo framework, TaskRun run, ContainerSpec spec, ProvisionedImage image) {
        run.launching = true;
        CompletableFuture.supplyAsync(() -> {
            try {
                return containerizer.launch(spec);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, spawner).whenComplete((container, failure) -> loop.accept(() -> {
            if (failure != null) {
                launchFailed(run, image);
            }
            launched(framework, run, container, failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure);
        }));
    }

    /** What the containerizer needs to start the task: its volumes are mounted into the sandbox first. */
    private ContainerSpec containerSpec(FrameworkInfo framework, TaskRun run, ProvisionedImage image)
            throws IOException {
        TaskInfo task = run.task;
        volumes.mount(task.getResourcesList(), run.sandbox);
        ContainerSpec spec = new ContainerSpec(run.containerId, task.getTaskId().getValue(),
                framework.getId().getValue(), run.executorId.getValue(), task.getCommand(), run.sandbox, run.runDir,
                taskEnvironment(framework, run), containerResources(task)).withFrameworkUser(framework.getUser());
        return image != null ? ContainerImages.rooted(spec, task, image) : spec;
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
    private void launched(FrameworkInfo framework, TaskRun run, RunningContainer container, Throwable failure) {
        run.launching = false;
        if (failure != null) {
            Throwable cause = failure instanceof UncheckedIOException ? failure.getCause() : failure;
            LOG.warn("Task {} failed to start: {}", run.task.getTaskId().getValue(), cause.getMessage());
            if (run.orphaned) {
                cleanup.forget(run);
                groups.taskEnded(run);
                return;
            }
            journal.report(run, TaskState.TASK_FAILED, "Failed to launch the command: " + cause.getMessage(),
                    Reason.REASON_CONTAINER_LAUNCH_FAILED);
            return;
        }
        run.container = container;
        if (run.killGracePeriod != null) {
            Duration grace = run.killGracePeriod;
            checkpoints.afterCommit(() -> container.kill(grace)); // once the kill request is on disk
            exits.watch(run);
            return;
        }
        journal.report(run, TaskState.TASK_RUNNING, null, null);
        exits.watch(run);
        checks.start(run, taskEnvironment(framework, run));
    }

    /**
     * What a task's container is limited to. A command task's container also holds its launcher (the shell that
     * starts the task and waits for it), which gets Mesos's command-executor allowance of
     * {@link #COMMAND_EXECUTOR_CPUS}: without it a 0.01-cpu task's CFS quota (1 ms per 100 ms period) throttles the
     * launcher's own fork and exec for a second or more before the task even starts. The master does not count the
     * allowance, as Mesos's does not. A default executor's tasks get exactly their resources, as Mesos's nested
     * containers do.
     */
    static List<Resource> containerResources(TaskInfo task) {
        if (task.hasExecutor()) {
            return task.getResourcesList();
        }
        List<Resource> resources = new ArrayList<>(task.getResourcesList());
        resources.add(Resource.newBuilder().setName("cpus")
                .setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(COMMAND_EXECUTOR_CPUS))
                .build());
        return resources;
    }

    /** The {@code MESOS_*} variables a task (and its checks) gets from the agent. */
    Map<String, String> taskEnvironment(FrameworkInfo framework, TaskRun run) {
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

    static String firstNonNull(String first, String second) {
        return first != null ? first : second;
    }
}
