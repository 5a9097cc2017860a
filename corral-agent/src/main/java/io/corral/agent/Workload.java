package io.corral.agent;

import io.corral.protocol.resources.Reservations;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;

/**
 * What this agent runs: the frameworks it runs tasks for, their tasks ({@link TaskRun}), their custom and default
 * executors ({@link ExecutorRun}; a command task's executor is its TaskRun), and the tasks whose checkpoint could not
 * be read back after a restart. State and look-ups only: the agent's parts that launch, kill, report and forget
 * share this one record of what runs, so none of them keeps a copy that could disagree.
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop: every method is called on it, and nothing here is
 * published to other threads (HTTP readers see {@link AgentView}s built on the loop).
 */
final class Workload {
    /** A framework's executor: executor ids are unique per framework only. */
    record ExecutorKey(FrameworkID frameworkId, ExecutorID executorId) {
        static ExecutorKey of(ExecutorRun executor) {
            return new ExecutorKey(executor.frameworkId, executor.info.getExecutorId());
        }

        static ExecutorKey of(TaskRun run) {
            return new ExecutorKey(run.frameworkId, run.executorId);
        }
    }

    /** In launch order, so REGISTER and the views list tasks as they came. */
    private final Map<TaskID, TaskRun> tasks = new LinkedHashMap<>();
    /**
     * How many known tasks keep their records in each run directory (a command task has its own; an executor's
     * tasks share the executor's): {@link #runDirInUse} is asked at every task's end, so it must not scan them all.
     */
    private final Map<Path, Integer> runDirUsers = new HashMap<>();
    private final Map<FrameworkID, FrameworkInfo> frameworks = new HashMap<>();
    /** The custom and default executors that have not ended. */
    private final Map<ExecutorKey, ExecutorRun> executors = new LinkedHashMap<>();
    /** Tasks whose checkpoint could not be read back: reported lost; their records go once that is acknowledged. */
    private final Map<TaskID, AgentStore.Unreadable> unreadable = new HashMap<>();

    // ---- tasks ----

    TaskRun task(TaskID taskId) {
        return tasks.get(taskId);
    }

    boolean hasTask(TaskID taskId) {
        return tasks.containsKey(taskId);
    }

    void addTask(TaskRun run) {
        TaskRun replaced = tasks.put(run.task.getTaskId(), run);
        if (replaced != null) {
            releaseRunDir(replaced);
        }
        runDirUsers.merge(run.runDir, 1, Integer::sum);
    }

    void removeTask(TaskID taskId) {
        TaskRun removed = tasks.remove(taskId);
        if (removed != null) {
            releaseRunDir(removed);
        }
    }

    private void releaseRunDir(TaskRun run) {
        runDirUsers.computeIfPresent(run.runDir, (dir, users) -> users == 1 ? null : users - 1);
    }

    /** The live collection, in launch order: copy it before changing tasks while iterating. */
    Collection<TaskRun> tasks() {
        return tasks.values();
    }

    /** True when {@code run} is still this agent's record of its task (not forgotten, nor replaced). */
    boolean isCurrent(TaskRun run) {
        return tasks.get(run.task.getTaskId()) == run;
    }

    // ---- frameworks ----

    FrameworkInfo framework(FrameworkID frameworkId) {
        return frameworks.get(frameworkId);
    }

    boolean hasFramework(FrameworkID frameworkId) {
        return frameworks.containsKey(frameworkId);
    }

    /** Keeps {@code framework}; returns the one it replaces, if any. */
    FrameworkInfo putFramework(FrameworkInfo framework) {
        return frameworks.put(framework.getId(), framework);
    }

    void removeFramework(FrameworkID frameworkId) {
        frameworks.remove(frameworkId);
    }

    List<FrameworkInfo> frameworks() {
        return List.copyOf(frameworks.values());
    }

    // ---- executors ----

    ExecutorRun executor(ExecutorKey key) {
        return executors.get(key);
    }

    /** The executor of a task that has one, if it has not ended. */
    ExecutorRun executorOf(TaskRun run) {
        return run.task.hasExecutor() ? executors.get(ExecutorKey.of(run)) : null;
    }

    /** True when {@code executor} has not ended (and was not replaced by another of the same id). */
    boolean isCurrent(ExecutorRun executor) {
        return executors.get(ExecutorKey.of(executor)) == executor;
    }

    void addExecutor(ExecutorRun executor) {
        executors.put(ExecutorKey.of(executor), executor);
    }

    void removeExecutor(ExecutorRun executor) {
        executors.remove(ExecutorKey.of(executor));
    }

    List<ExecutorRun> executors() {
        return List.copyOf(executors.values());
    }

    // ---- unreadable tasks ----

    void addUnreadable(AgentStore.Unreadable task) {
        unreadable.put(task.taskId(), task);
    }

    AgentStore.Unreadable removeUnreadable(TaskID taskId) {
        return unreadable.remove(taskId);
    }

    List<AgentStore.Unreadable> unreadable() {
        return List.copyOf(unreadable.values());
    }

    int unreadableCount() {
        return unreadable.size();
    }

    // ---- what is in use ----

    /** Whether a task or executor this agent knows uses {@code sandbox} (or something inside it): never removed. */
    boolean sandboxInUse(Path sandbox) {
        return tasks.values().stream().anyMatch(run -> run.sandbox.startsWith(sandbox))
                || executors.values().stream().anyMatch(executor -> executor.sandbox.startsWith(sandbox));
    }

    /** Whether a known task keeps its records (or its launcher's files) in {@code runDir}. */
    boolean runDirInUse(Path runDir) {
        return runDirUsers.containsKey(runDir);
    }

    /** The volume directories of executors and of tasks that have not ended: never deleted under them. */
    Set<Path> volumesInUse(PersistentVolumes volumes) {
        Set<Path> inUse = new HashSet<>();
        for (ExecutorRun executor : executors.values()) {
            addVolumes(executor.info.getResourcesList(), volumes, inUse);
        }
        for (TaskRun run : tasks.values()) {
            if (!run.isTerminal()) {
                addVolumes(run.task.getResourcesList(), volumes, inUse);
            }
        }
        return inUse;
    }

    private static void addVolumes(List<Resource> resources, PersistentVolumes volumes, Set<Path> inUse) {
        for (Resource resource : resources) {
            if (Reservations.isPersistentVolume(resource)) {
                inUse.add(volumes.directoryOf(Reservations.canonical(resource)));
            }
        }
    }
}
