package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.resources.ResourceSet;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.junit.jupiter.api.Test;

class OfferResourcesTest {
    private static Offer offer(String resources) {
        return Offer.newBuilder().setId(OfferID.newBuilder().setValue("o1"))
                .setFrameworkId(FrameworkID.newBuilder().setValue("f")).setAgentId(AgentID.newBuilder().setValue("a"))
                .setHostname("h").setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole("web"))
                .addAllResources(ResourceSet.parse(resources).toList()).build();
    }

    @Test
    void packsTasksUntilTheOfferIsUsedUpCountingThousandthsOfACpu() {
        OfferResources left = new OfferResources(offer("cpus:0.3;mem:100;ports:[31000-31002]"));
        OfferResources.Need need = new OfferResources.Need(0.1, 30, 0, 0, 1);

        assertThat(left.take(need)).hasValueSatisfying(taken -> assertThat(taken.ports()).containsExactly(31000));
        assertThat(left.take(need)).hasValueSatisfying(taken -> assertThat(taken.ports()).containsExactly(31001));
        OfferResources.Taken third = left.take(need).orElseThrow();
        assertThat(third.ports()).containsExactly(31002);
        assertThat(third.resources()).allMatch(r -> r.getAllocationInfo().getRole().equals("web"));
        assertThat(left.take(need)).as("0.3 cpus hold three tasks of 0.1, not four").isEmpty();
    }

    @Test
    void aTaskThatDoesNotFitTakesNothing() {
        OfferResources left = new OfferResources(offer("cpus:1;mem:100"));
        assertThat(left.take(new OfferResources.Need(0.5, 200, 0, 0, 0))).isEmpty();
        assertThat(left.take(new OfferResources.Need(1, 100, 0, 0, 0))).as("the cpus are all still there").isPresent();
    }

    @Test
    void aTaskAndItsExecutorAreChargedApartAndTogetherOrNotAtAll() {
        OfferResources left = new OfferResources(offer("cpus:0.5;mem:100"));
        OfferResources.Need task = new OfferResources.Need(0.2, 40, 0, 0, 0);
        OfferResources.Need executor = new OfferResources.Need(0.1, 32, 0, 0, 0);

        var both = left.takeAll(java.util.List.of(task, executor)).orElseThrow();
        assertThat(both).hasSize(2);
        assertThat(ResourceSet.of(both.get(1).resources()).scalar("mem")).isEqualTo(32);
        assertThat(left.takeAll(java.util.List.of(task, executor))).as("28 MB left: the executor does not fit")
                .isEmpty();
        assertThat(left.take(new OfferResources.Need(0.2, 28, 0, 0, 0))).as("nothing was taken by the failed try")
                .isPresent();
    }
}
