package io.corral.master;

import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * The operating-system user a task or executor runs as, as Mesos's master reckons it for its ACLs ({@code run_tasks},
 * {@code view_tasks}, {@code view_executors}): the task's command's user, else its executor's command's user, else
 * the framework's user. Pure.
 */
public final class TaskUser {
    private TaskUser() {}

    public static String of(TaskInfo task, FrameworkInfo framework) {
        if (task.hasCommand() && task.getCommand().hasUser()) {
            return task.getCommand().getUser();
        }
        if (task.hasExecutor() && task.getExecutor().getCommand().hasUser()) {
            return task.getExecutor().getCommand().getUser();
        }
        return framework.getUser();
    }

    public static String of(ExecutorInfo executor, FrameworkInfo framework) {
        return executor.getCommand().hasUser() ? executor.getCommand().getUser() : framework.getUser();
    }
}
