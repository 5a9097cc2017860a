package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OperationID;
import org.apache.mesos.v1.Protos.OperationState;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** UPDATE_FRAMEWORK, SHUTDOWN, MESSAGE and the operation feedback calls, on a master with a fake clock. */
class MoreSchedulerCallsTest {
    private final MasterFixture fixture = new MasterFixture();
    private final RecordingLink agentLink = new RecordingLink();
    private final AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(),
            List.of(), agentLink);
    private final RecordingLink link = new RecordingLink();
    private final FrameworkID frameworkId = fixture.subscribe(FrameworkInfo.newBuilder().setUser("u").setName("fw")
            .setRole("eng").setFailoverTimeout(60).build(), link);

    @AfterEach
    void close() {
        fixture.close();
    }


    private Frameworks frameworks() {
        return fixture.master.frameworks();
    }

    private io.corral.master.state.Framework framework() {
        return fixture.master.frameworks().get(frameworkId);
    }

    private FrameworkInfo info() {
        return framework().info();
    }

    @Test
    void updateFrameworkChangesTheInfoDurablyAndRefusesWhatMesosRefuses() {
        fixture.onLoop(() -> frameworks().updateFramework(framework(), Call.UpdateFramework.newBuilder()
                .setFrameworkInfo(info().toBuilder().setName("renamed").setFailoverTimeout(120)).build())).join();

        assertThat(info().getName()).isEqualTo("renamed");
        assertThat(fixture.registry.frameworks.get(frameworkId.getValue()).info().getFailoverTimeout())
                .isEqualTo(120.0);
        assertThatThrownBy(() -> fixture.onLoop(() -> frameworks().updateFramework(framework(),
                Call.UpdateFramework.newBuilder().setFrameworkInfo(info().toBuilder().setUser("root")).build())))
                .cause().isInstanceOf(Rejected.class).hasMessageContaining("'FrameworkInfo.user' is unsupported");
        assertThatThrownBy(() -> fixture.onLoop(() -> frameworks().updateFramework(framework(),
                Call.UpdateFramework.newBuilder().setFrameworkInfo(info().toBuilder()
                        .setId(FrameworkID.newBuilder().setValue("someone-else"))).build())))
                .cause().isInstanceOf(Rejected.class).hasMessageContaining("id of the calling framework");
    }

    @Test
    void updateFrameworkSuppressingItsRoleTakesBackItsOffersAndStopsNewOnes() {
        fixture.run(fixture.master.offers::allocate);
        assertThat(link.schedulerEvents(Event.Type.OFFERS)).hasSize(1);

        fixture.onLoop(() -> frameworks().updateFramework(framework(), Call.UpdateFramework.newBuilder()
                .setFrameworkInfo(info()).addSuppressedRoles("eng").build())).join();
        fixture.run(fixture.master.offers::allocate);

        assertThat(link.schedulerEvents(Event.Type.RESCIND)).hasSize(1);
        assertThat(link.schedulerEvents(Event.Type.OFFERS)).hasSize(1);
        assertThat(fixture.master.outstandingOffers()).isZero();
    }

    @Test
    void shutdownOfACommandTasksExecutorKillsTheTask() {
        fixture.run(fixture.master.offers::allocate);
        Offer offer = link.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0);
        fixture.run(() -> fixture.master.offers().accept(framework(), Call.Accept.newBuilder()
                .addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(TaskInfo.newBuilder()
                                .setName("t1").setTaskId(TaskID.newBuilder().setValue("t1")).setAgentId(agentId)
                                .setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                                .addAllResources(ResourceSet.parse("cpus:1;mem:64").toList())))).build()));

        fixture.run(() -> fixture.master.executors().shutdown(framework(), Call.Shutdown.newBuilder()
                .setExecutorId(ExecutorID.newBuilder().setValue("t1")).setAgentId(agentId).build()));

        assertThat(agentLink.agentEvents(AgentEvent.Type.KILL)).singleElement()
                .satisfies(e -> assertThat(e.kill().taskId().getValue()).isEqualTo("t1"));
        assertThatThrownBy(() -> fixture.onLoop(() -> {
            fixture.master.executors().shutdown(framework(), Call.Shutdown.newBuilder().setAgentId(agentId).buildPartial());
            return null;
        })).cause().isInstanceOf(Rejected.class).hasMessageContaining("executor_id");
    }

    @Test
    void operationFeedbackCallsAreValidatedAndReconciliationAnswersWhatTheMasterKnows() {
        fixture.run(fixture.master.offers::allocate);
        Offer offer = link.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0);
        fixture.run(() -> fixture.master.offers().accept(framework(), Call.Accept.newBuilder()
                .addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.UNRESERVE)
                        .setId(OperationID.newBuilder().setValue("op1"))
                        .setUnreserve(Offer.Operation.Unreserve.newBuilder()
                                .addAllResources(ResourceSet.parse("cpus(eng):1").toList()))).build()));

        fixture.run(() -> fixture.master.operationCalls().reconcile(framework(), Call.ReconcileOperations.newBuilder()
                .addOperations(Call.ReconcileOperations.Operation.newBuilder()
                        .setOperationId(OperationID.newBuilder().setValue("op1")))
                .addOperations(Call.ReconcileOperations.Operation.newBuilder()
                        .setOperationId(OperationID.newBuilder().setValue("never")).setAgentId(agentId)).build()));

        List<Event> statuses = link.schedulerEvents(Event.Type.UPDATE_OPERATION_STATUS);
        assertThat(statuses).extracting(e -> e.getUpdateOperationStatus().getStatus().getState())
                .containsExactly(OperationState.OPERATION_ERROR, OperationState.OPERATION_ERROR,
                        OperationState.OPERATION_UNKNOWN);
        assertThatThrownBy(() -> fixture.onLoop(() -> {
            fixture.master.operationCalls().acknowledge(framework(), Call.AcknowledgeOperationStatus.newBuilder()
                    .setOperationId(OperationID.newBuilder().setValue("op1")).setUuid(ByteString.copyFromUtf8("x"))
                    .build());
            return null;
        })).cause().isInstanceOf(Rejected.class).hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> fixture.onLoop(() -> {
            fixture.master.executors().message(framework(), Call.Message.newBuilder().setAgentId(agentId).buildPartial());
            return null;
        })).cause().isInstanceOf(Rejected.class).hasMessageContaining("message.executor_id");
    }
}
