package io.corral.master;

import io.corral.master.state.AgentView;
import io.corral.master.state.Executor;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentInfo;

/**
 * A published {@link MasterView} cut down to what one reader may see ({@link ViewApprover}), as Mesos's master
 * filters {@code /state}, {@code /frameworks}, {@code /tasks}, {@code /slaves}, GET_STATE, GET_FRAMEWORKS, GET_TASKS,
 * GET_EXECUTORS and GET_AGENTS: frameworks the reader may not see are left out with all their tasks and executors;
 * of the frameworks shown, tasks and executors it may not see are left out; agents are all shown (Mesos has no ACL
 * for them) without the resources of roles the reader may not see. The renderers then serialize the result as
 * they would the whole view. Roles, weights and quota are not cut here: their renderers filter by role themselves,
 * from every framework, as Mesos counts them.
 *
 * <p>A framework's used resources are counted from what is shown of it (Mesos counts every task).
 *
 * <p>Pure; runs on reader threads. When the reader sees everything, the view itself is returned: no copy, no check.
 */
public final class VisibleView {
    private VisibleView() {}

    public static MasterView of(MasterView view, ViewApprover approver) {
        boolean allFrameworks = approver.seesAllFrameworks();
        boolean allRoles = approver.seesAllRoles();
        if (allFrameworks && allRoles) {
            return view;
        }
        return new MasterView(view.version(), view.eventsSeen(), view.info(), view.startMillis(),
                allRoles ? view.agents() : view.agents().stream().map(agent -> agent(agent, approver)).toList(),
                allFrameworks ? view.frameworks() : frameworks(view.frameworks(), approver),
                allFrameworks ? view.completedFrameworks() : frameworks(view.completedFrameworks(), approver),
                view.roles(), view.taskCounters(), view.agentCounters(), view.outstandingOffers(),
                view.pendingEvents(), view.allocationRuns(), view.activeFilters(), view.allocationQueued(),
                view.maintenance());
    }

    private static List<FrameworkView> frameworks(List<FrameworkView> frameworks, ViewApprover approver) {
        return frameworks.stream().filter(framework -> approver.framework(framework.info()))
                .map(framework -> framework(framework, approver)).toList();
    }

    /** A framework the reader may see, with only the tasks and executors it may see. */
    public static FrameworkView framework(FrameworkView framework, ViewApprover approver) {
        if (approver.seesAllFrameworks()) {
            return framework;
        }
        return new FrameworkView(framework.info(), framework.role(), framework.connected(),
                framework.registeredMillis(), tasks(framework.tasks(), framework, approver),
                tasks(framework.completedTasks(), framework, approver), framework.offers(),
                framework.executors().stream().filter(executor -> shown(executor, framework, approver)).toList());
    }

    private static List<TaskView> tasks(List<TaskView> tasks, FrameworkView framework, ViewApprover approver) {
        return tasks.stream().filter(task -> approver.task(task.info(), framework.info())).toList();
    }

    private static boolean shown(Executor executor, FrameworkView framework, ViewApprover approver) {
        return approver.executor(executor.info(), framework.info());
    }

    /** An agent without the resources of roles the reader may not see (in its totals and its info). */
    public static AgentView agent(AgentView agent, ViewApprover approver) {
        if (approver.seesAllRoles()) {
            return agent;
        }
        AgentInfo info = agent.info().toBuilder().clearResources()
                .addAllResources(agent.info().getResourcesList().stream().filter(approver::resource).toList())
                .build();
        return new AgentView(info, agent.total().filter(approver::resource), agent.used().filter(approver::resource),
                agent.offered().filter(approver::resource), agent.connected(), agent.unreachableSinceMillis(),
                agent.registeredMillis(), agent.tasks(), agent.deactivated(), agent.drain());
    }
}
