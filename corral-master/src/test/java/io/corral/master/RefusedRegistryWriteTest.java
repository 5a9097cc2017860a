package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.AgentState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.junit.jupiter.api.Test;

/**
 * A registry write ZooKeeper refuses (a deposed leader's fenced write, a lost quorum) leaves the master's state as it
 * was: nothing is applied in memory, the caller gets a 503 it can retry, and a change the master decided on its own
 * (an unreachable agent, a failover deadline, a removal) is tried again once the registry accepts writes.
 */
class RefusedRegistryWriteTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aSubscriptionTooLargeToRecordIsABadRequestNotARetry() {
        fixture.registry.tooLarge = true;
        AtomicBoolean streamOpened = new AtomicBoolean();

        Throwable failure = catchThrowable(() -> subscribeNoting(streamOpened));

        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        assertThat(cause).isInstanceOf(Rejected.class);
        assertThat(((Rejected) cause).reason()).as("400: retrying cannot help").isEqualTo(Rejected.Reason.INVALID);
        assertThat(cause.getMessage()).contains("cannot record the framework").contains("must stay under")
                .doesNotContain("retry");
        assertThat(streamOpened).isFalse();
        assertThat(fixture.onLoop(() -> master.frameworks().all().size())).isZero();
    }

    @Test
    void aRefusedSubscribeLeavesNoFrameworkAndOpensNoStream() {
        fixture.registry.refuse = true;
        AtomicBoolean streamOpened = new AtomicBoolean();

        Throwable failure = catchThrowable(() -> subscribeNoting(streamOpened));

        assertServiceUnavailable(failure);
        assertThat(streamOpened).isFalse();
        assertThat(fixture.onLoop(() -> master.frameworks().all().size())).isZero();
        assertThat(fixture.registry.frameworks).isEmpty();

        fixture.registry.refuse = false;
        assertThat(fixture.subscribe(MasterFixture.frameworkInfo(60), new RecordingLink())).isNotNull();
    }

    @Test
    void aWriteToAClosedRegistryIsRefusedLikeAnyOtherAndLeavesNoFramework() {
        fixture.registry.closed = true; // the term's store closed while the loop still runs (deposed)
        Call subscribe = Call.newBuilder().setType(Call.Type.SUBSCRIBE).setSubscribe(Call.Subscribe.newBuilder()
                .setFrameworkInfo(MasterFixture.frameworkInfo(60))).build();

        Throwable failure = catchThrowable(() -> fixture.onLoop(() -> master.frameworks().subscribe(subscribe,
                java.util.Optional.empty(), id -> new RecordingLink())).join());

        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        assertThat(cause).isInstanceOf(Rejected.class);
        assertThat(((Rejected) cause).reason()).isEqualTo(Rejected.Reason.UNAVAILABLE);
        assertThat(cause.getMessage()).contains("could not record").contains("the registry store is closed");
        assertThat(fixture.onLoop(() -> master.frameworks().all().size())).isZero();
    }

    @Test
    void aRefusedRegistrationLeavesNoAgent() {
        fixture.registry.refuse = true;
        AgentCall.Register register = new AgentCall.Register(AgentProtocol.VERSION,
                MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of());

        Throwable failure = catchThrowable(() -> fixture.onLoop(() -> master.agents().register(register,
                id -> new RecordingLink())).join());

        assertServiceUnavailable(failure);
        assertThat(fixture.onLoop(() -> master.agents().all().size())).isZero();
        assertThat(fixture.registry.agents).isEmpty();
    }

    @Test
    void anUnreachableMarkingTheRegistryRefusesChangesNothingUntilItIsAccepted() {
        Running r = runningTask();
        fixture.registry.refuse = true;

        fixture.advance(Duration.ofSeconds(90)); // silent past 5 x 15 s: the master decides it is unreachable

        assertThat(fixture.onLoop(() -> master.agents().get(r.agentId).isUnreachable())).isFalse();
        assertThat(r.agent.open).as("its stream stays as it was").isTrue();
        assertThat(updates(r.framework)).extracting(TaskStatus::getState).containsExactly(TaskState.TASK_RUNNING);
        assertThat(fixture.registry.agents.get(r.agentId.getValue()).state().kind()).isEqualTo(AgentState.Kind.ACTIVE);

        fixture.registry.refuse = false;
        fixture.advance(Master.RETRY_AFTER_REFUSED_WRITE);

        assertThat(fixture.onLoop(() -> master.agents().get(r.agentId).isUnreachable())).isTrue();
        assertThat(updates(r.framework)).extracting(TaskStatus::getState)
                .containsExactly(TaskState.TASK_RUNNING, TaskState.TASK_LOST);
        assertThat(fixture.registry.agents.get(r.agentId.getValue()).state().kind())
                .isEqualTo(AgentState.Kind.UNREACHABLE);
    }

    @Test
    void aFailoverDeadlineTheRegistryRefusesStartsNoTimerUntilItIsRecorded() {
        RecordingLink link = new RecordingLink();
        FrameworkID id = fixture.subscribe(MasterFixture.frameworkInfo(10), link);
        fixture.registry.refuse = true;
        link.open = false;
        fixture.run(() -> master.frameworks().streamClosed(id, link));

        fixture.advance(Duration.ofSeconds(30));
        assertThat(known(id)).as("no deadline was recorded, so none passed").isTrue();
        assertThat(fixture.registry.frameworks.get(id.getValue()).failoverDeadline()).isEmpty();

        fixture.registry.refuse = false;
        fixture.advance(Master.RETRY_AFTER_REFUSED_WRITE);
        assertThat(fixture.registry.frameworks.get(id.getValue()).failoverDeadline()).isPresent();
        fixture.advance(Duration.ofSeconds(10));
        assertThat(known(id)).isFalse();
        assertThat(fixture.registry.frameworks).doesNotContainKey(id.getValue());
    }

    @Test
    void aRefusedTeardownAnswers503AndKeepsTheFrameworkAndItsTasks() {
        Running r = runningTask();
        fixture.registry.refuse = true;

        Throwable failure = catchThrowable(() -> fixture.onLoop(() -> master.frameworks()
                .teardown(master.frameworks().get(r.frameworkId))).join());

        assertServiceUnavailable(failure);
        assertThat(known(r.frameworkId)).isTrue();
        assertThat(fixture.onLoop(() -> master.frameworks().get(r.frameworkId).tasks().size())).isEqualTo(1);
        assertThat(r.agent.agentEvents(AgentEvent.Type.SHUTDOWN_FRAMEWORK)).isEmpty();
        fixture.advance(Duration.ofSeconds(5));
        assertThat(known(r.frameworkId)).as("a refused TEARDOWN is the caller's to retry").isTrue();

        fixture.registry.refuse = false;
        fixture.onLoop(() -> master.frameworks().teardown(master.frameworks().get(r.frameworkId))).join();
        assertThat(known(r.frameworkId)).isFalse();
        assertThat(r.agent.agentEvents(AgentEvent.Type.SHUTDOWN_FRAMEWORK)).hasSize(1);
    }

    /** A new framework's SUBSCRIBE, noting whether the master opened its stream. */
    private void subscribeNoting(AtomicBoolean streamOpened) {
        Call subscribe = MasterFixture.subscribeCall(MasterFixture.frameworkInfo(60));
        fixture.onLoop(() -> master.frameworks().subscribe(subscribe, java.util.Optional.empty(), id -> {
            streamOpened.set(true);
            return new RecordingLink();
        })).join();
    }

    private static void assertServiceUnavailable(Throwable failure) {
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        assertThat(cause).isInstanceOf(Rejected.class);
        assertThat(((Rejected) cause).reason()).isEqualTo(Rejected.Reason.UNAVAILABLE);
        assertThat(cause.getMessage()).contains("could not record").contains("refused the write").contains("retry");
    }

    private boolean known(FrameworkID id) {
        return fixture.onLoop(() -> master.frameworks().contains(id));
    }

    private record Running(FrameworkID frameworkId, AgentID agentId, RecordingLink framework, RecordingLink agent) {}

    /** One agent, one framework (not partition-aware) with one RUNNING task on it. */
    private Running runningTask() {
        RecordingLink agentLink = new RecordingLink();
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(),
                agentLink);
        RecordingLink frameworkLink = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), frameworkLink);
        fixture.run(master.offers::allocate);
        Offer offer = frameworkLink.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0);
        TaskInfo task = TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder().setValue("t1"))
                .setAgentId(agentId).setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                .addAllResources(ResourceSet.parse("cpus:1;mem:128").withAllocationRole("*").toList()).build();
        Call.Accept accept = Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)))
                .build();
        fixture.run(() -> master.offers().accept(master.frameworks().get(frameworkId), accept));
        TaskStatus running = TaskStatus.newBuilder().setTaskId(task.getTaskId()).setState(TaskState.TASK_RUNNING)
                .setAgentId(agentId).setUuid(com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
        fixture.run(() -> master.agents().update(master.agents().get(agentId),
                new AgentCall.Update(frameworkId, running)));
        return new Running(frameworkId, agentId, frameworkLink, agentLink);
    }

    private static List<TaskStatus> updates(RecordingLink link) {
        return link.schedulerEvents(Event.Type.UPDATE).stream().map(e -> e.getUpdate().getStatus()).toList();
    }
}
