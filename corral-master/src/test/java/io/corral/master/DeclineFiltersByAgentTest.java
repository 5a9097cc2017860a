package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.allocator.Declined;
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

        assertThat(filters.of(Set.of("a1"), 2_000).frameworksByAgent()).isEqualTo(Map.of("a1", Set.of("f2")));
        assertThat(filters.of(Set.of("a1", "a3"), 0).frameworksByAgent()).as("f1's expired filter of a1 was dropped")
                .isEqualTo(Map.of("a1", Set.of("f2")));
        assertThat(filters.all(2_000).frameworksByAgent()).isEqualTo(Map.of("a1", Set.of("f2"), "a2", Set.of("f1")));
    }

    @Test
    void aCycleOverEveryAgentSeesFiltersComeExpireAndGo() {
        filters.add("f1", "a1", 1_000);
        assertThat(filters.all(0).frameworksByAgent()).isEqualTo(Map.of("a1", Set.of("f1")));

        filters.add("f1", "a2", 3_000);
        assertThat(filters.all(0).frameworksByAgent()).hasSize(2);
        assertThat(filters.all(1_000).frameworksByAgent()).as("expired at its time")
                .isEqualTo(Map.of("a2", Set.of("f1")));

        filters.add("f2", "a2", 3_000);
        filters.clear("f1");
        assertThat(filters.all(0).frameworksByAgent()).isEqualTo(Map.of("a2", Set.of("f2")));
        assertThat(filters.all(3_000).isEmpty()).as("the last expired").isTrue();
    }

    @Test
    void aFilterDeclinedAgainForLessTimeExpiresAtItsNewTime() {
        filters.add("f1", "a1", 9_000);
        assertThat(filters.all(0).on("a1")).containsExactly("f1");
        filters.add("f1", "a1", 500);

        assertThat(filters.all(499).on("a1")).containsExactly("f1");
        assertThat(filters.all(500).on("a1")).isEmpty();
    }

    @Test
    void aFilterDeclinedAgainForLongerOutlivesItsFirstTime() {
        filters.add("f1", "a1", 500);
        filters.add("f2", "a1", 800);
        filters.add("f1", "a1", 9_000);

        assertThat(filters.all(600).on("a1")).containsExactlyInAnyOrder("f1", "f2");
        assertThat(filters.all(800).on("a1")).containsExactly("f1");
        assertThat(filters.all(8_999).on("a1")).containsExactly("f1");
        assertThat(filters.all(9_000).isEmpty()).isTrue();
    }

    @Test
    void aCycleWhenNothingCameWentOrExpiredReadsTheSameBook() {
        filters.add("f1", "a1", 1_000);
        filters.add("f2", "a2", 2_000);
        Declined first = filters.all(0);

        assertThat(filters.all(999)).isSameAs(first);
        filters.add("f1", "a1", 1_500); // the same pair, declined again: the same frameworks declined the same agents
        assertThat(filters.all(999)).isSameAs(first);
        assertThat(filters.all(1_500).frameworksByAgent()).isEqualTo(Map.of("a2", Set.of("f2")));
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
