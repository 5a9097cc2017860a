package io.corral.master;

import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import io.corral.protocol.resources.ResourceSet;
import java.util.EnumMap;
import java.util.Map;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * Counts what /metrics/snapshot reports from a published {@link MasterView}: agents and frameworks by connection,
 * resources, live tasks by state; the counters (terminal tasks, registrations) are kept by the master itself.
 *
 * <p>Threading: stateless; runs on a reader's thread, never on the master's loop.
 */
final class MasterCounting {
    private MasterCounting() {}

    static MasterCounts count(MasterView view) {
        return new MasterCounts(agents(view), frameworks(view), resources(view), tasks(view), view.taskCounters(),
                view.agentCounters(), view.outstandingOffers(), view.pendingEvents(), view.allocationRuns());
    }

    private static MasterCounts.Agents agents(MasterView view) {
        long connected = view.agents().stream().filter(AgentView::connected).count();
        long unreachable = view.agents().stream().filter(AgentView::isUnreachable).count();
        long disconnected = view.agents().size() - connected - unreachable;
        return new MasterCounts.Agents(connected, disconnected, connected, disconnected, unreachable);
    }

    private static MasterCounts.Frameworks frameworks(MasterView view) {
        long connected = view.frameworks().stream().filter(FrameworkView::connected).count();
        long disconnected = view.frameworks().size() - connected;
        return new MasterCounts.Frameworks(connected, disconnected, connected, disconnected);
    }

    private static MasterCounts.Resources resources(MasterView view) {
        ResourceSet total = ResourceSet.empty();
        ResourceSet used = ResourceSet.empty();
        for (AgentView agent : view.agents()) {
            if (!agent.isUnreachable()) {
                total = total.plus(agent.total());
                used = used.plus(agent.used());
            }
        }
        return new MasterCounts.Resources(total.scalar("cpus"), used.scalar("cpus"), total.scalar("mem"),
                used.scalar("mem"), total.scalar("disk"), used.scalar("disk"), total.scalar("gpus"),
                used.scalar("gpus"));
    }

    private static MasterCounts.Tasks tasks(MasterView view) {
        Map<TaskState, Long> live = new EnumMap<>(TaskState.class);
        for (FrameworkView framework : view.frameworks()) {
            for (TaskView task : framework.tasks()) {
                live.merge(task.state(), 1L, Long::sum);
            }
        }
        return new MasterCounts.Tasks(live.getOrDefault(TaskState.TASK_STAGING, 0L),
                live.getOrDefault(TaskState.TASK_STARTING, 0L), live.getOrDefault(TaskState.TASK_RUNNING, 0L),
                live.getOrDefault(TaskState.TASK_KILLING, 0L), live.getOrDefault(TaskState.TASK_UNREACHABLE, 0L));
    }
}
