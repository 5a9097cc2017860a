package io.corral.agent.http;

import io.corral.agent.AgentView;
import io.corral.agent.AgentView.ExecutorView;
import io.corral.agent.AgentView.TaskView;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.FrameworkInfo;

/**
 * The part of an {@link AgentView} one principal may see, as Mesos's agent filters {@code /state}, {@code GET_STATE},
 * {@code GET_FRAMEWORKS}, {@code GET_EXECUTORS} and {@code GET_TASKS}: a framework needs {@code view_frameworks}
 * on its user; an executor, its framework's approval and {@code view_executors} on its user; a task, its executor's
 * approvals and {@code view_tasks} on its user. What is not approved is left out silently, never refused, so one
 * renderer serves every principal. Counters (metrics) are not filtered, as in Mesos.
 *
 * <p>Stateless; a pure function of immutable values.
 */
public final class VisibleView {
    private VisibleView() {
    }

    /** The view as {@code approvals} may see it: the view itself when they permit everything. */
    public static AgentView of(AgentView view, Approvals approvals) {
        if (approvals.permitsAll()) {
            return view;
        }
        return new AgentView(view.eventsSeen(), view.info(), view.workDir(), view.startMillis(), view.registered(),
                frameworks(view.frameworks(), approvals), executors(view, view.executors(), approvals),
                executors(view, view.completedExecutors(), approvals),
                frameworks(view.completedFrameworks(), approvals), view.terminalCounts());
    }

    private static List<FrameworkInfo> frameworks(List<FrameworkInfo> frameworks, Approvals approvals) {
        return frameworks.stream().filter(framework -> approvals.viewFramework(framework.getUser())).toList();
    }

    private static List<ExecutorView> executors(AgentView view, List<ExecutorView> executors, Approvals approvals) {
        List<ExecutorView> visible = new ArrayList<>();
        for (ExecutorView executor : executors) {
            String frameworkUser = view.framework(executor.frameworkId()).map(FrameworkInfo::getUser).orElse("");
            if (!approvals.viewFramework(frameworkUser) || !approvals.viewExecutor(view.executorUser(executor))) {
                continue;
            }
            visible.add(new ExecutorView(executor.frameworkId(), executor.info(), executor.commandTask(),
                    executor.containerId(), executor.directory(), executor.launcherPid(), executor.resources(),
                    tasks(view, executor.tasks(), approvals), tasks(view, executor.completedTasks(), approvals)));
        }
        return visible;
    }

    private static List<TaskView> tasks(AgentView view, List<TaskView> tasks, Approvals approvals) {
        return tasks.stream().filter(task -> approvals.viewTask(view.taskUser(task))).toList();
    }
}
