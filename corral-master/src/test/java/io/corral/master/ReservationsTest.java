package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.RegistryMeta;
import io.corral.zookeeper.registry.RegistrySnapshot;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OperationID;
import org.apache.mesos.v1.Protos.OperationState;
import org.apache.mesos.v1.Protos.OperationStatus;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Dynamic reservations and persistent volumes, from a framework's ACCEPT and from the operator API: what the
 * framework is told, what the registry records, who is offered the reserved resources, and what a new leader knows.
 */
class ReservationsTest {
    private final MasterFixture fixture = new MasterFixture();
    private final RecordingLink agentLink = new RecordingLink();
    private final AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096;disk:1000"),
            List.of(), List.of(), agentLink);

    @AfterEach
    void close() {
        fixture.close();
    }

    private static FrameworkInfo framework(String role) {
        return FrameworkInfo.newBuilder().setUser("u").setName("fw-" + role).setRole(role).setPrincipal("web")
                .build();
    }

    private static Resource reserved(String name, double value, String role) {
        return MesosJson.parse("{\"name\":\"" + name + "\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + value
                + "},\"role\":\"" + role + "\",\"reservation\":{\"principal\":\"web\"}}", Resource.getDefaultInstance());
    }

    private static Resource volume(String id, double size) {
        return MesosJson.parse("{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + size
                + "},\"role\":\"eng\",\"reservation\":{\"principal\":\"web\"},"
                + "\"disk\":{\"persistence\":{\"id\":\"" + id + "\",\"principal\":\"web\"},"
                + "\"volume\":{\"container_path\":\"data\",\"mode\":\"RW\"}}}", Resource.getDefaultInstance());
    }

    private static Offer.Operation reserve(String id, Resource... resources) {
        return Offer.Operation.newBuilder().setType(Offer.Operation.Type.RESERVE).setId(OperationID.newBuilder()
                .setValue(id)).setReserve(Offer.Operation.Reserve.newBuilder().addAllResources(List.of(resources)))
                .build();
    }

    private static Offer.Operation create(String id, Resource volume) {
        return Offer.Operation.newBuilder().setType(Offer.Operation.Type.CREATE).setId(OperationID.newBuilder()
                .setValue(id)).setCreate(Offer.Operation.Create.newBuilder().addVolumes(volume)).build();
    }

    private Offer.Operation launch(String taskId, Resource... resources) {
        return Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(TaskInfo.newBuilder().setName(taskId)
                        .setTaskId(TaskID.newBuilder().setValue(taskId)).setAgentId(agentId)
                        .setCommand(CommandInfo.newBuilder().setValue("true")).addAllResources(List.of(resources))))
                .build();
    }

    private void accept(FrameworkID frameworkId, Offer offer, Offer.Operation... operations) {
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId),
                Call.Accept.newBuilder().addOfferIds(offer.getId()).addAllOperations(List.of(operations)).build()));
    }

    private static Offer lastOffer(RecordingLink link) {
        List<Event> offers = link.schedulerEvents(Event.Type.OFFERS);
        assertThat(offers).isNotEmpty();
        return offers.get(offers.size() - 1).getOffers().getOffers(0);
    }

    private static List<OperationStatus> operationStatuses(RecordingLink link) {
        return link.schedulerEvents(Event.Type.UPDATE_OPERATION_STATUS).stream()
                .map(e -> e.getUpdateOperationStatus().getStatus()).toList();
    }

    private List<Resource> recorded() {
        return fixture.registry.agents.get(agentId.getValue()).checkpointed();
    }

    @Test
    void aFrameworkReservesCreatesAVolumeAndLaunchesOnThemInOneAccept() {
        RecordingLink link = new RecordingLink();
        FrameworkID eng = fixture.subscribe(framework("eng"), link);
        fixture.run(fixture.master.offers::allocate);

        accept(eng, lastOffer(link),
                reserve("r1", reserved("cpus", 1, "eng"), reserved("disk", 500, "eng")),
                create("v1", volume("db", 200)),
                launch("t1", reserved("cpus", 1, "eng"), volume("db", 200)));

        assertThat(operationStatuses(link)).extracting(s -> s.getOperationId().getValue(), OperationStatus::getState)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("r1", OperationState.OPERATION_FINISHED),
                        org.assertj.core.groups.Tuple.tuple("v1", OperationState.OPERATION_FINISHED));
        ResourceSet checkpointed = ResourceSet.of(recorded());
        assertThat(checkpointed.scalar("cpus")).isEqualTo(1.0);
        assertThat(checkpointed.scalar("disk")).isEqualTo(500.0);
        assertThat(checkpointed.filter(Reservations::isPersistentVolume).scalar("disk")).isEqualTo(200.0);
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH)).singleElement().satisfies(e ->
                assertThat(e.launch().task().getTaskId().getValue()).isEqualTo("t1"));
        assertThat(agentLink.agentEvents(AgentEvent.Type.CHECKPOINT_RESOURCES)).last().satisfies(e ->
                assertThat(ResourceSet.of(e.checkpointResources().resources())).isEqualTo(checkpointed));
        var agent = fixture.master.agents().get(agentId);
        assertThat(agent.total().scalar("cpus")).isEqualTo(4.0);
        assertThat(agent.total().filter(Reservations::isUnreserved)).isEqualTo(ResourceSet.parse("cpus:3;mem:4096;disk:500"));
        assertThat(agent.used().scalar("cpus")).isEqualTo(1.0);
    }

    @Test
    void reservedResourcesAreOfferedOnlyToTheirRoleAndInTheFormatEachFrameworkReads() {
        RecordingLink engLink = new RecordingLink();
        FrameworkID eng = fixture.subscribe(framework("eng"), engLink);
        fixture.run(fixture.master.offers::allocate);
        accept(eng, lastOffer(engLink), reserve("r1", reserved("cpus", 2, "eng"), reserved("mem", 1024, "eng")));
        fixture.run(() -> fixture.master.frameworks().teardown(fixture.master.frameworks().get(eng)));

        RecordingLink opsLink = new RecordingLink();
        fixture.subscribe(framework("ops"), opsLink);
        fixture.run(fixture.master.offers::allocate);
        Offer toOps = lastOffer(opsLink);
        assertThat(toOps.getResourcesList()).allSatisfy(r -> assertThat(r.getRole()).isEqualTo("*"));
        assertThat(ResourceSet.of(toOps.getResourcesList()).scalar("cpus")).isEqualTo(2.0);

        RecordingLink web = new RecordingLink();
        fixture.subscribe(framework("eng").toBuilder().addCapabilities(FrameworkInfo.Capability.newBuilder()
                .setType(FrameworkInfo.Capability.Type.RESERVATION_REFINEMENT)).build(), web);
        fixture.run(fixture.master.offers::allocate);
        Offer toEng = lastOffer(web);
        assertThat(toEng.getResourcesList()).filteredOn(r -> r.getName().equals("cpus")).singleElement()
                .satisfies(r -> {
                    assertThat(r.hasRole()).isFalse(); // the stack form, for a refinement-capable framework
                    assertThat(r.getReservations(0).getRole()).isEqualTo("eng");
                    assertThat(r.getReservations(0).getPrincipal()).isEqualTo("web");
                });
    }

    @Test
    void anInvalidOperationIsDroppedWithOperationErrorAndTheRestGoesOn() {
        RecordingLink link = new RecordingLink();
        FrameworkID eng = fixture.subscribe(framework("eng"), link);
        fixture.run(fixture.master.offers::allocate);

        accept(eng, lastOffer(link), reserve("wrong-role", reserved("cpus", 1, "ops")),
                launch("t1", ResourceSet.parse("cpus:1;mem:128").toList().toArray(new Resource[0])));

        assertThat(operationStatuses(link)).singleElement().satisfies(s -> {
            assertThat(s.getState()).isEqualTo(OperationState.OPERATION_ERROR);
            assertThat(s.getMessage()).contains("does not match the offer's allocation role 'eng'");
        });
        assertThat(recorded()).isEmpty();
        assertThat(fixture.master.frameworks().get(eng).tasks())
                .containsKey(TaskID.newBuilder().setValue("t1").build());
    }

    @Test
    void aReservationTheRegistryRefusesChangesNothingAndFailsTheAccept() {
        RecordingLink link = new RecordingLink();
        FrameworkID eng = fixture.subscribe(framework("eng"), link);
        fixture.run(fixture.master.offers::allocate);
        fixture.registry.refuse = true;

        accept(eng, lastOffer(link), reserve("r1", reserved("cpus", 1, "eng")),
                launch("t1", reserved("cpus", 1, "eng")));

        assertThat(operationStatuses(link)).singleElement().satisfies(s ->
                assertThat(s.getState()).isEqualTo(OperationState.OPERATION_FAILED));
        assertThat(link.schedulerEvents(Event.Type.UPDATE)).singleElement().satisfies(e ->
                assertThat(e.getUpdate().getStatus().getState()).isEqualTo(TaskState.TASK_LOST));
        var agent = fixture.master.agents().get(agentId);
        assertThat(agent.total()).isEqualTo(ResourceSet.parse("cpus:4;mem:4096;disk:1000"));
        assertThat(agent.used().isEmpty()).isTrue();
        assertThat(agent.offered().isEmpty()).isTrue();
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH)).isEmpty();
    }

    @Test
    void anOperatorReservesAndANewLeaderKnowsTheReservation() {
        fixture.onLoop(() -> fixture.master.reservationCalls().reserve(agentId, List.of(),
                List.of(reserved("cpus", 2, "eng"), reserved("mem", 512, "eng")))).join();

        assertThat(ResourceSet.of(recorded())).isEqualTo(ResourceSet.of(List.of(reserved("cpus", 2, "eng"),
                reserved("mem", 512, "eng"))));
        MasterFixture next = new MasterFixture();
        try {
            next.run(() -> next.master.recover(new RegistrySnapshot(RegistryMeta.UNCLAIMED,
                    List.copyOf(fixture.registry.agents.values()), List.of(), List.of())));
            var recovered = next.master.agents().get(agentId);
            assertThat(recovered.total().filter(r -> !Reservations.isUnreserved(r)))
                    .isEqualTo(ResourceSet.of(recorded()));
            assertThat(recovered.total().scalar("cpus")).isEqualTo(4.0);
        } finally {
            next.close();
        }
    }

    /**
     * Was (found by the fuzz test): offers made while the reservation was being written held the agent's unreserved
     * cpus, which its new total no longer had, and every allocation after failed ("Cannot subtract").
     */
    @Test
    void anAgentIsNotOfferedWhileAReservationOfItIsBeingWritten() {
        RecordingLink framework = new RecordingLink();
        fixture.subscribe(framework("*"), framework);
        fixture.run(() -> fixture.master.offers.allocate());
        int offersBefore = framework.schedulerEvents(Event.Type.OFFERS).size();
        fixture.registry.holdWrites();
        var reserving = fixture.onLoop(() -> fixture.master.reservationCalls().reserve(agentId, List.of(),
                List.of(reserved("cpus", 2, "eng"))));

        fixture.run(() -> fixture.master.offers.allocate());

        assertThat(framework.schedulerEvents(Event.Type.OFFERS)).as("no offer while the write is in flight")
                .hasSize(offersBefore);
        fixture.registry.releaseHeld();
        reserving.join();
        fixture.run(() -> fixture.master.offers.allocate());
        var agent = fixture.onLoop(() -> fixture.master.agents().get(agentId));
        assertThat(fixture.onLoop(agent::free).plus(agent.offered()).plus(agent.used())).isEqualTo(agent.total());
        Offer offer = framework.schedulerEvents(Event.Type.OFFERS).get(offersBefore).getOffers().getOffers(0);
        assertThat(ResourceSet.of(offer.getResourcesList()).withoutAllocationInfo())
                .isEqualTo(ResourceSet.parse("cpus:2;mem:4096;disk:1000"));
    }

    @Test
    void operatorCallsAreRefusedWithMesossCodesAndChangeNothing() {
        assertThatThrownBy(() -> fixture.onLoop(() -> fixture.master.reservationCalls().reserve(
                AgentID.newBuilder().setValue("nobody").build(), List.of(), List.of(reserved("cpus", 1, "eng")))))
                .cause().isInstanceOf(Rejected.class).hasMessageContaining("No agent found");
        assertThatThrownBy(() -> fixture.onLoop(() -> fixture.master.reservationCalls().reserve(agentId, List.of(),
                List.of(reserved("cpus", 9, "eng")))).join())
                .isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(Rejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Rejected.Reason.CONFLICT));
        assertThatThrownBy(() -> fixture.onLoop(() -> fixture.master.reservationCalls().unreserve(agentId,
                List.of(reserved("cpus", 1, "eng")))).join())
                .cause().isInstanceOfSatisfying(Rejected.class,
                        e -> assertThat(e.reason()).isEqualTo(Rejected.Reason.CONFLICT));
        assertThatThrownBy(() -> fixture.onLoop(() -> fixture.master.reservationCalls().createVolumes(agentId,
                List.of(ResourceSet.parse("disk:10").toList().get(0)))).join())
                .cause().isInstanceOfSatisfying(Rejected.class, e -> {
                    assertThat(e.reason()).isEqualTo(Rejected.Reason.INVALID);
                    assertThat(e.getMessage()).contains("is not a persistent volume");
                });
        assertThat(recorded()).isEmpty();
    }

    @Test
    void volumesGrowAndShrinkThroughTheOperatorApiAndAnAccept() {
        fixture.onLoop(() -> fixture.master.reservationCalls().reserve(agentId, List.of(),
                List.of(reserved("disk", 600, "eng"), reserved("cpus", 1, "eng"), reserved("mem", 64, "eng"))))
                .join();
        fixture.onLoop(() -> fixture.master.reservationCalls().createVolumes(agentId,
                List.of(volume("db", 100)))).join();

        fixture.onLoop(() -> fixture.master.reservationCalls().growVolume(agentId, volume("db", 100),
                reserved("disk", 300, "eng"))).join();
        assertThat(ResourceSet.of(recorded()).filter(Reservations::isPersistentVolume).scalar("disk"))
                .isEqualTo(400.0);

        RecordingLink link = new RecordingLink();
        FrameworkID eng = fixture.subscribe(framework("eng"), link);
        fixture.run(fixture.master.offers::allocate);
        accept(eng, lastOffer(link), Offer.Operation.newBuilder().setType(Offer.Operation.Type.SHRINK_VOLUME)
                .setId(OperationID.newBuilder().setValue("shrink"))
                .setShrinkVolume(Offer.Operation.ShrinkVolume.newBuilder().setVolume(volume("db", 400))
                        .setSubtract(org.apache.mesos.v1.Protos.Value.Scalar.newBuilder().setValue(350)))
                .build());

        assertThat(operationStatuses(link)).singleElement().satisfies(st ->
                assertThat(st.getState()).isEqualTo(OperationState.OPERATION_FINISHED));
        assertThat(ResourceSet.of(recorded()).filter(Reservations::isPersistentVolume).scalar("disk"))
                .isEqualTo(50.0);
        assertThat(ResourceSet.of(recorded()).scalar("disk")).isEqualTo(600.0);
    }
}
