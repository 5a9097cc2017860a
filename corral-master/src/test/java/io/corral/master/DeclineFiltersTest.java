package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A framework that declines an agent is not offered it again until its filter expires or it revives, and then it is,
 * at the next allocation (the cycles read the filters from a copy the master keeps while they do not change).
 */
class DeclineFiltersTest {
    private final MasterFixture fixture = new MasterFixture();
    private final RecordingLink framework = new RecordingLink();

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aDeclinedAgentComesBackWhenItsFilterExpiresOrTheFrameworkRevives() {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        FrameworkID id = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        fixture.advance(Duration.ofSeconds(1));
        assertThat(offers()).isEqualTo(1);

        decline(lastOffer(), 10);
        fixture.advance(Duration.ofSeconds(5)); // allocation ran every second meanwhile
        assertThat(offers()).as("filtered for 10 s").isEqualTo(1);
        fixture.advance(Duration.ofSeconds(6));
        assertThat(offers()).as("offered again once the filter expired").isEqualTo(2);

        decline(lastOffer(), 3600);
        fixture.advance(Duration.ofSeconds(5));
        assertThat(offers()).as("filtered for an hour").isEqualTo(2);
        fixture.run(() -> fixture.master.frameworks().revive(fixture.master.frameworks().get(id),
                Call.Revive.getDefaultInstance()));
        fixture.advance(Duration.ofSeconds(1));
        assertThat(offers()).as("offered again after REVIVE").isEqualTo(3);
    }

    private void decline(Offer offer, double seconds) {
        fixture.run(() -> fixture.master.offers().decline(
                fixture.master.frameworks().get(offer.getFrameworkId()), List.of(offer.getId()),
                Filters.newBuilder().setRefuseSeconds(seconds).build()));
    }

    private int offers() {
        return framework.schedulerEvents(Event.Type.OFFERS).stream().mapToInt(e -> e.getOffers().getOffersCount())
                .sum();
    }

    private Offer lastOffer() {
        List<Event> events = framework.schedulerEvents(Event.Type.OFFERS);
        return events.get(events.size() - 1).getOffers().getOffers(0);
    }
}
