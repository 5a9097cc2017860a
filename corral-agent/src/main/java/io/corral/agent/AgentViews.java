package io.corral.agent;

import io.corral.agent.AgentView.ExecutorView;
import io.corral.agent.AgentView.TaskView;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.task.TaskTransitions;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * Publishes the agent's state as immutable {@link AgentView}s, the way the master publishes its {@code MasterView}:
 * a reader asks for a view; if nothing has run on the agent's loop since the last one was taken, it gets that one at
 * once; otherwise the loop builds one between two events, one for every reader waiting (a storm of readers costs the
 * loop one copy of references per wave, never a serialization or a file read).
 *
 * <p>It also remembers what a later look at the agent could not see: tasks the agent forgot (their last update was
 * acknowledged) stay listed, with their sandboxes, as Mesos's {@code completed_executors} (bounded, oldest dropped
 * first), and each terminal state is counted once for the metrics, even for a task that came and went between two
 * views. Both arrive through {@link AgentObserver}, on the loop.
 *
 * <p><b>Threading contract.</b> The completed executors, the counters and every read of the {@link Agent} are owned
 * by the agent's loop ({@link #taskForgotten}, {@link #statusQueued} and the publication run there). {@link #view}
 * may be called from any thread; the published view is a volatile reference to an immutable value.
 */
public final class AgentViews implements AgentObserver {
    /** Completed executors kept for {@code /state} and the files endpoints (Mesos keeps 150 per framework). */
    static final int MAX_COMPLETED_EXECUTORS = 500;
    /** Completed tasks kept per executor (Mesos's {@code max_completed_tasks_per_executor}). */
    static final int MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;

    private final Agent agent;
    private final EventLoop loop;
    private final long startMillis;

    // Owned by the loop.
    private final LinkedHashMap<String, Completed> completed = new LinkedHashMap<>();
    private final Map<FrameworkID, FrameworkInfo> frameworksSeen = new HashMap<>();
    private final EnumMap<TaskState, Long> terminalCounts = new EnumMap<>(TaskState.class);

    private volatile AgentView published;
    private final AtomicBoolean publishPending = new AtomicBoolean();
    private final Queue<CompletableFuture<AgentView>> waiters = new ConcurrentLinkedQueue<>();

    /** An executor whose tasks were forgotten, as it will be shown; loop-owned and mutable until rendered. */
    private static final class Completed {
        final FrameworkID frameworkId;
        final ExecutorInfo info;
        final boolean commandTask;
        final String containerId;
        final Path directory;
        final Deque<TaskView> tasks = new ArrayDeque<>();

        Completed(FrameworkID frameworkId, ExecutorInfo info, boolean commandTask, String containerId,
                  Path directory) {
            this.frameworkId = frameworkId;
            this.info = info;
            this.commandTask = commandTask;
            this.containerId = containerId;
            this.directory = directory;
        }

        ExecutorView view() {
            return new ExecutorView(frameworkId, info, commandTask, containerId, directory, -1,
                    info.getResourcesList(), List.of(), List.copyOf(tasks));
        }
    }

    /** Call on the loop, before the agent recovers, so nothing it does is missed. */
    AgentViews(Agent agent, EventLoop loop, long startMillis) {
        this.agent = agent;
        this.loop = loop;
        this.startMillis = startMillis;
        agent.observe(this);
    }

    /** Creates the views of {@code agent} and makes the agent tell them what they must remember; on any thread. */
    static AgentViews attach(Agent agent, EventLoop loop, long startMillis) {
        return loop.submit(() -> new AgentViews(agent, loop, startMillis)).join();
    }

    /**
     * The agent's state: the view already published if nothing ran on the loop since, else the next one the loop
     * publishes. Callers put their own timeout on it (a busy loop answers late, never wrongly); it fails once the
     * loop is closed.
     */
    public CompletableFuture<AgentView> view() {
        AgentView current = published;
        if (current != null && current.eventsSeen() == loop.startedEvents()) {
            return CompletableFuture.completedFuture(current);
        }
        CompletableFuture<AgentView> next = new CompletableFuture<>();
        waiters.add(next);
        if (publishPending.compareAndSet(false, true)) {
            loop.submit(() -> {
                publish();
                return null;
            }).exceptionally(closed -> {
                publishPending.set(false);
                for (CompletableFuture<AgentView> waiter; (waiter = waiters.poll()) != null; ) {
                    waiter.completeExceptionally(closed);
                }
                return null;
            });
        }
        return next;
    }

    // ---- told by the agent, on the loop ----

    @Override
    public void statusQueued(FrameworkID frameworkId, TaskStatus status) {
        if (TaskTransitions.isTerminal(status.getState())) {
            terminalCounts.merge(status.getState(), 1L, Long::sum);
        }
    }

    @Override
    public void taskForgotten(TaskRun run, ExecutorRun executor) {
        ExecutorInfo info;
        boolean commandTask = false;
        String containerId;
        Path directory;
        if (executor != null) {
            info = executor.info;
            containerId = executor.containerId;
            directory = executor.sandbox;
        } else if (run.task.hasExecutor()) { // its executor has ended already
            info = run.task.getExecutor();
            containerId = run.containerId;
            // A task of the default executor has its own directory under the executor's: runs/<container>/tasks/<id>.
            directory = executorDirectory(run);
        } else {
            info = commandExecutorInfo(run);
            commandTask = true;
            containerId = run.containerId;
            directory = run.sandbox;
        }
        Path absolute = directory.toAbsolutePath().normalize();
        String key = key(run.frameworkId, info.getExecutorId(), absolute);
        Completed entry = completed.remove(key); // re-inserted: the most recently ended executor comes last
        if (entry == null) {
            entry = new Completed(run.frameworkId, info, commandTask, containerId, absolute);
        }
        completed.put(key, entry);
        entry.tasks.addLast(taskView(run));
        while (entry.tasks.size() > MAX_COMPLETED_TASKS_PER_EXECUTOR) {
            entry.tasks.removeFirst();
        }
        for (Iterator<String> oldest = completed.keySet().iterator();
             completed.size() > MAX_COMPLETED_EXECUTORS && oldest.hasNext(); ) {
            oldest.next();
            oldest.remove();
        }
    }

    // ---- publication, on the loop ----

    private void publish() {
        publishPending.set(false);
        List<FrameworkInfo> frameworks = agent.frameworks();
        frameworks.forEach(framework -> frameworksSeen.put(framework.getId(), framework));

        // Group the tasks the agent keeps by executor: its own for a command task, else the one it names.
        Map<String, List<TaskRun>> tasksByExecutor = new LinkedHashMap<>();
        List<ExecutorView> executors = new ArrayList<>();
        Map<String, ExecutorRun> executorRuns = new LinkedHashMap<>();
        for (ExecutorRun run : agent.executors()) {
            executorRuns.put(key(run.frameworkId, run.info.getExecutorId(),
                    run.sandbox.toAbsolutePath().normalize()), run);
        }
        for (TaskRun run : agent.tasks()) {
            if (!run.task.hasExecutor()) {
                Path directory = run.sandbox.toAbsolutePath().normalize();
                TaskView task = taskView(run);
                executors.add(new ExecutorView(run.frameworkId, commandExecutorInfo(run), true, run.containerId,
                        directory, task.launcherPid(), task.isTerminal() ? List.of() : run.task.getResourcesList(),
                        List.of(task), completedTasks(key(run.frameworkId, run.executorId, directory))));
                continue;
            }
            tasksByExecutor.computeIfAbsent(key(run.frameworkId, run.executorId,
                    executorDirectory(run).toAbsolutePath().normalize()), k -> new ArrayList<>()).add(run);
        }
        for (Map.Entry<String, ExecutorRun> entry : executorRuns.entrySet()) {
            ExecutorRun run = entry.getValue();
            List<TaskView> tasks = tasksByExecutor.getOrDefault(entry.getKey(), List.of()).stream()
                    .map(AgentViews::taskView).toList();
            tasksByExecutor.remove(entry.getKey());
            long launcherPid = run.container != null && !run.container.exit().isDone()
                    ? run.container.launcherPid() : -1;
            executors.add(new ExecutorView(run.frameworkId, run.info, false, run.containerId,
                    run.sandbox.toAbsolutePath().normalize(), launcherPid, run.info.getResourcesList(), tasks,
                    completedTasks(entry.getKey())));
        }
        // Tasks whose executor ended before their last update was acknowledged: shown under that executor still.
        for (Map.Entry<String, List<TaskRun>> orphans : tasksByExecutor.entrySet()) {
            TaskRun first = orphans.getValue().get(0);
            executors.add(new ExecutorView(first.frameworkId, first.task.getExecutor(), false, first.containerId,
                    executorDirectory(first).toAbsolutePath().normalize(), -1, List.of(),
                    orphans.getValue().stream().map(AgentViews::taskView).toList(), completedTasks(orphans.getKey())));
        }

        java.util.Set<String> live = new java.util.HashSet<>();
        executors.forEach(executor -> live.add(key(executor.frameworkId(), executor.info().getExecutorId(),
                executor.directory())));
        List<ExecutorView> completedExecutors = new ArrayList<>();
        java.util.Set<FrameworkID> liveFrameworks = new java.util.HashSet<>();
        frameworks.forEach(framework -> liveFrameworks.add(framework.getId()));
        Map<FrameworkID, FrameworkInfo> completedFrameworks = new LinkedHashMap<>();
        for (Map.Entry<String, Completed> entry : completed.entrySet()) {
            if (live.contains(entry.getKey())) {
                continue; // listed with its live executor, under completed_tasks
            }
            Completed done = entry.getValue();
            completedExecutors.add(done.view());
            if (!liveFrameworks.contains(done.frameworkId)) {
                completedFrameworks.putIfAbsent(done.frameworkId, frameworksSeen.getOrDefault(done.frameworkId,
                        FrameworkInfo.newBuilder().setId(done.frameworkId).setName("").setUser("").build()));
            }
        }
        AgentView view = new AgentView(loop.startedEvents(), agent.info(), agent.workDir().toAbsolutePath().normalize(),
                startMillis, agent.isRegistered(), frameworks, executors, completedExecutors,
                List.copyOf(completedFrameworks.values()), terminalCounts);
        published = view;
        for (CompletableFuture<AgentView> waiter; (waiter = waiters.poll()) != null; ) {
            waiter.complete(view);
        }
    }

    private List<TaskView> completedTasks(String key) {
        Completed entry = completed.get(key);
        return entry == null ? List.of() : List.copyOf(entry.tasks);
    }

    private static TaskView taskView(TaskRun run) {
        long launcherPid = run.container != null && !run.isTerminal() ? run.container.launcherPid() : -1;
        return new TaskView(run.frameworkId, run.task, run.latestStatus, run.sandbox.toAbsolutePath().normalize(),
                run.containerId, launcherPid);
    }

    /**
     * The ExecutorInfo Mesos's agent makes up for a command task (its command executor): the task's id as executor
     * id and source, and a name that says so.
     */
    private static ExecutorInfo commandExecutorInfo(TaskRun run) {
        String command = run.task.getCommand().getValue();
        return ExecutorInfo.newBuilder()
                .setExecutorId(ExecutorID.newBuilder().setValue(run.task.getTaskId().getValue()))
                .setFrameworkId(run.frameworkId)
                .setName("Command Executor (Task: " + run.task.getTaskId().getValue() + ") (Command: sh -c '"
                        + (command.length() > 15 ? command.substring(0, 12) + "..." : command) + "')")
                .setSource(run.task.getTaskId().getValue())
                .setCommand(run.task.getCommand())
                .build();
    }

    private static String key(FrameworkID frameworkId, ExecutorID executorId, Path directory) {
        return frameworkId.getValue() + '\0' + executorId.getValue() + '\0' + directory;
    }

    /**
     * The sandbox of a task's executor: a command task's or a custom executor's task's own; for a task of the default
     * executor, the executor's, two levels up from the task's {@code runs/<container>/tasks/<id>}.
     */
    private static Path executorDirectory(TaskRun run) {
        return run.task.hasExecutor() && run.task.getExecutor().getType() == ExecutorInfo.Type.DEFAULT
                ? run.sandbox.getParent().getParent() : run.sandbox;
    }
}
