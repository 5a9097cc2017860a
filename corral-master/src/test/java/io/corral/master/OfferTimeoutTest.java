package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.Test;

/** offer_timeout (unset by default, as in Mesos): an unanswered offer is rescinded when it passes. */
class OfferTimeoutTest {

    private static MasterConfig withOfferTimeout(Optional<Duration> timeout) {
        MasterConfig d = MasterConfig.defaults();
        return new MasterConfig(d.heartbeatInterval(), d.agentPingInterval(), d.maxAgentPingTimeouts(),
                d.allocationInterval(), timeout, d.agentReregisterTimeout(), d.maxFrameworksPerPrincipal());
    }

    private static RecordingLink offered(MasterFixture fixture) {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        RecordingLink framework = new RecordingLink();
        fixture.subscribe(MasterFixture.frameworkInfo(0), framework);
        fixture.run(fixture.master.offers::allocate);
        assertThat(framework.schedulerEvents(Event.Type.OFFERS)).hasSize(1);
        return framework;
    }

    @Test
    void unansweredOfferIsRescindedWhenTheTimeoutPasses() {
        try (MasterFixture fixture = new MasterFixture(withOfferTimeout(Optional.of(Duration.ofSeconds(30))))) {
            RecordingLink framework = offered(fixture);
            fixture.advance(Duration.ofSeconds(29));
            assertThat(framework.schedulerEvents(Event.Type.RESCIND)).isEmpty();
            fixture.advance(Duration.ofSeconds(1));
            assertThat(framework.schedulerEvents(Event.Type.RESCIND)).hasSize(1);
        }
    }

    @Test
    void withoutATimeoutOffersStay() {
        try (MasterFixture fixture = new MasterFixture()) {
            RecordingLink framework = offered(fixture);
            fixture.advance(Duration.ofSeconds(70)); // (at 75 s the silent test agent would be unreachable)
            assertThat(framework.schedulerEvents(Event.Type.RESCIND)).isEmpty();
        }
    }
}
