package io.corral.master.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeptSumTest {
    private final ResourceSet one = ResourceSet.parse("cpus:1;mem:128");
    private final ResourceSet two = ResourceSet.parse("cpus:2;mem:256");

    @Test
    void theSameObjectsGiveTheKeptSum() {
        KeptSum kept = new KeptSum();
        ResourceSet sum = kept.get(List.of(one, two));

        assertThat(sum).isEqualTo(ResourceSet.parse("cpus:3;mem:384"));
        assertThat(kept.get(List.of(one, two))).isSameAs(sum);
    }

    @Test
    void anyOtherPartMakesANewSumEvenAnEqualOne() {
        KeptSum kept = new KeptSum();
        ResourceSet first = kept.get(List.of(one, two));

        assertThat(kept.get(List.of(one))).isEqualTo(one);
        assertThat(kept.get(List.of(one, two, one))).isEqualTo(ResourceSet.parse("cpus:4;mem:512"));
        ResourceSet equalButAnother = ResourceSet.parse("cpus:2;mem:256");
        ResourceSet again = kept.get(List.of(one, equalButAnother));
        assertThat(again).isEqualTo(first).isNotSameAs(first);
        assertThat(kept.get(List.of())).isEqualTo(ResourceSet.empty());
    }
}
