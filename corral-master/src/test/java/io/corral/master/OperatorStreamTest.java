package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.mesos.v1.master.Protos.Event.Type.AGENT_ADDED;
import static org.apache.mesos.v1.master.Protos.Event.Type.AGENT_REMOVED;
import static org.apache.mesos.v1.master.Protos.Event.Type.FRAMEWORK_ADDED;
import static org.apache.mesos.v1.master.Protos.Event.Type.FRAMEWORK_REMOVED;
import static org.apache.mesos.v1.master.Protos.Event.Type.FRAMEWORK_UPDATED;
import static org.apache.mesos.v1.master.Protos.Event.Type.HEARTBEAT;
import static org.apache.mesos.v1.master.Protos.Event.Type.SUBSCRIBED;
import static org.apache.mesos.v1.master.Protos.Event.Type.TASK_ADDED;
import static org.apache.mesos.v1.master.Protos.Event.Type.TASK_UPDATED;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.master.Protos.Event;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator event stream: SUBSCRIBED with the state as of then, every later change in the loop's order,
 * heartbeats, and at most {@link OperatorStreams#MAX_SUBSCRIBERS} subscribers.
 */
class OperatorStreamTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void anOperatorSeesTheStateThenEveryChangeInOrder() {
        RecordingLink agentLink = new RecordingLink();
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(),
                agentLink);
        RecordingLink operator = new RecordingLink();
        fixture.run(() -> master.subscribeOperator(operator));

        RecordingLink frameworkLink = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), frameworkLink);
        launch(frameworkId, agentId, frameworkLink);
        fixture.run(() -> master.agents().update(master.agents().get(agentId), new AgentCall.Update(frameworkId,
                TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t1")).setState(TaskState.TASK_RUNNING)
                        .setAgentId(agentId).setUuid(com.google.protobuf.ByteString.copyFrom(new byte[16])).build())));
        fixture.onLoop(() -> master.frameworks().teardown(master.frameworks().get(frameworkId))).join();
        fixture.advance(Duration.ofSeconds(75)); // the agent answers no PING: unreachable

        assertThat(operator.operatorEventTypes()).filteredOn(type -> type != HEARTBEAT).containsExactly(SUBSCRIBED,
                FRAMEWORK_ADDED, TASK_ADDED, TASK_UPDATED, TASK_UPDATED, FRAMEWORK_REMOVED, AGENT_REMOVED);
        Event subscribed = operatorEvents(operator).get(0);
        assertThat(subscribed.getSubscribed().getGetState().getGetAgents().getAgentsList())
                .extracting(agent -> agent.getAgentInfo().getId()).containsExactly(agentId);
        assertThat(subscribed.getSubscribed().getHeartbeatIntervalSeconds()).isEqualTo(15.0);
        List<Event> updates = operatorEvents(operator).stream().filter(e -> e.getType() == TASK_UPDATED).toList();
        assertThat(updates).extracting(e -> e.getTaskUpdated().getState())
                .containsExactly(TaskState.TASK_RUNNING, TaskState.TASK_KILLED);
        assertThat(operatorEvents(operator).get(2).getTaskAdded().getTask().getState())
                .isEqualTo(TaskState.TASK_STAGING);
    }

    @Test
    void anAgentRegisteringAndAFrameworkFailingOverAreAnnounced() {
        RecordingLink operator = new RecordingLink();
        fixture.run(() -> master.subscribeOperator(operator));
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        RecordingLink first = new RecordingLink();
        FrameworkID id = fixture.subscribe(MasterFixture.frameworkInfo(60), first);
        first.open = false;
        fixture.run(() -> master.frameworks().streamClosed(id, first));
        fixture.subscribe(MasterFixture.frameworkInfo(60).toBuilder().setId(id).build(), new RecordingLink());

        assertThat(operator.operatorEventTypes()).containsExactly(SUBSCRIBED, AGENT_ADDED, FRAMEWORK_ADDED,
                FRAMEWORK_UPDATED, FRAMEWORK_UPDATED);
        List<Event> events = operatorEvents(operator);
        assertThat(events.get(3).getFrameworkUpdated().getFramework().getConnected()).isFalse();
        assertThat(events.get(4).getFrameworkUpdated().getFramework().getConnected()).isTrue();
    }

    @Test
    void heartbeatsEveryFifteenSecondsAndClosedStreamsAreDropped() {
        RecordingLink stays = new RecordingLink();
        RecordingLink leaves = new RecordingLink();
        fixture.run(() -> master.subscribeOperator(stays));
        fixture.run(() -> master.subscribeOperator(leaves));
        leaves.open = false;

        fixture.advance(Duration.ofSeconds(45));

        assertThat(stays.operatorEventTypes()).containsExactly(SUBSCRIBED, HEARTBEAT, HEARTBEAT, HEARTBEAT);
        assertThat(leaves.operatorEventTypes()).containsExactly(SUBSCRIBED);
    }

    @Test
    void theOldestSubscriberIsClosedBeyondTheLimit() {
        List<RecordingLink> links = new ArrayList<>();
        for (int i = 0; i <= OperatorStreams.MAX_SUBSCRIBERS; i++) {
            RecordingLink link = new RecordingLink();
            links.add(link);
        }
        fixture.run(() -> links.forEach(master::subscribeOperator));

        assertThat(links.get(0).open).isFalse();
        assertThat(links.subList(1, links.size())).allMatch(link -> link.open);
    }

    private void launch(FrameworkID frameworkId, AgentID agentId, RecordingLink frameworkLink) {
        fixture.run(master.offers::allocate);
        Offer offer = frameworkLink.schedulerEvents(org.apache.mesos.v1.scheduler.Protos.Event.Type.OFFERS).get(0)
                .getOffers().getOffers(0);
        TaskInfo task = TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder().setValue("t1"))
                .setAgentId(agentId).setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                .addAllResources(ResourceSet.parse("cpus:1;mem:128").withAllocationRole("*").toList()).build();
        Call.Accept accept = Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)))
                .build();
        fixture.run(() -> master.offers().accept(master.frameworks().get(frameworkId), accept));
    }

    private static List<Event> operatorEvents(RecordingLink link) {
        return link.events.stream().filter(e -> e instanceof Event).map(Event.class::cast).toList();
    }
}
