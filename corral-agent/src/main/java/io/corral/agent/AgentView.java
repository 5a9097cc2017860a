package io.corral.agent;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * The agent's state as one immutable value, published by its loop ({@link AgentViews}) for everything that answers
 * HTTP readers ({@code /state}, {@code /files/*}, the operator API, metrics): they render it on their own threads and
 * never touch the agent's state.
 *
 * @param eventsSeen the loop's event count when this view was taken: it is current while no other event has started
 * @param startMillis when this agent process started
 * @param frameworks the frameworks the agent knows and was not told to shut down
 * @param executors every executor that has not ended, or whose tasks have not all been forgotten yet (a command
 *     task is its own executor, as in Mesos)
 * @param completedExecutors executors whose tasks the agent has forgotten, newest last (bounded: {@link
 *     AgentViews#MAX_COMPLETED_EXECUTORS}); their sandboxes stay on disk
 * @param completedFrameworks frameworks of completed executors that the agent no longer knows (shut down)
 * @param terminalCounts how many tasks reached each terminal state since the agent started (Mesos's counters)
 */
public record AgentView(long eventsSeen, AgentInfo info, Path workDir, long startMillis, boolean registered,
                        List<FrameworkInfo> frameworks, List<ExecutorView> executors,
                        List<ExecutorView> completedExecutors, List<FrameworkInfo> completedFrameworks,
                        Map<TaskState, Long> terminalCounts) {

    public AgentView {
        frameworks = List.copyOf(frameworks);
        executors = List.copyOf(executors);
        completedExecutors = List.copyOf(completedExecutors);
        completedFrameworks = List.copyOf(completedFrameworks);
        terminalCounts = Map.copyOf(terminalCounts);
    }

    /**
     * An executor on this agent and its tasks.
     *
     * @param info the executor's info; for a command task (which has no ExecutorInfo of its own), one Corral makes
     *     up as Mesos's agent does: id and source are the task's id, type DEFAULT is not set
     * @param commandTask true for a command task's executor (Mesos's command executor)
     * @param containerId the container of the executor's process (a custom executor's, a command task's), or the
     *     name of the default executor's sandbox
     * @param directory the executor's sandbox, absolute (Mesos's {@code directory})
     * @param launcherPid the pid of the launcher of the executor's own process; -1 when it has none running (the
     *     default executor runs in the agent, and its tasks have their own containers)
     * @param resources what the executor holds itself (its ExecutorInfo's), plus its live tasks' for a command task
     * @param tasks its tasks, live and ended, that the agent still keeps
     * @param completedTasks its tasks the agent forgot
     */
    public record ExecutorView(FrameworkID frameworkId, ExecutorInfo info, boolean commandTask, String containerId,
                               Path directory, long launcherPid, List<Resource> resources, List<TaskView> tasks,
                               List<TaskView> completedTasks) {
        public ExecutorView {
            resources = List.copyOf(resources);
            tasks = List.copyOf(tasks);
            completedTasks = List.copyOf(completedTasks);
        }

        public String id() {
            return info.getExecutorId().getValue();
        }

        /** True while its process, or one of its tasks, may still run. */
        public boolean isRunning() {
            return launcherPid >= 0 || tasks.stream().anyMatch(task -> !task.isTerminal());
        }
    }

    /**
     * A task: what was launched and the latest state reported for it.
     *
     * @param latestStatus null while nothing was reported yet (TASK_STAGING)
     * @param sandbox the task's own directory: its executor's, or its own under {@code tasks/} for a task of a group
     * @param containerId its own container (a command task's or a group task's), else its executor's
     * @param launcherPid the launcher of its own container while that runs, else -1
     */
    public record TaskView(FrameworkID frameworkId, TaskInfo task, TaskStatus latestStatus, Path sandbox,
                           String containerId, long launcherPid) {

        public TaskState state() {
            return latestStatus == null ? TaskState.TASK_STAGING : latestStatus.getState();
        }

        public boolean isTerminal() {
            return io.corral.protocol.task.TaskTransitions.isTerminal(state());
        }

        public String id() {
            return task.getTaskId().getValue();
        }
    }

    /** The framework's info, if the agent knows it (live or completed). */
    public java.util.Optional<FrameworkInfo> framework(FrameworkID id) {
        return java.util.stream.Stream.concat(frameworks.stream(), completedFrameworks.stream())
                .filter(framework -> framework.getId().equals(id)).findFirst();
    }

    /**
     * The user an executor runs as, Mesos's object of {@code access_sandboxes} and {@code view_executors}: its
     * {@code CommandInfo.user} (a command task's executor carries the task's command), else its framework's user.
     */
    public String executorUser(ExecutorView executor) {
        if (executor.info().getCommand().hasUser()) {
            return executor.info().getCommand().getUser();
        }
        return framework(executor.frameworkId()).map(FrameworkInfo::getUser).orElse("");
    }

    /**
     * The user a task runs as, Mesos's object of {@code view_tasks}: its {@code CommandInfo.user}, else its
     * executor's, else its framework's user.
     */
    public String taskUser(TaskView task) {
        TaskInfo info = task.task();
        if (info.hasCommand() && info.getCommand().hasUser()) {
            return info.getCommand().getUser();
        }
        if (info.hasExecutor() && info.getExecutor().getCommand().hasUser()) {
            return info.getExecutor().getCommand().getUser();
        }
        return framework(task.frameworkId()).map(FrameworkInfo::getUser).orElse("");
    }

    /** The agent's id, or empty before its first registration. */
    public String agentId() {
        return info.hasId() ? info.getId().getValue() : "";
    }
}
