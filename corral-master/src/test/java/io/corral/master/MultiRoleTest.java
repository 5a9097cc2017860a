package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Frameworks in several roles (MULTI_ROLE), per-role SUPPRESS and REVIVE, and GPU agents kept for GPU frameworks. */
class MultiRoleTest {
    private final MasterFixture fixture = new MasterFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    private void agents(int count, String resources) {
        for (int i = 0; i < count; i++) {
            fixture.registerAgent(MasterFixture.agentInfo(resources).toBuilder().setHostname("a" + i).build(),
                    List.of(), List.of(), new RecordingLink());
        }
    }

    private static FrameworkInfo multiRole(String... roles) {
        return FrameworkInfo.newBuilder().setUser("u").setName("multi").addAllRoles(List.of(roles))
                .addCapabilities(FrameworkInfo.Capability.newBuilder().setType(FrameworkInfo.Capability.Type.MULTI_ROLE))
                .build();
    }

    private static List<Offer> offers(RecordingLink link) {
        return link.schedulerEvents(Event.Type.OFFERS).stream().flatMap(e -> e.getOffers().getOffersList().stream())
                .toList();
    }

    private static Set<String> roles(List<Offer> offers) {
        return offers.stream().map(o -> o.getAllocationInfo().getRole()).collect(Collectors.toSet());
    }

    @Test
    void aFrameworkInTwoRolesIsOfferedInEachAndItsOffersSayTheRole() {
        agents(2, "cpus:2;mem:2048");
        RecordingLink link = new RecordingLink();
        fixture.subscribe(multiRole("a", "b"), link);

        fixture.run(fixture.master.offers::allocate);

        List<Offer> offers = offers(link);
        assertThat(roles(offers)).containsExactlyInAnyOrder("a", "b");
        for (Offer offer : offers) {
            assertThat(offer.getResourcesList()).allSatisfy(r ->
                    assertThat(r.getAllocationInfo().getRole()).isEqualTo(offer.getAllocationInfo().getRole()));
        }
    }

    @Test
    void suppressingOneRoleLeavesOffersInTheOther() {
        agents(2, "cpus:2;mem:2048");
        RecordingLink link = new RecordingLink();
        FrameworkID id = fixture.subscribe(multiRole("a", "b"), link);
        var framework = fixture.master.frameworks().get(id);

        fixture.run(() -> fixture.master.frameworks().suppress(framework,
                Call.Suppress.newBuilder().addRoles("a").build()));
        List<org.apache.mesos.v1.Protos.OfferID> outstanding = offers(link).stream().map(Offer::getId).toList();
        link.events.clear();
        fixture.run(() -> fixture.master.offers().decline(framework, outstanding,
                org.apache.mesos.v1.Protos.Filters.newBuilder().setRefuseSeconds(0).build()));
        fixture.run(fixture.master.offers::allocate);

        assertThat(roles(offers(link))).containsExactly("b");
        assertThatThrownBy(() -> fixture.onLoop(() -> {
            fixture.master.frameworks().suppress(framework, Call.Suppress.newBuilder().addRoles("c").build());
            return null;
        })).cause().isInstanceOf(Rejected.class).hasMessageContaining("not one of the framework's roles");

        fixture.run(() -> fixture.master.frameworks().revive(framework, Call.Revive.getDefaultInstance()));
        assertThat(fixture.onLoop(() -> fixture.master.offers.allocationInput().frameworks()))
                .extracting(io.corral.master.allocator.AllocationInput.FrameworkDemand::role)
                .containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aTaskWithResourcesOfAnotherRoleThanItsOfferIsATaskError() {
        agents(1, "cpus:2;mem:2048");
        RecordingLink link = new RecordingLink();
        FrameworkID id = fixture.subscribe(multiRole("a", "b"), link);
        fixture.run(fixture.master.offers::allocate);
        Offer offer = offers(link).get(0);
        String other = offer.getAllocationInfo().getRole().equals("a") ? "b" : "a";

        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(id),
                Call.Accept.newBuilder().addOfferIds(offer.getId()).addOperations(Offer.Operation.newBuilder()
                        .setType(Offer.Operation.Type.LAUNCH).setLaunch(Offer.Operation.Launch.newBuilder()
                                .addTaskInfos(TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder()
                                        .setValue("t")).setAgentId(offer.getAgentId())
                                        .setCommand(CommandInfo.newBuilder().setValue("true"))
                                        .addAllResources(ResourceSet.parse("cpus:1;mem:64")
                                                .withAllocationRole(other).toList())))).build()));

        assertThat(link.schedulerEvents(Event.Type.UPDATE)).singleElement().satisfies(e -> {
            assertThat(e.getUpdate().getStatus().getState()).isEqualTo(TaskState.TASK_ERROR);
            assertThat(e.getUpdate().getStatus().getMessage()).contains("allocated to role '" + other + "'");
        });
    }

    @Test
    void agentsWithGpusAreOfferedOnlyToFrameworksThatSayTheyUseThem() {
        agents(1, "cpus:2;mem:2048;gpus:1");
        RecordingLink plain = new RecordingLink();
        fixture.subscribe(FrameworkInfo.newBuilder().setUser("u").setName("plain").setRole("a").build(), plain);
        fixture.run(fixture.master.offers::allocate);
        assertThat(offers(plain)).isEmpty();

        RecordingLink gpu = new RecordingLink();
        fixture.subscribe(FrameworkInfo.newBuilder().setUser("u").setName("gpu").setRole("a")
                .addCapabilities(FrameworkInfo.Capability.newBuilder()
                        .setType(FrameworkInfo.Capability.Type.GPU_RESOURCES)).build(), gpu);
        fixture.run(fixture.master.offers::allocate);
        assertThat(offers(gpu)).singleElement().satisfies(o ->
                assertThat(ResourceSet.of(o.getResourcesList()).scalar("gpus")).isEqualTo(1.0));
        assertThat(offers(plain)).isEmpty();
    }
}
