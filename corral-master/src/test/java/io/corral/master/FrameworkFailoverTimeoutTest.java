package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;



/**
 * The master's timers on a fake clock: a disconnected framework is removed when its failover timeout passes, not
 * before, and not at all if it resubscribes in time. No sleeping: time moves only when the test says so.
 */
class FrameworkFailoverTimeoutTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    private <T> T onLoop(Supplier<T> action) {
        return fixture.onLoop(action);
    }

    private void advance(Duration duration) {
        fixture.advance(duration);
    }

    private FrameworkID subscribe(FrameworkInfo info, RecordingLink link) {
        return fixture.subscribe(info, link);
    }

    private void disconnect(FrameworkID id, RecordingLink link) {
        link.open = false;
        fixture.run(() -> master.frameworks().streamClosed(id, link));
    }

    private boolean known(FrameworkID id) {
        return onLoop(() -> master.frameworks().all().stream().anyMatch(f -> f.id().equals(id)));
    }

    private static FrameworkInfo info(double failoverTimeoutSeconds) {
        return MasterFixture.frameworkInfo(failoverTimeoutSeconds);
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
        assertThat(master.view().join().completedFrameworks()).hasSize(1);
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
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        RecordingLink first = new RecordingLink();
        FrameworkID id = subscribe(info(60), first);
        onLoop(() -> {
            master.offers.allocate();
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
            master.offers.allocate();
            return null;
        });
        assertThat(second.events).anySatisfy(e -> assertThat(((Event) e).getType()).isEqualTo(Event.Type.OFFERS));
        assertThat(onLoop(master::outstandingOffers)).isEqualTo(1);
    }
}
