package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Allocation cycles asked for by events (fake clock, no periodic cycle in the test's hour): an agent's event offers
 * that agent at once and leaves the others to the periodic cycle, as Mesos's event-driven allocations do; a
 * framework's event looks at every agent; a decline waits for the periodic cycle.
 */
class EventDrivenAllocationTest {
    private static final MasterConfig HOURLY = new MasterConfig(Duration.ofSeconds(15), Duration.ofSeconds(15), 5,
            Duration.ofHours(1), Optional.empty(), Duration.ofMinutes(10),
            MasterConfig.DEFAULT_MAX_FRAMEWORKS_PER_PRINCIPAL);

    private final MasterFixture fixture = new MasterFixture(HOURLY);
    private final RecordingLink framework = new RecordingLink();
    private AgentID a;
    private AgentID b;
    private FrameworkID frameworkId;

    @BeforeEach
    void twoAgentsOfferedToOneFramework() {
        a = fixture.registerAgent(agentInfo("a"), List.of(), List.of(), new RecordingLink());
        b = fixture.registerAgent(agentInfo("b"), List.of(), List.of(), new RecordingLink());
        frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        fixture.run(() -> { }); // the cycle the subscription asked for
        assertThat(offeredAgents()).as("a subscription asks for a cycle over every agent").containsOnly(a, b);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void anAcceptsLeftoversAreOfferedAtOnceAndOtherAgentsWaitForThePeriodicCycle() {
        Offer onA = lastOffer(a);
        decline(lastOffer(b), 1); // b is filtered for 1 s
        fixture.advance(Duration.ofSeconds(2)); // b's filter has expired: only a cycle over b sees it
        framework.events.clear();

        launch(onA, "cpus:1;mem:1024");

        assertThat(offeredAgents()).as("a's leftovers at once; b only when a cycle looks at it").containsOnly(a);
        assertThat(ResourceSet.of(lastOffer(a).getResourcesList()).withoutAllocationInfo())
                .isEqualTo(ResourceSet.parse("cpus:3;mem:3072"));

        framework.events.clear();
        fixture.run(() -> fixture.master.offers.allocate()); // the periodic cycle
        assertThat(offeredAgents()).containsOnly(b);
    }

    @Test
    void aDeclinedOfferComesBackWithThePeriodicCycleNotAtOnceAsInMesos() {
        decline(lastOffer(a), 0); // no filter: a framework that will take a's resources later, not now
        framework.events.clear();
        fixture.run(() -> { }); // anything queued behind the decline

        assertThat(offeredAgents()).as("no cycle follows a decline: it would offer a straight back").isEmpty();

        fixture.run(() -> fixture.master.offers.allocate()); // the periodic cycle
        assertThat(offeredAgents()).containsOnly(a);
    }

    @Test
    void aReviveLooksAtEveryAgent() {
        decline(lastOffer(a), 3600);
        decline(lastOffer(b), 3600);
        framework.events.clear();

        fixture.run(() -> fixture.master.frameworks().revive(fixture.master.frameworks().get(frameworkId),
                Call.Revive.getDefaultInstance()));

        assertThat(offeredAgents()).containsOnly(a, b);
    }

    private static org.apache.mesos.v1.Protos.AgentInfo agentInfo(String host) {
        return MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder().setHostname(host).build();
    }

    private List<AgentID> offeredAgents() {
        return framework.schedulerEvents(Event.Type.OFFERS).stream()
                .flatMap(event -> event.getOffers().getOffersList().stream()).map(Offer::getAgentId).toList();
    }

    private Offer lastOffer(AgentID agent) {
        List<Offer> offers = framework.schedulerEvents(Event.Type.OFFERS).stream()
                .flatMap(event -> event.getOffers().getOffersList().stream())
                .filter(offer -> offer.getAgentId().equals(agent)).toList();
        assertThat(offers).as("offers of agent %s", agent.getValue()).isNotEmpty();
        return offers.get(offers.size() - 1);
    }

    private void decline(Offer offer, double refuseSeconds) {
        fixture.run(() -> fixture.master.offers().decline(fixture.master.frameworks().get(frameworkId),
                List.of(offer.getId()), Filters.newBuilder().setRefuseSeconds(refuseSeconds).build()));
    }

    private void launch(Offer offer, String resources) {
        TaskInfo task = TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder().setValue("t1"))
                .setAgentId(offer.getAgentId()).setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                .addAllResources(ResourceSet.parse(resources).withAllocationRole("*").toList()).build();
        Call.Accept accept = Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)))
                .setFilters(Filters.newBuilder().setRefuseSeconds(0))
                .build();
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId), accept));
    }
}
