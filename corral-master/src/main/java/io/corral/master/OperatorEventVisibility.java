package io.corral.master;

import java.util.List;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.master.Protos.Event;
import org.apache.mesos.v1.master.Protos.Response;

/**
 * Which operator events a subscriber may see, as Mesos's master decides per subscriber: a task's events
 * (TASK_ADDED, TASK_UPDATED) need both {@code view_tasks} for the task and {@code view_frameworks} for its framework;
 * a framework's events (FRAMEWORK_ADDED, FRAMEWORK_UPDATED, FRAMEWORK_REMOVED) need {@code view_frameworks}, and
 * show only resources of roles the subscriber may see ({@code view_roles}); agents' events go to everyone, AGENT_ADDED
 * without the resources of roles the subscriber may not see; heartbeats go to everyone. An event not shown is not
 * sent at all (Mesos does not tell the subscriber it missed something).
 *
 * <p>Pure; called on the master's loop, where operator events are sent. A subscriber who sees everything costs
 * nothing more than before.
 */
final class OperatorEventVisibility {
    private OperatorEventVisibility() {}

    /** What of {@code event} the subscriber {@code approver} describes may see; null when nothing. */
    static Event shown(OperatorEvent event, ViewApprover approver) {
        Event proto = event.event();
        if (approver == ViewApprover.all()) {
            return proto;
        }
        return switch (proto.getType()) {
            case TASK_ADDED, TASK_UPDATED -> frameworkShown(event, approver) && (event.task() == null
                    ? approver.seesAllFrameworks() : approver.task(event.task(), event.framework())) ? proto : null;
            case FRAMEWORK_REMOVED -> frameworkShown(event, approver) ? proto : null;
            case FRAMEWORK_ADDED -> frameworkShown(event, approver) ? proto.toBuilder()
                    .setFrameworkAdded(proto.getFrameworkAdded().toBuilder()
                            .setFramework(framework(proto.getFrameworkAdded().getFramework(), approver))).build()
                    : null;
            case FRAMEWORK_UPDATED -> frameworkShown(event, approver) ? proto.toBuilder()
                    .setFrameworkUpdated(proto.getFrameworkUpdated().toBuilder()
                            .setFramework(framework(proto.getFrameworkUpdated().getFramework(), approver))).build()
                    : null;
            case AGENT_ADDED -> approver.seesAllRoles() ? proto : proto.toBuilder()
                    .setAgentAdded(proto.getAgentAdded().toBuilder()
                            .setAgent(agent(proto.getAgentAdded().getAgent(), approver))).build();
            default -> proto;
        };
    }

    private static boolean frameworkShown(OperatorEvent event, ViewApprover approver) {
        return event.framework() == null ? approver.seesAllFrameworks() : approver.framework(event.framework());
    }

    private static Response.GetFrameworks.Framework framework(Response.GetFrameworks.Framework framework,
                                                              ViewApprover approver) {
        if (approver.seesAllRoles()) {
            return framework;
        }
        return framework.toBuilder()
                .clearAllocatedResources().addAllAllocatedResources(shown(framework.getAllocatedResourcesList(),
                        approver))
                .clearOfferedResources().addAllOfferedResources(shown(framework.getOfferedResourcesList(), approver))
                .build();
    }

    private static Response.GetAgents.Agent agent(Response.GetAgents.Agent agent, ViewApprover approver) {
        return agent.toBuilder()
                .setAgentInfo(agent.getAgentInfo().toBuilder().clearResources()
                        .addAllResources(shown(agent.getAgentInfo().getResourcesList(), approver)))
                .clearTotalResources().addAllTotalResources(shown(agent.getTotalResourcesList(), approver))
                .clearAllocatedResources().addAllAllocatedResources(shown(agent.getAllocatedResourcesList(), approver))
                .clearOfferedResources().addAllOfferedResources(shown(agent.getOfferedResourcesList(), approver))
                .build();
    }

    private static List<Resource> shown(List<Resource> resources, ViewApprover approver) {
        return resources.stream().filter(approver::resource).toList();
    }
}
