package io.corral.scheduler;

import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * Builders for the scheduler calls, without {@code framework_id}: {@link SchedulerClient#send} fills that in.
 * Pure functions, so the exact wire shape is testable without a master.
 */
public final class Calls {
    private Calls() {}

    /**
     * SUBSCRIBE. A first subscription carries no framework id; a resubscription must carry the same id both at the top
     * level and in {@code framework_info.id}, or the master rejects it with 400.
     */
    public static Call subscribe(FrameworkInfo info, FrameworkID knownId) {
        Call.Builder call = Call.newBuilder().setType(Call.Type.SUBSCRIBE);
        FrameworkInfo.Builder framework = info.toBuilder();
        if (knownId != null) {
            framework.setId(knownId);
            call.setFrameworkId(knownId);
        } else {
            framework.clearId();
        }
        return call.setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(framework)).build();
    }

    /** ACCEPT with one LAUNCH operation. All offers must be on the same agent. */
    public static Call launch(List<OfferID> offerIds, List<TaskInfo> tasks) {
        Offer.Operation launch = Offer.Operation.newBuilder()
                .setType(Offer.Operation.Type.LAUNCH)
                .setLaunch(Offer.Operation.Launch.newBuilder().addAllTaskInfos(tasks))
                .build();
        return Call.newBuilder().setType(Call.Type.ACCEPT)
                .setAccept(Call.Accept.newBuilder().addAllOfferIds(offerIds).addOperations(launch))
                .build();
    }

    /** DECLINE; the master will not offer these resources again for {@code refuseSeconds}. */
    public static Call decline(List<OfferID> offerIds, double refuseSeconds) {
        return Call.newBuilder().setType(Call.Type.DECLINE)
                .setDecline(Call.Decline.newBuilder().addAllOfferIds(offerIds)
                        .setFilters(Filters.newBuilder().setRefuseSeconds(refuseSeconds)))
                .build();
    }

    /** KILL; {@code agentId} may be null when unknown. */
    public static Call kill(TaskID taskId, AgentID agentId) {
        Call.Kill.Builder kill = Call.Kill.newBuilder().setTaskId(taskId);
        if (agentId != null) {
            kill.setAgentId(agentId);
        }
        return Call.newBuilder().setType(Call.Type.KILL).setKill(kill).build();
    }

    /**
     * ACKNOWLEDGE for an update that carries a uuid.
     *
     * @throws IllegalArgumentException for updates without a uuid (master-generated ones), which must not be acked
     */
    public static Call acknowledge(TaskStatus status) {
        if (!status.hasUuid() || !status.hasAgentId()) {
            throw new IllegalArgumentException("only status updates with a uuid and an agent_id can be acknowledged; "
                    + "task " + status.getTaskId().getValue() + " " + status.getState() + " has "
                    + (status.hasUuid() ? "no agent_id" : "no uuid"));
        }
        return Call.newBuilder().setType(Call.Type.ACKNOWLEDGE)
                .setAcknowledge(Call.Acknowledge.newBuilder()
                        .setAgentId(status.getAgentId())
                        .setTaskId(status.getTaskId())
                        .setUuid(status.getUuid()))
                .build();
    }

    /**
     * RECONCILE. An empty list asks for every task the master knows (implicit reconciliation); otherwise for the given
     * tasks, using each status's task id and (if set) agent id.
     */
    public static Call reconcile(List<TaskStatus> tasks) {
        Call.Reconcile.Builder reconcile = Call.Reconcile.newBuilder();
        for (TaskStatus status : tasks) {
            Call.Reconcile.Task.Builder task = Call.Reconcile.Task.newBuilder().setTaskId(status.getTaskId());
            if (status.hasAgentId()) {
                task.setAgentId(status.getAgentId());
            }
            reconcile.addTasks(task);
        }
        return Call.newBuilder().setType(Call.Type.RECONCILE).setReconcile(reconcile).build();
    }

    /** SUPPRESS for all of the framework's roles: no more offers until REVIVE. */
    public static Call suppress() {
        return Call.newBuilder().setType(Call.Type.SUPPRESS).setSuppress(Call.Suppress.getDefaultInstance()).build();
    }

    /** REVIVE for all roles: offers again, and the framework's decline filters are cleared. */
    public static Call revive() {
        return Call.newBuilder().setType(Call.Type.REVIVE).setRevive(Call.Revive.getDefaultInstance()).build();
    }

    /** TEARDOWN: the master kills the framework's tasks and forgets it. */
    public static Call teardown() {
        return Call.newBuilder().setType(Call.Type.TEARDOWN).build();
    }
}
