package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent protocol's UPDATES call: several status updates in one call, each handled as its own UPDATE would be, or
 * none of them when one is bad; an agent speaking only for its own tasks; and the REGISTERED event that tells agents
 * the master takes UPDATES.
 */
class AgentUpdatesCallTest {
    private final MasterFixture fixture = new MasterFixture();
    private final RecordingLink agentLink = new RecordingLink();
    private final RecordingLink framework = new RecordingLink();
    private AgentID agentId;
    private FrameworkID frameworkId;

    @BeforeEach
    void launchTwoTasks() {
        agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), agentLink);
        frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        fixture.run(() -> fixture.master.offers.allocate());
        Offer offer = framework.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0);
        Call.Accept.Builder accept = Call.Accept.newBuilder().addOfferIds(offer.getId());
        Offer.Operation.Launch.Builder launch = Offer.Operation.Launch.newBuilder();
        for (String id : List.of("t1", "t2")) {
            launch.addTaskInfos(TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                    .setAgentId(agentId).setCommand(CommandInfo.newBuilder().setValue("true"))
                    .addAllResources(ResourceSet.parse("cpus:1;mem:128").toList()));
        }
        accept.addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH).setLaunch(launch));
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId),
                accept.build()));
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void theMasterSaysItTakesUpdatesCalls() {
        assertThat(agentLink.agentEvents(AgentEvent.Type.REGISTERED).get(0).registered().takesUpdates()).isTrue();
    }

    @Test
    void everyUpdateOfTheCallReachesItsFrameworkInOrder() {
        fixture.run(() -> fixture.master.agents().updates(fixture.master.agents().get(agentId), List.of(
                update("t1", TaskState.TASK_RUNNING, 16), update("t2", TaskState.TASK_RUNNING, 16),
                update("t1", TaskState.TASK_FINISHED, 16))));

        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).extracting(
                event -> event.getUpdate().getStatus().getTaskId().getValue() + " "
                        + event.getUpdate().getStatus().getState())
                .containsExactly("t1 TASK_RUNNING", "t2 TASK_RUNNING", "t1 TASK_FINISHED");
    }

    @Test
    void aCallWithOneBadUpdateIsRefusedWholeAndChangesNothing() {
        assertThatThrownBy(() -> fixture.onLoop(() -> {
            fixture.master.agents().updates(fixture.master.agents().get(agentId), List.of(
                    update("t1", TaskState.TASK_RUNNING, 16), update("t2", TaskState.TASK_RUNNING, 15)));
            return null;
        })).rootCause().isInstanceOfSatisfying(Rejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Rejected.Reason.INVALID))
                .hasMessage("Expecting 'updates[1].status.uuid' to be a UUID (16 bytes)");

        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).isEmpty();
        assertThat(stateOf("t1")).isEqualTo(TaskState.TASK_STAGING);
    }

    @Test
    void anEmptyOrOversizedCallIsRefused() {
        List<AgentCall.Update> tooMany = java.util.Collections.nCopies(AgentCall.MAX_UPDATES + 1,
                update("t1", TaskState.TASK_RUNNING, 16));
        for (List<AgentCall.Update> updates : List.of(List.<AgentCall.Update>of(), tooMany)) {
            assertThatThrownBy(() -> fixture.onLoop(() -> {
                fixture.master.agents().updates(fixture.master.agents().get(agentId), updates);
                return null;
            })).rootCause().isInstanceOf(Rejected.class);
        }
        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).isEmpty();
    }

    @Test
    void anAgentCannotReportAnotherAgentsTaskByNamingThatAgent() {
        AgentID other = registerSecondAgent(new RecordingLink());

        assertThatThrownBy(() -> fixture.onLoop(() -> {
            fixture.master.agents().updates(fixture.master.agents().get(other),
                    List.of(update("t1", TaskState.TASK_FAILED, 16)));
            return null;
        })).rootCause().isInstanceOfSatisfying(Rejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Rejected.Reason.FORBIDDEN))
                .hasMessageContaining("'updates[0].status.agent_id' is " + agentId.getValue());

        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).isEmpty();
        assertThat(stateOf("t1")).isEqualTo(TaskState.TASK_STAGING);
    }

    @Test
    void anAgentsUpdateOfATaskRunningElsewhereIsNotForwardedButAcknowledgedSoItStops() {
        RecordingLink otherLink = new RecordingLink();
        AgentID other = registerSecondAgent(otherLink);
        AgentCall.Update noAgentId = new AgentCall.Update(frameworkId, update("t1", TaskState.TASK_FAILED, 16)
                .status().toBuilder().clearAgentId().build());

        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(other), noAgentId));

        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).isEmpty();
        assertThat(stateOf("t1")).isEqualTo(TaskState.TASK_STAGING);
        assertThat(otherLink.agentEvents(AgentEvent.Type.ACKNOWLEDGE)).singleElement()
                .satisfies(ack -> assertThat(ack.acknowledge().taskId().getValue()).isEqualTo("t1"));
    }

    @Test
    void anUpdateWithoutAnAgentIdReachesTheFrameworkNamingTheAgentThatSentIt() {
        AgentCall.Update noAgentId = new AgentCall.Update(frameworkId, update("t1", TaskState.TASK_RUNNING, 16)
                .status().toBuilder().clearAgentId().build());

        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(agentId), noAgentId));

        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).singleElement()
                .satisfies(event -> assertThat(event.getUpdate().getStatus().getAgentId()).isEqualTo(agentId));
        assertThat(stateOf("t1")).isEqualTo(TaskState.TASK_RUNNING);
    }

    @Test
    void anUpdateResentBeforeItsAcknowledgementReachesTheFrameworksStreamOnceAndANewStreamAgain() {
        AgentCall.Update running = new AgentCall.Update(frameworkId, update("t1", TaskState.TASK_RUNNING, 16).status()
                .toBuilder().setUuid(ByteString.copyFrom(new byte[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}))
                .build());
        for (int sent = 0; sent < 3; sent++) {
            fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(agentId), running));
        }
        assertThat(framework.schedulerEvents(Event.Type.UPDATE)).as("the stream carries it once").hasSize(1);

        RecordingLink resubscribed = new RecordingLink();
        fixture.subscribe(MasterFixture.frameworkInfo(60).toBuilder().setId(frameworkId).build(), resubscribed);
        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(agentId), running));

        assertThat(resubscribed.schedulerEvents(Event.Type.UPDATE)).as("a new stream gets the next resend")
                .singleElement().satisfies(event -> assertThat(event.getUpdate().getStatus()).isEqualTo(
                        running.status()));
    }

    private AgentID registerSecondAgent(RecordingLink link) {
        return fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:1024").toBuilder().setHostname("a2").build(),
                List.of(), List.of(), link);
    }

    private TaskState stateOf(String taskId) {
        return fixture.onLoop(() -> fixture.master.agents().get(agentId).task(frameworkId,
                TaskID.newBuilder().setValue(taskId).build()).state());
    }

    private AgentCall.Update update(String taskId, TaskState state, int uuidBytes) {
        return new AgentCall.Update(frameworkId, TaskStatus.newBuilder()
                .setTaskId(TaskID.newBuilder().setValue(taskId)).setAgentId(agentId).setState(state)
                .setUuid(ByteString.copyFrom(new byte[uuidBytes])).build());
    }
}
