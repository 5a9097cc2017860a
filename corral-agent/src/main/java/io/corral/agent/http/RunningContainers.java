package io.corral.agent.http;

import io.corral.agent.AgentView;
import io.corral.agent.AgentView.ExecutorView;
import io.corral.agent.AgentView.TaskView;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.Resource;

/**
 * The containers of a view that have a process running, each with the executor it belongs to, for the usage readers
 * ({@code /monitor/statistics}, {@code GET_CONTAINERS}, the {@code slave/*} metrics): a command task's container, a
 * custom executor's container, and each task container of the default executor (which runs inside the agent; Mesos
 * would show them as nested containers).
 *
 * <p>Pure functions of an immutable view; thread-safe.
 */
public final class RunningContainers {
    /**
     * One running container.
     *
     * @param resources what it was given: a command task's resources, a custom executor's with its live tasks', a
     *     group task's own
     */
    public record Container(ExecutorView executor, String containerId, long launcherPid, List<Resource> resources) {}

    private RunningContainers() {
    }

    public static List<Container> of(AgentView view) {
        List<Container> containers = new ArrayList<>();
        for (ExecutorView executor : view.executors()) {
            if (executor.launcherPid() >= 0 && !executor.commandTask()) { // a custom executor's own process
                List<Resource> resources = new ArrayList<>(executor.resources());
                executor.tasks().stream().filter(task -> !task.isTerminal())
                        .forEach(task -> resources.addAll(task.task().getResourcesList()));
                containers.add(new Container(executor, executor.containerId(), executor.launcherPid(), resources));
                continue;
            }
            for (TaskView task : executor.tasks()) { // command tasks and the default executor's tasks
                if (task.launcherPid() >= 0) {
                    containers.add(new Container(executor, task.containerId(), task.launcherPid(),
                            task.task().getResourcesList()));
                }
            }
        }
        return containers;
    }
}
