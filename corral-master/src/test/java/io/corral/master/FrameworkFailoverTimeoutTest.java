package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.allocator.FairShareAllocator;
import io.corral.master.state.AgentLink;
import io.corral.master.state.FrameworkLink;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.ManualTimers;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The master's timers on a fake clock: a disconnected framework is removed when its failover timeout passes, not
 * before, and not at all if it resubscribes in time. No sleeping: time moves only when the test says so.
 */
class FrameworkFailoverTimeoutTest {
    private final EventLoop loop = new EventLoop("test-master");
    private final ManualTimers timers = new ManualTimers(1_700_000_000_000L);
    private final Master master = new Master(MasterInfos.create("m1", "127.0.0.1", "127.0.0.1", 5050, "1.11.0"),
            MasterConfig.defaults(), loop, timers, new FairShareAllocator(), new Random(1));

    /** A stream that records what the master sends. */
    static final class RecordingLink implements FrameworkLink, AgentLink {
        final List<Object> events = new CopyOnWriteArrayList<>();
        volatile boolean open = true;

        @Override public String streamId() { return "stream-" + System.identityHashCode(this); }
        @Override public void send(Event event) { events.add(event); }
        @Override public void send(AgentEvent event) { events.add(event); }
        @Override public boolean isOpen() { return open; }
        @Override public void close() { open = false; }
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    private <T> T onLoop(Supplier<T> action) {
        return master.submit(action).join();
    }

    private void advance(Duration duration) {
        onLoop(() -> {
            timers.advance(duration);
            return null;
        });
    }

    private FrameworkID subscribe(FrameworkInfo info, RecordingLink link) {
        Call.Builder call = Call.newBuilder().setType(Call.Type.SUBSCRIBE)
                .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(info));
        if (info.hasId()) {
            call.setFrameworkId(info.getId());
        }
        onLoop(() -> {
            master.schedulerCalls().subscribe(call.build(), id -> link);
            return null;
        });
        Event subscribed = (Event) link.events.get(0);
        assertThat(subscribed.getType()).isEqualTo(Event.Type.SUBSCRIBED);
        return subscribed.getSubscribed().getFrameworkId();
    }

    private void disconnect(FrameworkID id, RecordingLink link) {
        link.open = false;
        onLoop(() -> {
            master.schedulerCalls().streamClosed(id, link);
            return null;
        });
    }

    private boolean known(FrameworkID id) {
        return onLoop(() -> master.frameworks().stream().anyMatch(f -> f.id().equals(id)));
    }

    private static FrameworkInfo info(double failoverTimeoutSeconds) {
        return FrameworkInfo.newBuilder().setUser("u").setName("fw").setFailoverTimeout(failoverTimeoutSeconds)
                .build();
    }

    @Test
    void removedWhenTheFailoverTimeoutPassesAndNotBefore() {
        RecordingLink link = new RecordingLink();
        FrameworkID id = subscribe(info(10), link);
        disconnect(id, link);

        advance(Duration.ofMillis(9_999));
        assertThat(known(id)).isTrue();
        advance(Duration.ofMillis(1));
        assertThat(known(id)).isFalse();
        assertThat(onLoop(() -> master.completedFrameworks().size())).isEqualTo(1);
    }

    @Test
    void resubscribingInTimeKeepsTheFramework() {
        RecordingLink first = new RecordingLink();
        FrameworkID id = subscribe(info(10), first);
        disconnect(id, first);
        advance(Duration.ofSeconds(5));

        RecordingLink second = new RecordingLink();
        assertThat(subscribe(info(10).toBuilder().setId(id).build(), second)).isEqualTo(id);
        advance(Duration.ofMinutes(5));
        assertThat(known(id)).isTrue();
    }

    @Test
    void zeroFailoverTimeoutMeansImmediateTeardown() {
        RecordingLink link = new RecordingLink();
        FrameworkID id = subscribe(info(0), link);
        disconnect(id, link);
        assertThat(known(id)).isFalse();
    }

    @Test
    void heartbeatsEveryFifteenSecondsWhileSubscribed() {
        RecordingLink link = new RecordingLink();
        subscribe(info(0), link);
        advance(Duration.ofSeconds(45));
        assertThat(link.events).filteredOn(e -> e instanceof Event ev && ev.getType() == Event.Type.HEARTBEAT)
                .hasSize(3);
    }

    @Test
    void resubscriptionClosesTheOldStreamWithAnErrorAndRescindsNothingVisible() {
        RecordingLink agentLink = new RecordingLink();
        onLoop(() -> {
            master.agentCalls().register(new AgentCall.Register(AgentProtocol.VERSION, AgentInfo.newBuilder()
                    .setHostname("a1").setPort(5051)
                    .addAllResources(ResourceSet.parse("cpus:4;mem:4096").toList()).build(), List.of(), List.of()),
                    agentId -> agentLink);
            return null;
        });
        RecordingLink first = new RecordingLink();
        FrameworkID id = subscribe(info(60), first);
        onLoop(() -> {
            master.allocate();
            return null;
        });
        assertThat(first.events).anySatisfy(e -> assertThat(((Event) e).getType()).isEqualTo(Event.Type.OFFERS));
        assertThat(onLoop(master::outstandingOffers)).isEqualTo(1);

        RecordingLink second = new RecordingLink();
        subscribe(info(60).toBuilder().setId(id).build(), second);

        Event last = (Event) first.events.get(first.events.size() - 1);
        assertThat(last.getType()).isEqualTo(Event.Type.ERROR);
        assertThat(last.getError().getMessage()).isEqualTo("Framework failed over");
        assertThat(first.open).isFalse();
        // The old offer was discarded; the allocation that follows offers the agent again on the new stream.
        onLoop(() -> {
            master.allocate();
            return null;
        });
        assertThat(second.events).anySatisfy(e -> assertThat(((Event) e).getType()).isEqualTo(Event.Type.OFFERS));
        assertThat(onLoop(master::outstandingOffers)).isEqualTo(1);
    }
}
