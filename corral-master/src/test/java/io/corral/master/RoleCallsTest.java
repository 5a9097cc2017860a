package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.allocator.AllocationInput;
import io.corral.zookeeper.registry.RegistryMeta;
import io.corral.zookeeper.registry.RegistrySnapshot;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.Protos.WeightInfo;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Operators set roles' weights and quota: validated as a whole before anything is written, durable, applied for the
 * next allocation, and read back by a new leader from the registry.
 */
class RoleCallsTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void weightsAreStoredAppliedAndKeepTheRolesQuota() {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:8;mem:8192"), List.of(), List.of(), new RecordingLink());
        call(() -> master.roleCalls().updateQuota(false, List.of(quota("eng", 2, 4))));

        call(() -> master.roleCalls().updateWeights(List.of(weight("eng", 3), weight("ops", 0.5))));

        assertThat(fixture.registry.roles.get("eng").weight()).isEqualTo(3.0);
        assertThat(fixture.registry.roles.get("eng").quota()).isPresent();
        AllocationInput.RolePolicy eng = fixture.onLoop(() -> master.offers.allocationInput().roles().get("eng"));
        assertThat(eng.weight()).isEqualTo(3.0);
        assertThat(eng.guarantees().scalar("cpus")).isEqualTo(2.0);
        assertThat(eng.limits().scalar("cpus")).isEqualTo(4.0);
        assertThat(master.view().join().roles()).extracting(RoleRecord::role).containsExactly("eng", "ops");
    }

    @Test
    void aWeightBackToOneWithNoQuotaLeavesTheRegistry() {
        call(() -> master.roleCalls().updateWeights(List.of(weight("eng", 2))));
        call(() -> master.roleCalls().updateWeights(List.of(weight("eng", 1))));

        assertThat(fixture.registry.roles).isEmpty();
        assertThat(fixture.onLoop(() -> master.roles().isEmpty())).isTrue();
    }

    @Test
    void oneBadEntryRefusesTheWholeCallAndChangesNothing() {
        for (List<WeightInfo> bad : List.of(
                List.of(weight("good", 2), weight("bad", 0)),
                List.of(weight("good", 2), weight("bad", Double.NaN)),
                List.of(weight("good", 2), weight("", 2)),
                List.of(weight("good", 2), weight("/abs", 2)),
                List.of(weight("good", 2), weight("a//b", 2)),
                List.of(weight("good", 2), weight("eng/..", 2)),
                List.of(weight("good", 2), weight("with space", 2)),
                List.of(weight("good", 2), weight("good", 3)))) {
            assertRefused(() -> master.roleCalls().updateWeights(bad), "");
        }
        assertRefused(() -> master.roleCalls().updateQuota(true, List.of(quota("eng", 4, 2))), "above its limit");
        assertRefused(() -> master.roleCalls().updateQuota(true, List.of(QuotaConfig.newBuilder().setRole("eng")
                .putGuarantees("ports", scalar(1)).build())), "only [cpus, mem, disk, gpus]");
        assertRefused(() -> master.roleCalls().updateQuota(true, List.of(QuotaConfig.newBuilder().setRole("eng")
                .putGuarantees("cpus", scalar(-1)).build())), "from 0 to 1e12");

        assertThat(fixture.registry.roles).isEmpty();
        assertThat(fixture.onLoop(() -> master.roles().isEmpty())).isTrue();
    }

    @Test
    void guaranteesBeyondTheClusterNeedForce() {
        fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(), new RecordingLink());

        assertRefused(() -> master.roleCalls().updateQuota(false, List.of(quota("eng", 3, 3), quota("ops", 2, 2))),
                "the roles' quota guarantees would total cpus 5.0, more than the cluster's 4.0");
        assertThat(fixture.registry.roles).isEmpty();

        call(() -> master.roleCalls().updateQuota(true, List.of(quota("eng", 3, 3), quota("ops", 2, 2))));
        assertThat(fixture.registry.roles).containsOnlyKeys("eng", "ops");
    }

    @Test
    void anEmptyConfigRemovesTheQuota() {
        call(() -> master.roleCalls().updateQuota(true, List.of(quota("eng", 1, 2))));
        call(() -> master.roleCalls().updateQuota(true, List.of(QuotaConfig.newBuilder().setRole("eng").build())));

        assertThat(fixture.registry.roles).isEmpty();
    }

    @Test
    void aRefusedWriteLeavesTheRolesAsTheyWere() {
        fixture.registry.refuse = true;

        Throwable failure = catchThrowable(() -> call(() -> master.roleCalls().updateWeights(
                List.of(weight("eng", 2)))));

        assertThat(cause(failure)).isInstanceOf(Rejected.class);
        assertThat(((Rejected) cause(failure)).reason()).isEqualTo(Rejected.Reason.UNAVAILABLE);
        assertThat(fixture.onLoop(() -> master.roles().isEmpty())).isTrue();
    }

    @Test
    void aNewLeaderAppliesTheRolesItReadsFromTheRegistry() {
        RoleRecord eng = new RoleRecord("eng", 2.0, Optional.of(quota("eng", 1, 2)));
        RegistrySnapshot snapshot = new RegistrySnapshot(RegistryMeta.UNCLAIMED, List.of(), List.of(), List.of(eng));

        fixture.run(() -> master.recover(snapshot));

        assertThat(fixture.onLoop(() -> master.offers.allocationInput().roles().get("eng").weight())).isEqualTo(2.0);
    }

    // ---- found by the fuzz test (MasterFuzzTest) ----

    /** Was: accepted, after which every allocation failed, as no ResourceSet holds more than 1e12 of a scalar. */
    @Test
    void aQuotaBeyondTheLargestAmountIsRefusedAndAllocationGoesOn() {
        RecordingLink framework = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:8;mem:8192"), List.of(), List.of(), new RecordingLink());

        assertRefused(() -> master.roleCalls().updateQuota(true, List.of(QuotaConfig.newBuilder().setRole("eng")
                .putGuarantees("mem", scalar(9.223372036854776E18)).build())), "is 9.223372036854776E18: use a"
                + " number from 0 to 1e12");
        assertRefused(() -> master.roleCalls().updateQuota(true, List.of(QuotaConfig.newBuilder().setRole("eng")
                .putLimits("disk", scalar(1e12 + 1)).build())), "from 0 to 1e12");

        assertThat(fixture.registry.roles).isEmpty();
        fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        fixture.run(master.offers::allocate);
        assertThat(framework.schedulerEvents(Event.Type.OFFERS)).isNotEmpty();
    }

    /** Was: a 500, as the agents' resources were summed in one ResourceSet, which holds at most 1e12 of mem. */
    @Test
    void quotaIsCheckedAgainstAClusterLargerThanTheLargestAmount() {
        for (int i = 0; i < 2; i++) {
            fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:1000000000000"), List.of(), List.of(),
                    new RecordingLink());
        }

        call(() -> master.roleCalls().updateQuota(false, List.of(QuotaConfig.newBuilder().setRole("eng")
                .putGuarantees("mem", scalar(9e11)).build(), QuotaConfig.newBuilder().setRole("ops")
                .putGuarantees("mem", scalar(9e11)).build())));

        assertThat(fixture.registry.roles).containsKeys("eng", "ops");
        assertRefused(() -> master.roleCalls().updateQuota(false, List.of(QuotaConfig.newBuilder().setRole("web")
                .putGuarantees("mem", scalar(3e11)).build())), "more than the cluster's 2.0E12");
    }

    /**
     * Was: with a framework holding offers of two agents of 1e12 MB each, what it holds no longer summed, and every
     * allocation failed from then on.
     */
    @Test
    void aFrameworkHoldingMoreThanTheLargestAmountDoesNotStopAllocation() {
        RecordingLink framework = new RecordingLink();
        fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        for (int i = 0; i < 3; i++) {
            fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:1000000000000").toBuilder()
                    .setHostname("huge-" + i).build(), List.of(), List.of(), new RecordingLink());
            fixture.run(master.offers::allocate);
        }

        long offered = framework.schedulerEvents(Event.Type.OFFERS).stream()
                .mapToLong(event -> event.getOffers().getOffersCount()).sum();
        assertThat(offered).as("each of the three agents offered").isEqualTo(3);
    }

    /** Was (seen in the code behind the case above): GET_FRAMEWORKS and GET_STATE failed with a 500 then. */
    @Test
    void theOperatorApiReportsAFrameworkHoldingMoreThanTheLargestAmount() {
        RecordingLink framework = new RecordingLink();
        fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        for (int i = 0; i < 2; i++) {
            fixture.registerAgent(MasterFixture.agentInfo("cpus:1;mem:1000000000000").toBuilder()
                    .setHostname("huge-" + i).build(), List.of(), List.of(), new RecordingLink());
            fixture.run(master.offers::allocate);
        }

        MasterView view = master.view().join();
        var frameworks = OperatorResponses.frameworks(view).getGetFrameworks().getFrameworksList();
        assertThat(frameworks).hasSize(1);
        assertThat(frameworks.get(0).getOffersCount()).isEqualTo(2);
        assertThat(frameworks.get(0).getOfferedResourcesList()).filteredOn(r -> r.getName().equals("mem"))
                .singleElement().satisfies(mem -> assertThat(mem.getScalar().getValue())
                        .as("the largest amount Corral counts").isEqualTo(1e12));
        assertThat(OperatorResponses.state(view).getGetState().getGetFrameworks().getFrameworksCount()).isEqualTo(1);
    }

    private void call(Supplier<CompletableFuture<Void>> change) {
        fixture.onLoop(change).join();
    }

    private void assertRefused(Supplier<CompletableFuture<Void>> change, String message) {
        Throwable failure = catchThrowable(() -> call(change));
        assertThat(cause(failure)).isInstanceOf(Rejected.class).hasMessageContaining(message);
        assertThat(((Rejected) cause(failure)).reason()).isEqualTo(Rejected.Reason.INVALID);
    }

    private static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static WeightInfo weight(String role, double weight) {
        return WeightInfo.newBuilder().setRole(role).setWeight(weight).build();
    }

    static QuotaConfig quota(String role, double guaranteedCpus, double limitCpus) {
        return QuotaConfig.newBuilder().setRole(role).putGuarantees("cpus", scalar(guaranteedCpus))
                .putLimits("cpus", scalar(limitCpus)).build();
    }

    private static Value.Scalar scalar(double value) {
        return Value.Scalar.newBuilder().setValue(value).build();
    }
}
