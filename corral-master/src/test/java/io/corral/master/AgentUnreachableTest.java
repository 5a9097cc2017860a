package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
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
 * An agent silent for max_agent_ping_timeouts x agent_ping_timeout (75 s) is marked unreachable: its tasks are
 * reported TASK_UNREACHABLE (partition-aware) or TASK_LOST, by the master, without a uuid; when it re-registers its
 * tasks are reported again with REASON_AGENT_REREGISTERED, and nothing is killed.
 */
class AgentUnreachableTest {
    private final MasterFixture fixture = new MasterFixture();

    @AfterEach
    void stop() {
        fixture.close();
    }

    private record Running(FrameworkID frameworkId, AgentID agentId, TaskInfo task, RecordingLink framework,
                           RecordingLink agent, FrameworkInfo frameworkInfo) {}

    /** A framework with one RUNNING task on one agent. */
    private Running runningTask(boolean partitionAware) {
        RecordingLink agentLink = new RecordingLink();
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(),
                agentLink);
        FrameworkInfo.Builder info = MasterFixture.frameworkInfo(60).toBuilder();
        if (partitionAware) {
            info.addCapabilities(FrameworkInfo.Capability.newBuilder()
                    .setType(FrameworkInfo.Capability.Type.PARTITION_AWARE));
        }
        RecordingLink frameworkLink = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(info.build(), frameworkLink);
        fixture.run(() -> fixture.master.offers.allocate());
        Offer offer = frameworkLink.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0);
        TaskInfo task = TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder().setValue("t1"))
                .setAgentId(agentId).setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                .addAllResources(ResourceSet.parse("cpus:1;mem:128").withAllocationRole("*").toList()).build();
        Call.Accept accept = Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(org.apache.mesos.v1.Protos.Offer.Operation.newBuilder()
                        .setType(org.apache.mesos.v1.Protos.Offer.Operation.Type.LAUNCH)
                        .setLaunch(org.apache.mesos.v1.Protos.Offer.Operation.Launch.newBuilder().addTaskInfos(task)))
                .build();
        fixture.run(() -> fixture.master.offers().accept(
                fixture.master.frameworks().get(frameworkId), accept));
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH)).hasSize(1);
        TaskStatus running = TaskStatus.newBuilder().setTaskId(task.getTaskId()).setState(TaskState.TASK_RUNNING)
                .setAgentId(agentId).setUuid(com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(agentId),
                new AgentCall.Update(frameworkId, running)));
        return new Running(frameworkId, agentId, task, frameworkLink, agentLink, info.setId(frameworkId).build());
    }

    private List<TaskStatus> updates(RecordingLink link) {
        return link.schedulerEvents(Event.Type.UPDATE).stream().map(e -> e.getUpdate().getStatus()).toList();
    }

    @Test
    void silentAgentIsMarkedUnreachableAfterTheLastPingTimeout() {
        Running r = runningTask(true);

        fixture.advance(Duration.ofSeconds(74));
        assertThat(updates(r.framework())).extracting(TaskStatus::getState).containsExactly(TaskState.TASK_RUNNING);
        assertThat(r.agent().agentEvents(AgentEvent.Type.PING)).isNotEmpty();

        fixture.advance(Duration.ofSeconds(1));
        TaskStatus unreachable = updates(r.framework()).get(1);
        assertThat(unreachable.getState()).isEqualTo(TaskState.TASK_UNREACHABLE);
        assertThat(unreachable.getReason()).isEqualTo(TaskStatus.Reason.REASON_AGENT_REMOVED);
        assertThat(unreachable.getSource()).isEqualTo(TaskStatus.Source.SOURCE_MASTER);
        assertThat(unreachable.hasUuid()).isFalse();
        assertThat(unreachable.hasUnreachableTime()).isTrue();
        assertThat(r.agent().open).as("the agent's stream is closed").isFalse();
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(r.agentId()).isUnreachable())).isTrue();
        assertThat(r.framework().schedulerEvents(Event.Type.FAILURE)).as("FAILURE tells the agent was lost")
                .singleElement().satisfies(e -> {
                    assertThat(e.getFailure().getAgentId()).isEqualTo(r.agentId());
                    assertThat(e.getFailure().hasExecutorId()).isFalse();
                });
    }

    @Test
    void eachAgentIsPingedOnItsOwnPhaseFromWhenItRegistered() {
        RecordingLink first = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:128"), List.of(), List.of(), first);
        fixture.advance(Duration.ofSeconds(5));
        RecordingLink second = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:128").toBuilder().setHostname("a2").build(),
                List.of(), List.of(), second);

        fixture.advance(Duration.ofSeconds(10)); // 15 s after the first registered, 10 s after the second
        assertThat(first.agentEvents(AgentEvent.Type.PING)).hasSize(1);
        assertThat(second.agentEvents(AgentEvent.Type.PING)).as("not at the same instant").isEmpty();

        fixture.advance(Duration.ofSeconds(5));
        assertThat(first.agentEvents(AgentEvent.Type.PING)).hasSize(1);
        assertThat(second.agentEvents(AgentEvent.Type.PING)).hasSize(1);
    }

    @Test
    void frameworksThatAreNotPartitionAwareSeeTaskLost() {
        Running r = runningTask(false);
        fixture.advance(Duration.ofSeconds(75));
        assertThat(updates(r.framework()).get(1).getState()).isEqualTo(TaskState.TASK_LOST);
    }

    @Test
    void anAgentThatAnswersPingsStaysReachable() {
        Running r = runningTask(true);
        for (int i = 0; i < 10; i++) {
            fixture.advance(Duration.ofSeconds(15));
            fixture.run(() -> fixture.master.agents().heard(fixture.master.agents().get(r.agentId())));
        }
        assertThat(updates(r.framework())).extracting(TaskStatus::getState).containsExactly(TaskState.TASK_RUNNING);
    }

    @Test
    void returningAgentReportsItsTasksWithReasonAgentReregistered() {
        Running r = runningTask(true);
        fixture.advance(Duration.ofSeconds(75));

        TaskStatus stillRunning = TaskStatus.newBuilder().setTaskId(r.task().getTaskId())
                .setState(TaskState.TASK_RUNNING).setAgentId(r.agentId()).build();
        RecordingLink newLink = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder().setId(r.agentId()).build(),
                List.of(new AgentCall.RunningTask(r.frameworkId(), r.task(), stillRunning)),
                List.of(r.frameworkInfo()), newLink);

        TaskStatus back = updates(r.framework()).get(2);
        assertThat(back.getState()).isEqualTo(TaskState.TASK_RUNNING);
        assertThat(back.getReason()).isEqualTo(TaskStatus.Reason.REASON_AGENT_REREGISTERED);
        assertThat(newLink.agentEvents(AgentEvent.Type.KILL)).as("nothing is killed").isEmpty();
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(r.agentId()).isUnreachable())).isFalse();
    }

    @Test
    void aKillAskedWhileTheAgentWasAwayIsSentWhenItComesBack() {
        Running r = runningTask(true);
        fixture.advance(Duration.ofSeconds(75));
        fixture.run(() -> fixture.master.tasks().kill(fixture.master.frameworks().get(r.frameworkId()),
                Call.Kill.newBuilder().setTaskId(r.task().getTaskId()).build()));

        TaskStatus stillRunning = TaskStatus.newBuilder().setTaskId(r.task().getTaskId())
                .setState(TaskState.TASK_RUNNING).setAgentId(r.agentId()).build();
        RecordingLink newLink = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder().setId(r.agentId()).build(),
                List.of(new AgentCall.RunningTask(r.frameworkId(), r.task(), stillRunning)),
                List.of(r.frameworkInfo()), newLink);

        assertThat(newLink.agentEvents(AgentEvent.Type.KILL)).as("the framework's kill, not forgotten")
                .singleElement().satisfies(e -> assertThat(e.kill().taskId()).isEqualTo(r.task().getTaskId()));
    }

    @Test
    void aFrameworkTornDownWhileTheAgentWasAwayIsShutDownThereNotRevived() {
        Running r = runningTask(true);
        fixture.advance(Duration.ofSeconds(75));
        fixture.onLoop(() -> fixture.master.frameworks().teardown(
                fixture.master.frameworks().get(r.frameworkId()))).join();

        TaskStatus stillRunning = TaskStatus.newBuilder().setTaskId(r.task().getTaskId())
                .setState(TaskState.TASK_RUNNING).setAgentId(r.agentId()).build();
        RecordingLink newLink = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder().setId(r.agentId()).build(),
                List.of(new AgentCall.RunningTask(r.frameworkId(), r.task(), stillRunning)),
                List.of(r.frameworkInfo()), newLink);

        assertThat(newLink.agentEvents(AgentEvent.Type.SHUTDOWN_FRAMEWORK)).singleElement().satisfies(e ->
                assertThat(e.shutdownFramework().frameworkId()).isEqualTo(r.frameworkId()));
        assertThat(fixture.onLoop(() -> fixture.master.frameworks().contains(r.frameworkId()))).isFalse();
        assertThat(fixture.onLoop(() -> fixture.master.agents().get(r.agentId()).used().isEmpty())).isTrue();
    }

    /**
     * Issue 10, defect 8: a task that exited 0 stays TASK_FINISHED when its framework goes away before acknowledging
     * the update (Mesos keeps a task's latest state); it was recorded TASK_KILLED.
     */
    @Test
    void aFinishedButUnacknowledgedTaskStaysFinishedWhenItsFrameworkIsRemoved() {
        Running r = runningTask(false);
        TaskStatus finished = TaskStatus.newBuilder().setTaskId(r.task().getTaskId())
                .setState(TaskState.TASK_FINISHED).setAgentId(r.agentId())
                .setUuid(com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(r.agentId()),
                new AgentCall.Update(r.frameworkId(), finished)));

        fixture.onLoop(() -> fixture.master.frameworks().teardown(
                fixture.master.frameworks().get(r.frameworkId()))).join();

        MasterCounts.TaskCounters counters = MasterCounting.count(fixture.master.view().join()).taskCounters();
        assertThat(counters.finished()).isEqualTo(1);
        assertThat(counters.killed()).isZero();
    }

    @Test
    void anAgentMarkedGoneTakesItsEndedButUnacknowledgedTasksWithIt() {
        Running r = runningTask(true);
        TaskStatus finished = TaskStatus.newBuilder().setTaskId(r.task().getTaskId())
                .setState(TaskState.TASK_FINISHED).setAgentId(r.agentId())
                .setUuid(com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(r.agentId()),
                new AgentCall.Update(r.frameworkId(), finished)));

        fixture.onLoop(() -> fixture.master.agentModes().markGone(r.agentId())).join();

        var framework = fixture.master.frameworks().get(r.frameworkId());
        assertThat(fixture.onLoop(() -> framework.tasks().containsKey(r.task().getTaskId())))
                .as("no task left on an agent the master no longer lists").isFalse();
        assertThat(fixture.onLoop(() -> framework.completedTasks().stream().map(t -> t.id()).toList()))
                .contains(r.task().getTaskId());
    }
}
