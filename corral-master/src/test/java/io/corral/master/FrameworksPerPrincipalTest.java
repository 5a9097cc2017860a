package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corral.master.MasterFixture.RecordingLink;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A principal may have at most {@code max_frameworks_per_principal} frameworks registered: each is a registry
 * document that outlives its connection, so without a bound one principal subscribing again and again would fill
 * ZooKeeper. Over it, a new framework is refused (403) and nothing is recorded; the principal's known frameworks
 * still resubscribe, other principals are not affected, and a teardown makes room.
 */
class FrameworksPerPrincipalTest {
    private final MasterFixture fixture = new MasterFixture(MasterConfig.defaults().withMaxFrameworksPerPrincipal(2));
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aPrincipalOverItsLimitCannotRegisterAnotherFrameworkButOthersCan() {
        FrameworkID first = fixture.subscribe(info("alice"), new RecordingLink());
        fixture.subscribe(info("alice"), new RecordingLink());

        Throwable refused = catchThrowable(() -> subscribe(info("alice")));

        assertThat(refused).isInstanceOf(CompletionException.class).cause().isInstanceOf(Rejected.class)
                .hasMessageContaining("Principal 'alice' already has 2 frameworks registered")
                .hasMessageContaining("max_frameworks_per_principal = 2");
        assertThat(((Rejected) refused.getCause()).reason()).isEqualTo(Rejected.Reason.FORBIDDEN);
        assertThat(fixture.registry.frameworks).hasSize(2);
        assertThat(fixture.subscribe(info("bob"), new RecordingLink())).as("another principal").isNotNull();
        assertThat(fixture.subscribe(info("alice").toBuilder().setId(first).build(), new RecordingLink()))
                .as("a known framework resubscribes").isEqualTo(first);
    }

    @Test
    void aFrameworkIdTheMasterDoesNotKnowCountsAsANewFramework() {
        fixture.subscribe(info("alice"), new RecordingLink());
        fixture.subscribe(info("alice"), new RecordingLink());

        Throwable refused = catchThrowable(() -> subscribe(info("alice").toBuilder()
                .setId(FrameworkID.newBuilder().setValue("chosen-by-the-client")).build()));

        assertThat(refused).cause().isInstanceOf(Rejected.class).hasMessageContaining("already has 2 frameworks");
        assertThat(fixture.registry.frameworks).hasSize(2);
    }

    @Test
    void aTeardownMakesRoomForANewFramework() {
        FrameworkID first = fixture.subscribe(info("alice"), new RecordingLink());
        fixture.subscribe(info("alice"), new RecordingLink());

        fixture.onLoop(() -> master.frameworks().teardown(master.frameworks().get(first))).join();
        fixture.run(() -> { });

        assertThat(fixture.subscribe(info("alice"), new RecordingLink())).isNotNull();
        assertThat(fixture.registry.frameworks).hasSize(2);
    }

    @Test
    void subscriptionsOnTheirWayToTheRegistryCountToo() {
        fixture.subscribe(info("alice"), new RecordingLink());
        fixture.registry.holdWrites();
        var inFlight = fixture.onLoop(() -> master.frameworks().subscribe(call(info("alice")), Optional.of("alice"),
                id -> new RecordingLink()));

        Throwable refused = catchThrowable(() -> subscribe(info("alice")));
        fixture.registry.releaseHeld();
        inFlight.join();

        assertThat(refused).cause().isInstanceOf(Rejected.class).hasMessageContaining("already has 1 frameworks");
        assertThat(fixture.registry.frameworks).hasSize(2);
    }

    private void subscribe(FrameworkInfo info) {
        fixture.onLoop(() -> master.frameworks().subscribe(call(info), Optional.of(info.getPrincipal()),
                id -> new RecordingLink())).join();
    }

    private static Call call(FrameworkInfo info) {
        return MasterFixture.subscribeCall(info);
    }

    private static FrameworkInfo info(String principal) {
        return MasterFixture.frameworkInfo(3600).toBuilder().setPrincipal(principal).build();
    }
}
