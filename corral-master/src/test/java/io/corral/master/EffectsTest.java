package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.ManualTimers;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Decisions return their effects as data: what a call decided is read from the {@link Outbox} before anything is
 * sent, and {@link Streams} carries effects out in order (messages go to the stream current when they are sent; an
 * answer waits for the messages decided before it).
 */
class EffectsTest {
    private static final FrameworkID F1 = FrameworkID.newBuilder().setValue("f1").build();
    private static final AgentID A1 = AgentID.newBuilder().setValue("a1").build();

    private final MasterFixture fixture = new MasterFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aKillIsDecidedAsAMessageForTheAgentAndSentOnlyAfterTheEvent() {
        RecordingLink agentLink = new RecordingLink();
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:2;mem:1024"), List.of(), List.of(),
                agentLink);
        RecordingLink link = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), link);
        fixture.run(fixture.master.offers()::allocate);
        launch(frameworkId, agentId, link.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0));

        List<Effect> decided = fixture.onLoop(() -> {
            fixture.master.tasks().kill(fixture.master.frameworks().get(frameworkId), Call.Kill.newBuilder()
                    .setTaskId(TaskID.newBuilder().setValue("t1")).build());
            List<Effect> pending = fixture.master.outbox().pending();
            assertThat(agentLink.agentEvents(AgentEvent.Type.KILL)).as("nothing sent during the decision").isEmpty();
            return pending;
        });

        assertThat(decided).singleElement().isInstanceOfSatisfying(Effect.ToAgent.class, effect -> {
            assertThat(effect.agent()).isEqualTo(agentId);
            assertThat(effect.event().type()).isEqualTo(AgentEvent.Type.KILL);
            assertThat(effect.event().kill().taskId().getValue()).isEqualTo("t1");
        });
        assertThat(agentLink.agentEvents(AgentEvent.Type.KILL)).as("sent after the event").hasSize(1);
    }

    @Test
    void aFailoverSendsTheErrorOnTheOldStreamAndSubscribedOnTheNewOneAndAnswersLast() {
        RecordingLink first = new RecordingLink();
        FrameworkID id = fixture.subscribe(MasterFixture.frameworkInfo(60), first);
        RecordingLink second = new RecordingLink();
        Call resubscribe = Call.newBuilder().setType(Call.Type.SUBSCRIBE).setFrameworkId(id)
                .setSubscribe(Call.Subscribe.newBuilder()
                        .setFrameworkInfo(MasterFixture.frameworkInfo(60).toBuilder().setId(id))).build();

        CompletableFuture<Void> answered = fixture.onLoop(() -> fixture.master.frameworks().subscribe(resubscribe, java.util.Optional.empty(),
                frameworkId -> second));
        List<Event.Type> seenWhenAnswered = answered.thenApply(ok -> second.schedulerEvents(Event.Type.SUBSCRIBED)
                .stream().map(Event::getType).toList()).join();

        assertThat(first.schedulerEvents(Event.Type.ERROR)).singleElement()
                .satisfies(e -> assertThat(e.getError().getMessage()).isEqualTo("Framework failed over"));
        assertThat(first.isOpen()).isFalse();
        assertThat(seenWhenAnswered).as("SUBSCRIBED is on the new stream before the call is answered")
                .containsExactly(Event.Type.SUBSCRIBED);
        assertThat(second.isOpen()).isTrue();
    }

    @Test
    void streamsDeliverToTheCurrentStreamDropWhatHasNoneAndKeepOrder() {
        ManualTimers timers = new ManualTimers(0);
        Streams streams = new Streams(timers, () -> Duration.ofSeconds(15), new OperatorStreams(timers, new Outbox()));
        RecordingLink old = new RecordingLink();
        RecordingLink current = new RecordingLink();
        RecordingLink agent = new RecordingLink();
        CompletableFuture<Void> reply = new CompletableFuture<>();
        Event hello = error("hello");

        streams.carryOut(List.of(
                new Effect.ToFramework(F1, hello), // no stream yet: dropped
                new Effect.OpenFrameworkStream(F1, old),
                new Effect.ToFramework(F1, error("to old")),
                new Effect.OpenFrameworkStream(F1, current), // replaces (and closes) the old one
                new Effect.ToFramework(F1, error("to current")),
                new Effect.ToAgent(A1, AgentEvent.ping()), // no stream: dropped
                new Effect.OpenAgentStream(A1, agent),
                new Effect.ToAgent(A1, AgentEvent.ping()),
                new Effect.CloseAgentStream(A1),
                new Effect.ToAgent(A1, AgentEvent.ping()), // closed: dropped
                new Effect.Reply(reply)));

        assertThat(old.schedulerEvents(Event.Type.ERROR)).extracting(e -> e.getError().getMessage())
                .containsExactly("to old");
        assertThat(old.isOpen()).isFalse();
        assertThat(current.schedulerEvents(Event.Type.ERROR)).extracting(e -> e.getError().getMessage())
                .containsExactly("to current");
        assertThat(agent.agentEvents(AgentEvent.Type.PING)).hasSize(1);
        assertThat(agent.isOpen()).isFalse();
        assertThat(reply).isCompleted();

        timers.advance(Duration.ofSeconds(15));
        assertThat(current.schedulerEvents(Event.Type.HEARTBEAT)).as("the stream's heartbeat").hasSize(1);
        assertThat(old.schedulerEvents(Event.Type.HEARTBEAT)).isEmpty();
        streams.carryOut(List.of(new Effect.CloseFrameworkStream(F1)));
        timers.advance(Duration.ofSeconds(30));
        assertThat(current.schedulerEvents(Event.Type.HEARTBEAT)).as("no heartbeats once closed").hasSize(1);
    }

    private void launch(FrameworkID frameworkId, AgentID agentId, Offer offer) {
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId),
                Call.Accept.newBuilder().addOfferIds(offer.getId())
                        .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                                .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(TaskInfo.newBuilder()
                                        .setName("t1").setTaskId(TaskID.newBuilder().setValue("t1"))
                                        .setAgentId(agentId)
                                        .setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                                        .addAllResources(ResourceSet.parse("cpus:1;mem:64").toList()))))
                        .build()));
    }

    private static Event error(String message) {
        return Event.newBuilder().setType(Event.Type.ERROR).setError(Event.Error.newBuilder().setMessage(message))
                .build();
    }
}
