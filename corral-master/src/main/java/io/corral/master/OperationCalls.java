package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.OperationID;
import org.apache.mesos.v1.Protos.OperationState;
import org.apache.mesos.v1.Protos.OperationStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * The scheduler calls about offer operations' feedback: ACKNOWLEDGE_OPERATION_STATUS and RECONCILE_OPERATIONS.
 * Operations on an agent's own resources (RESERVE, UNRESERVE, CREATE, DESTROY) are decided and recorded by the master
 * itself ({@link Acceptance}), so their statuses come from the master, carry no uuid, and need no acknowledgement;
 * each framework's latest statuses are kept (boundedly) for reconciliation.
 *
 * <p>Threading: every method runs on the master's event loop.
 */
public final class OperationCalls {
    private final Master master;

    OperationCalls(Master master) {
        this.master = master;
    }

    /** Validated as Mesos does; the operation needs no reconciliation after it. */
    public void acknowledge(Framework framework, Call.AcknowledgeOperationStatus ack) {
        if (!ack.hasOperationId() || ack.getOperationId().getValue().isEmpty()) {
            throw Rejected.invalid("Expecting 'acknowledge_operation_status.operation_id' to be present");
        }
        if (ack.getUuid().size() != 16) {
            throw Rejected.invalid("Not a valid UUID: 'acknowledge_operation_status.uuid' must be 16 bytes");
        }
        framework.forgetOperation(ack.getOperationId());
    }

    /**
     * RECONCILE_OPERATIONS: with no operations, the latest status of each operation the master remembers for the
     * framework; else, for each one asked about, its latest status, or what the master can say without it:
     * OPERATION_UNREACHABLE on an unreachable agent, OPERATION_UNKNOWN otherwise.
     */
    public void reconcile(Framework framework, Call.ReconcileOperations reconcile) {
        if (reconcile.getOperationsCount() == 0) {
            framework.operations().values().forEach(status -> send(framework, status));
            return;
        }
        for (Call.ReconcileOperations.Operation query : reconcile.getOperationsList()) {
            OperationStatus known = framework.operations().get(query.getOperationId());
            send(framework, known != null ? known
                    : unknown(query.getOperationId(), query.hasAgentId() ? query.getAgentId() : null));
        }
    }

    private OperationStatus unknown(OperationID id, AgentID agentId) {
        Agent agent = agentId == null ? null : master.agents().get(agentId);
        OperationStatus.Builder status = OperationStatus.newBuilder().setOperationId(id)
                .setState(agent != null && agent.isUnreachable() ? OperationState.OPERATION_UNREACHABLE
                        : OperationState.OPERATION_UNKNOWN)
                .setMessage("Reconciliation: the master knows no status of this operation");
        if (agentId != null) {
            status.setAgentId(agentId);
        }
        return status.build();
    }

    private void send(Framework framework, OperationStatus status) {
        master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.UPDATE_OPERATION_STATUS)
                .setUpdateOperationStatus(Event.UpdateOperationStatus.newBuilder().setStatus(status)).build());
    }
}
