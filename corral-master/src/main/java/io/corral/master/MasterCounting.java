package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Task;
import io.corral.protocol.resources.ResourceSet;
import java.util.EnumMap;
import java.util.Map;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * Counts what /metrics/snapshot reports from the master's current state: agents and frameworks by connection,
 * resources, live tasks by state; the counters (terminal tasks, registrations) are kept by the master itself.
 *
 * <p>Threading: runs on the master's event loop.
 */
final class MasterCounting {
    private MasterCounting() {}

    static MasterCounts count(Master master, MasterCounts.TaskCounters taskCounters,
                              MasterCounts.AgentCounters agentCounters, long pendingEvents, long allocationRuns) {
        return new MasterCounts(agents(master), frameworks(master), resources(master), tasks(master),
                taskCounters, agentCounters, master.outstandingOffers(), pendingEvents, allocationRuns);
    }

    private static MasterCounts.Agents agents(Master master) {
        long connected = master.agents().stream().filter(Agent::isConnected).count();
        long unreachable = master.agents().stream().filter(Agent::isUnreachable).count();
        long disconnected = master.agents().size() - connected - unreachable;
        return new MasterCounts.Agents(connected, disconnected, connected, disconnected, unreachable);
    }

    private static MasterCounts.Frameworks frameworks(Master master) {
        long connected = master.frameworks().stream().filter(Framework::isConnected).count();
        long disconnected = master.frameworks().size() - connected;
        return new MasterCounts.Frameworks(connected, disconnected, connected, disconnected);
    }

    private static MasterCounts.Resources resources(Master master) {
        ResourceSet total = ResourceSet.empty();
        ResourceSet used = ResourceSet.empty();
        for (Agent agent : master.agents()) {
            if (!agent.isUnreachable()) {
                total = total.plus(agent.total());
                used = used.plus(agent.used());
            }
        }
        return new MasterCounts.Resources(total.scalar("cpus"), used.scalar("cpus"), total.scalar("mem"),
                used.scalar("mem"), total.scalar("disk"), used.scalar("disk"), total.scalar("gpus"),
                used.scalar("gpus"));
    }

    private static MasterCounts.Tasks tasks(Master master) {
        Map<TaskState, Long> live = new EnumMap<>(TaskState.class);
        for (Framework framework : master.frameworks()) {
            for (Task task : framework.tasks().values()) {
                live.merge(task.state(), 1L, Long::sum);
            }
        }
        return new MasterCounts.Tasks(live.getOrDefault(TaskState.TASK_STAGING, 0L),
                live.getOrDefault(TaskState.TASK_STARTING, 0L), live.getOrDefault(TaskState.TASK_RUNNING, 0L),
                live.getOrDefault(TaskState.TASK_KILLING, 0L), live.getOrDefault(TaskState.TASK_UNREACHABLE, 0L));
    }
}
