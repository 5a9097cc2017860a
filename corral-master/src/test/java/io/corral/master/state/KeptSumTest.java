package io.corral.master.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeptSumTest {
    private final ResourceSet one = ResourceSet.parse("cpus:1;mem:128");
    private final ResourceSet two = ResourceSet.parse("cpus:2;mem:256");
    private final AtomicInteger sums = new AtomicInteger();

    /** Sums the given resource sets, each standing for the object it is (a task's view, say). */
    private ResourceSet sum(KeptSum kept, List<ResourceSet> objects) {
        return kept.get(objects, List.of(), () -> {
            sums.incrementAndGet();
            return objects;
        });
    }

    @Test
    void theSameObjectsGiveTheKeptSumWithoutSummingAgain() {
        KeptSum kept = new KeptSum();
        ResourceSet sum = sum(kept, List.of(one, two));

        assertThat(sum).isEqualTo(ResourceSet.parse("cpus:3;mem:384"));
        assertThat(sum(kept, new ArrayList<>(List.of(one, two)))).as("another list, the same objects").isSameAs(sum);
        assertThat(sums).hasValue(1);
    }

    @Test
    void anyOtherObjectMakesANewSumEvenAnEqualOne() {
        KeptSum kept = new KeptSum();
        ResourceSet first = sum(kept, List.of(one, two));

        assertThat(sum(kept, List.of(one))).isEqualTo(one);
        assertThat(sum(kept, List.of(one, two, one))).isEqualTo(ResourceSet.parse("cpus:4;mem:512"));
        ResourceSet equalButAnother = ResourceSet.parse("cpus:2;mem:256");
        ResourceSet again = sum(kept, List.of(one, equalButAnother));
        assertThat(again).isEqualTo(first).isNotSameAs(first);
        assertThat(sum(kept, List.of())).isEqualTo(ResourceSet.empty());
        assertThat(sums).hasValue(5);
    }

    @Test
    void theSecondListCountsToo() {
        KeptSum kept = new KeptSum();
        List<ResourceSet> tasks = List.of(one);
        ResourceSet withoutExecutor = kept.get(tasks, List.of(), () -> List.of(one));

        ResourceSet withExecutor = kept.get(tasks, List.of(two), () -> List.of(one, two));

        assertThat(withoutExecutor).isEqualTo(one);
        assertThat(withExecutor).isEqualTo(ResourceSet.parse("cpus:3;mem:384"));
    }
}
