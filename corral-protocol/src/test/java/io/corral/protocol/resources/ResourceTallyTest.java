package io.corral.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** A tally sums what is added and not taken back, exactly as summing the live sets afresh would. */
class ResourceTallyTest {

    /**
     * Steps of a framework's life: a step {@code >= 0} adds one of a few shapes of task (as a framework's tasks
     * mostly share a few), a negative one takes back one of the sets still counted.
     */
    @Property(tries = 300)
    void theSumIsAlwaysTheSumOfWhatIsCounted(@ForAll("shapes") List<ResourceSet> shapes,
                                              @ForAll("steps") List<Integer> steps) {
        ResourceTally tally = new ResourceTally();
        List<ResourceSet> live = new ArrayList<>();
        for (int step : steps) {
            if (step >= 0 || live.isEmpty()) {
                ResourceSet added = shapes.get(Math.abs(step) % shapes.size());
                tally.add(added);
                live.add(added);
            } else {
                ResourceSet removed = live.remove(-step % live.size());
                tally.remove(ResourceSet.of(removed.toList())); // an equal set, not the same object
            }
            assertThat(tally.sum()).isEqualTo(ResourceSet.sumAtMost(live));
        }
    }

    @Example
    void portsHeldByTwoTasksStayInTheSumUntilBothEnd() {
        ResourceTally tally = new ResourceTally();
        ResourceSet task = ResourceSet.parse("cpus:1;ports:[31000-31000]");
        tally.add(task);
        tally.add(task);

        tally.remove(task);

        assertThat(tally.sum()).isEqualTo(task);
        tally.remove(task);
        assertThat(tally.sum()).isEqualTo(ResourceSet.empty());
    }

    @Example
    void theSumIsTheSameObjectUntilSomethingChanges() {
        ResourceTally tally = new ResourceTally();
        tally.add(ResourceSet.parse("cpus:1;mem:128"));
        ResourceSet sum = tally.sum();

        assertThat(tally.sum()).isSameAs(sum);
        tally.add(ResourceSet.empty());
        assertThat(tally.sum()).as("adding nothing changes nothing").isSameAs(sum);
        tally.add(ResourceSet.parse("cpus:1;mem:128"));
        assertThat(tally.sum()).isEqualTo(ResourceSet.parse("cpus:2;mem:256"));
    }

    @Example
    void takingBackWhatWasNeverAddedFailsAndChangesNothing() {
        ResourceTally tally = new ResourceTally();
        tally.add(ResourceSet.parse("cpus:1"));

        assertThatThrownBy(() -> tally.remove(ResourceSet.parse("cpus:2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cpus:2");
        assertThat(tally.sum()).isEqualTo(ResourceSet.parse("cpus:1"));
    }

    @Provide
    Arbitrary<List<ResourceSet>> shapes() {
        return ResourceSetPropertyTest.anyResourceSets().list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<List<Integer>> steps() {
        return Arbitraries.integers().between(-1_000, 1_000).list().ofMaxSize(60);
    }
}
