package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.allocator.AllocationInput.Filter;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decline filters' book: read by agent for a cycle over a few agents, whole for a cycle over every agent. */
class DeclineFiltersByAgentTest {
    private final DeclineFilters filters = new DeclineFilters();

    @Test
    void aCycleOverSomeAgentsReadsOnlyTheirFiltersNotYetExpired() {
        filters.add("f1", "a1", 1_000);
        filters.add("f2", "a1", 5_000);
        filters.add("f1", "a2", 5_000);

        assertThat(filters.of(Set.of("a1"), 2_000)).containsExactly(new Filter("f2", "a1"));
        assertThat(filters.of(Set.of("a1", "a3"), 0)).as("f1's expired filter of a1 was dropped")
                .containsExactly(new Filter("f2", "a1"));
        assertThat(filters.all(2_000)).containsExactlyInAnyOrder(new Filter("f2", "a1"), new Filter("f1", "a2"));
    }

    @Test
    void aCycleOverEveryAgentSeesFiltersComeExpireAndGo() {
        filters.add("f1", "a1", 1_000);
        assertThat(filters.all(0)).containsExactly(new Filter("f1", "a1"));

        filters.add("f1", "a2", 3_000);
        assertThat(filters.all(0)).hasSize(2);
        assertThat(filters.all(1_000)).as("expired at its time").containsExactly(new Filter("f1", "a2"));

        filters.add("f2", "a2", 3_000);
        filters.clear("f1");
        assertThat(filters.all(0)).containsExactly(new Filter("f2", "a2"));
    }

    @Test
    void activeFiltersAreCountedByFramework() {
        filters.add("f1", "a1", 1_000);
        filters.add("f1", "a2", 5_000);
        filters.add("f2", "a2", 5_000);

        assertThat(filters.activeByFramework(2_000)).isEqualTo(Map.of("f1", 1L, "f2", 1L));
        assertThat(filters.activeByFramework(0)).isEqualTo(Map.of("f1", 2L, "f2", 1L));
    }

    @Test
    void theCountIsMadeAgainOnlyWhenAFilterCameWentOrExpired() {
        filters.add("f1", "a1", 1_000);
        filters.add("f1", "a2", 5_000);
        Map<String, Long> counted = filters.activeByFramework(0);

        assertThat(filters.activeByFramework(999)).as("nothing changed, nothing expired").isSameAs(counted);
        assertThat(filters.activeByFramework(1_000)).as("a1's filter expired").isEqualTo(Map.of("f1", 1L));
        assertThat(filters.activeByFramework(0)).as("asked for an earlier time").isEqualTo(Map.of("f1", 2L));

        filters.add("f2", "a1", 9_000);
        assertThat(filters.activeByFramework(0)).isEqualTo(Map.of("f1", 2L, "f2", 1L));
        filters.add("f1", "a2", 500); // declined again, for less time
        assertThat(filters.activeByFramework(600)).isEqualTo(Map.of("f1", 1L, "f2", 1L));
        filters.clear("f2");
        assertThat(filters.activeByFramework(600)).isEqualTo(Map.of("f1", 1L));
        assertThat(filters.activeByFramework(5_000)).isEmpty();
    }
}
