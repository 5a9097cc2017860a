package io.corral.master;

import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos.MasterInfo;

/**
 * The leading master's state as readers see it: an immutable, versioned view the event loop publishes
 * ({@link Master#view}), which {@code /master/state} and the metrics endpoints serialize on their own threads, never
 * on the loop.
 *
 * @param version         increases with every view published in this leadership term
 * @param eventsSeen      how many loop events had started when the view was taken: it is current until another starts
 * @param roles           the roles an operator gave a weight or quota
 * @param taskCounters    tasks that reached each terminal state
 * @param agentCounters   agent registrations, re-registrations and removals
 * @param pendingEvents   loop events waiting when the view was taken
 * @param allocationRuns  allocation cycles run in this term
 * @param activeFilters   decline filters not yet expired, by framework id
 * @param allocationQueued an allocation cycle was queued on the loop and had not run yet
 * @param maintenance     the maintenance schedule and machines' status
 */
public record MasterView(long version, long eventsSeen, MasterInfo info, long startMillis, List<AgentView> agents,
                         List<FrameworkView> frameworks, List<FrameworkView> completedFrameworks,
                         List<RoleRecord> roles, MasterCounts.TaskCounters taskCounters, MasterCounts.AgentCounters agentCounters,
                         long outstandingOffers, long pendingEvents, long allocationRuns,
                         Map<String, Long> activeFilters, boolean allocationQueued,
                         Maintenance.MaintenanceView maintenance) {
    public MasterView {
        activeFilters = Map.copyOf(activeFilters);
        agents = List.copyOf(agents);
        frameworks = List.copyOf(frameworks);
        completedFrameworks = List.copyOf(completedFrameworks);
        roles = List.copyOf(roles);
    }
}
