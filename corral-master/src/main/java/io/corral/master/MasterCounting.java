package io.corral.master;

import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import io.corral.protocol.resources.ResourceSet;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * Counts what /metrics/snapshot reports from a published {@link MasterView}: agents and frameworks by connection,
 * resources, live tasks by state; the counters (terminal tasks, registrations) are kept by the master itself.
 *
 * <p>Threading: stateless; runs on a reader's thread, never on the master's loop.
 */
final class MasterCounting {
    private MasterCounting() {}

    /** The figures of {@code view}, with the allocation cycle times the master recorded. */
    static MasterCounts count(MasterView view, Optional<AllocationTimes.Stats> runTimes) {
        return new MasterCounts(agents(view), frameworks(view), resources(view), tasks(view), view.taskCounters(),
                view.agentCounters(), view.outstandingOffers(), view.pendingEvents(), view.allocationRuns(),
                AllocatorCounting.count(view, runTimes));
    }

    static MasterCounts count(MasterView view) {
        return count(view, Optional.empty());
    }

    private static MasterCounts.Agents agents(MasterView view) {
        long connected = view.agents().stream().filter(AgentView::connected).count();
        long unreachable = view.agents().stream().filter(AgentView::isUnreachable).count();
        long disconnected = view.agents().size() - connected - unreachable;
        // Active: offers are made from it (connected, and not deactivated or drained by an operator).
        long active = view.agents().stream().filter(a -> a.connected() && !a.deactivated()).count();
        return new MasterCounts.Agents(active, view.agents().size() - unreachable - active, connected, disconnected,
                unreachable);
    }

    private static MasterCounts.Frameworks frameworks(MasterView view) {
        long connected = view.frameworks().stream().filter(FrameworkView::connected).count();
        long disconnected = view.frameworks().size() - connected;
        return new MasterCounts.Frameworks(connected, disconnected, connected, disconnected);
    }

    /**
     * Summed as numbers, agent by agent: a cluster may hold more of a kind than one {@link ResourceSet} may (1e12),
     * and the metrics must not fail when it does.
     */
    private static MasterCounts.Resources resources(MasterView view) {
        String[] kinds = {"cpus", "mem", "disk", "gpus"};
        double[] total = new double[kinds.length];
        double[] used = new double[kinds.length];
        for (AgentView agent : view.agents()) {
            if (!agent.isUnreachable()) {
                for (int i = 0; i < kinds.length; i++) {
                    total[i] += agent.total().scalar(kinds[i]);
                    used[i] += agent.used().scalar(kinds[i]);
                }
            }
        }
        return new MasterCounts.Resources(total[0], used[0], total[1], used[1], total[2], used[2], total[3], used[3]);
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
