package io.corral.master.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.allocator.AllocationInput.AgentSlot;
import io.corral.master.allocator.AllocationInput.Filter;
import io.corral.master.allocator.AllocationInput.FrameworkDemand;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FairShareAllocatorTest {
    private final FairShareAllocator allocator = new FairShareAllocator();

    private static AgentSlot agent(String id, String free, String total) {
        return new AgentSlot(id, id + ".host", ResourceSet.parse(free), ResourceSet.parse(total));
    }

    private static FrameworkDemand framework(String id, String held) {
        return new FrameworkDemand(id, "*", held.isEmpty() ? ResourceSet.empty() : ResourceSet.parse(held));
    }

    @Test
    void offersAnAgentsWholeFreeResourcesWithTheFrameworksRole() {
        AllocationInput input = new AllocationInput(
                List.of(agent("a1", "cpus:3;mem:1000", "cpus:4;mem:2000")),
                List.of(new FrameworkDemand("f1", "eng", ResourceSet.empty())), Set.of());

        List<OfferProposal> proposals = allocator.allocate(input, new Random(1));

        assertThat(proposals).hasSize(1);
        OfferProposal offer = proposals.get(0);
        assertThat(offer.frameworkId()).isEqualTo("f1");
        assertThat(offer.agentId()).isEqualTo("a1");
        assertThat(offer.role()).isEqualTo("eng");
        assertThat(offer.resources().scalar("cpus")).isEqualTo(3.0);
        assertThat(offer.resources().scalar("mem")).isEqualTo(1000.0);
        assertThat(offer.resources().toList()).allSatisfy(r ->
                assertThat(r.getAllocationInfo().getRole()).isEqualTo("eng"));
    }

    @Test
    void theFrameworkWithTheLowestDominantShareGoesFirst() {
        // Cluster: 10 cpus, 10000 mem. f1 holds 4 cpus (share 0.4); f2 holds 3000 mem (share 0.3).
        AllocationInput input = new AllocationInput(
                List.of(agent("a1", "cpus:2;mem:1000", "cpus:10;mem:10000")),
                List.of(framework("f1", "cpus:4"), framework("f2", "mem:3000")), Set.of());

        assertThat(allocator.allocate(input, new Random(7))).singleElement()
                .extracting(OfferProposal::frameworkId).isEqualTo("f2");
    }

    @Test
    void oneCycleSpreadsAgentsAcrossFrameworks() {
        List<AgentSlot> agents = List.of(
                agent("a1", "cpus:4;mem:4096", "cpus:4;mem:4096"),
                agent("a2", "cpus:4;mem:4096", "cpus:4;mem:4096"));
        AllocationInput input = new AllocationInput(agents,
                List.of(framework("f1", ""), framework("f2", "")), Set.of());

        assertThat(allocator.allocate(input, new Random(3))).extracting(OfferProposal::frameworkId)
                .containsExactlyInAnyOrder("f1", "f2");
    }

    @Test
    void skipsFilteredPairsAndAgentsBelowTheMinimumAllocatable() {
        AllocationInput input = new AllocationInput(
                List.of(agent("a1", "cpus:4;mem:4096", "cpus:4;mem:4096"),
                        agent("tiny", "cpus:0.005;mem:16", "cpus:4;mem:4096")),
                List.of(framework("f1", "")), Set.of(new Filter("f1", "a1")));

        assertThat(allocator.allocate(input, new Random(5))).isEmpty();
    }

    @Test
    void noFrameworksNoOffers() {
        AllocationInput input = new AllocationInput(
                List.of(agent("a1", "cpus:4;mem:4096", "cpus:4;mem:4096")), List.of(), Set.of());
        assertThat(allocator.allocate(input, new Random(5))).isEmpty();
    }

    /** Invariants: no agent is offered twice, nor more than it has free; filtered pairs never get offers. */
    @Property(tries = 200)
    void neverOverCommitsAndNeverOffersTwice(@ForAll @IntRange(min = 0, max = 30) int agentCount,
                                             @ForAll @IntRange(min = 1, max = 10) int frameworkCount,
                                             @ForAll long seed) {
        Random random = new Random(seed);
        List<AgentSlot> agents = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            int cpus = 1 + random.nextInt(16);
            int freeCpus = random.nextInt(cpus + 1);
            agents.add(agent("a" + i, "cpus:" + freeCpus + ";mem:" + (freeCpus * 512),
                    "cpus:" + cpus + ";mem:" + (cpus * 512)));
        }
        List<FrameworkDemand> frameworks = new ArrayList<>();
        Set<Filter> filters = new HashSet<>();
        for (int f = 0; f < frameworkCount; f++) {
            frameworks.add(framework("f" + f, ""));
            if (agentCount > 0 && random.nextBoolean()) {
                filters.add(new Filter("f" + f, "a" + random.nextInt(agentCount)));
            }
        }

        List<OfferProposal> proposals = allocator.allocate(new AllocationInput(agents, frameworks, filters), random);

        Set<String> offeredAgents = new HashSet<>();
        for (OfferProposal proposal : proposals) {
            assertThat(offeredAgents.add(proposal.agentId())).as("agent offered twice").isTrue();
            AgentSlot agent = agents.stream().filter(a -> a.agentId().equals(proposal.agentId())).findFirst()
                    .orElseThrow();
            assertThat(agent.free().contains(proposal.resources().withoutAllocationInfo())).isTrue();
            assertThat(filters).doesNotContain(new Filter(proposal.frameworkId(), proposal.agentId()));
        }
    }
}
