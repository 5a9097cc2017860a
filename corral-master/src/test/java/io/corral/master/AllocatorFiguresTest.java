package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.WeightInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code allocator/mesos/...} figures of a real master (fake clock), as {@code /metrics/snapshot} reports them
 * from its published view: they follow what frameworks are offered and what their tasks use.
 */
class AllocatorFiguresTest {
    private final AllocationTimes times = AllocationTimes.unregistered();
    private final MasterFixture fixture = new MasterFixture(MasterConfig.defaults(), times);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aRolesDominantShareFollowsItsOffersAndTasks() {
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096;disk:1000"), List.of(),
                List.of(), new RecordingLink());
        RecordingLink framework = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60).toBuilder().setRole("eng")
                .build(), framework);
        Map<String, Number> subscribed = snapshot();
        assertThat(subscribed).containsEntry("allocator/mesos/resources/cpus/total", 4.0)
                .containsEntry("allocator/mesos/resources/mem/total", 4096.0);

        fixture.run(() -> fixture.master.offers.allocate());
        Map<String, Number> offered = snapshot();
        assertThat(offered).as("offered resources count, as in Mesos's allocator")
                .containsEntry("allocator/mesos/roles/eng/shares/dominant", 1.0)
                .containsEntry("allocator/mesos/resources/cpus/offered_or_allocated", 4.0)
                .containsEntry("allocator/mesos/offer_filters/roles/eng/active", 0L);

        launch(frameworkId, lastOffer(framework), agentId, "cpus:1;mem:2048"); // the rest is filtered for 5 s
        Map<String, Number> launched = snapshot();
        assertThat(launched).as("max(1/4 cpus, 2048/4096 mem)")
                .containsEntry("allocator/mesos/roles/eng/shares/dominant", 0.5)
                .containsEntry("allocator/mesos/resources/cpus/offered_or_allocated", 1.0)
                .containsEntry("allocator/mesos/resources/mem/offered_or_allocated", 2048.0)
                .containsEntry("allocator/mesos/offer_filters/roles/eng/active", 1L);

        fixture.advance(Duration.ofSeconds(6)); // the filter expired and the rest was offered again
        fixture.run(() -> fixture.master.offers.allocate());
        assertThat(snapshot()).containsEntry("allocator/mesos/offer_filters/roles/eng/active", 0L)
                .containsEntry("allocator/mesos/roles/eng/shares/dominant", 1.0);
    }

    @Test
    void weightsDivideSharesAndQuotaIsReportedAgainstUse() {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());
        fixture.onLoop(() -> fixture.master.roleCalls().updateQuota(false,
                List.of(RoleCallsTest.quota("eng", 2, 3)))).join();
        fixture.onLoop(() -> fixture.master.roleCalls().updateWeights(
                List.of(WeightInfo.newBuilder().setRole("eng").setWeight(2).build()))).join();
        fixture.subscribe(MasterFixture.frameworkInfo(60).toBuilder().setRole("eng").build(), new RecordingLink());
        fixture.run(() -> fixture.master.offers.allocate()); // the quota's limit: 3 of the 4 cpus are offered

        assertThat(snapshot())
                .containsEntry("allocator/mesos/quota/roles/eng/resources/cpus/guarantee", 2.0)
                .containsEntry("allocator/mesos/quota/roles/eng/resources/cpus/limit", 3.0)
                .containsEntry("allocator/mesos/quota/roles/eng/resources/cpus/consumed", 0.0)
                .containsEntry("allocator/mesos/quota/roles/eng/resources/cpus/offered_or_allocated", 3.0)
                .containsKey("allocator/mesos/roles/eng/shares/dominant")
                .doesNotContainKey("allocator/mesos/quota/roles/eng/resources/mem/guarantee");
        double share = snapshot().get("allocator/mesos/roles/eng/shares/dominant").doubleValue();
        double heldMem = snapshot().get("allocator/mesos/resources/mem/offered_or_allocated").doubleValue();
        assertThat(share).as("weight 2 halves it").isEqualTo(Math.max(3.0 / 4, heldMem / 4096) / 2);
    }

    @Test
    void allocationCyclesAreCountedAndTimed() {
        assertThat(snapshot()).containsEntry("allocator/mesos/allocation_runs", 0L)
                .doesNotContainKey("allocator/mesos/allocation_run_ms");

        fixture.run(() -> fixture.master.offers.allocate());
        assertThat(snapshot()).containsKey("allocator/mesos/allocation_run_ms")
                .doesNotContainKey("allocator/mesos/allocation_run_ms/count");

        fixture.run(() -> fixture.master.offers.allocate());
        Map<String, Number> two = snapshot();
        assertThat(two).containsEntry("allocator/mesos/allocation_runs", 2L)
                .containsEntry("allocator/mesos/allocation_run_ms/count", 2L)
                .containsKeys("allocator/mesos/allocation_run_ms/min", "allocator/mesos/allocation_run_ms/p9999")
                .containsEntry("allocator/mesos/event_queue_dispatches", 0L);
        assertThat(two.get("allocator/mesos/allocation_run_ms/max").doubleValue())
                .isGreaterThanOrEqualTo(two.get("allocator/mesos/allocation_run_ms/min").doubleValue())
                .isGreaterThan(0.0);
    }

    private Map<String, Number> snapshot() {
        MasterView view = fixture.master.view().join();
        return MasterMetrics.snapshot(new MasterMetrics.Input(true, Duration.ZERO,
                Optional.of(MasterCounting.count(view, times.stats())), MasterMetricsTest.ZOOKEEPER));
    }

    private static Offer lastOffer(RecordingLink framework) {
        List<Event> offers = framework.schedulerEvents(Event.Type.OFFERS);
        assertThat(offers).isNotEmpty();
        return offers.get(offers.size() - 1).getOffers().getOffers(0);
    }

    private void launch(FrameworkID frameworkId, Offer offer, AgentID agentId, String resources) {
        TaskInfo task = TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder().setValue("t1"))
                .setAgentId(agentId).setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                .addAllResources(ResourceSet.parse(resources).withAllocationRole("eng").toList()).build();
        Call.Accept accept = Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)))
                .build();
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId), accept));
    }

}
