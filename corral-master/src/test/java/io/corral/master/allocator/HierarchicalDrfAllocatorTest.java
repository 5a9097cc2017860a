package io.corral.master.allocator;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.allocator.AllocationInput.AgentSlot;
import io.corral.master.allocator.AllocationInput.Filter;
import io.corral.master.allocator.AllocationInput.FrameworkDemand;
import io.corral.master.allocator.AllocationInput.RolePolicy;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One rule per test, with exact numbers. Agents of one cpu are "one task" wherever shares are compared. */
class HierarchicalDrfAllocatorTest {
    private final HierarchicalDrfAllocator allocator = new HierarchicalDrfAllocator();

    static AgentSlot agent(String id, String free) {
        return agent(id, free, free);
    }

    static AgentSlot agent(String id, String free, String total) {
        return new AgentSlot(id, id + ".host", ResourceSet.parse(free), ResourceSet.parse(total));
    }

    /** {@code count} identical agents a0, a1, ... */
    static List<AgentSlot> agents(int count, String resources) {
        List<AgentSlot> agents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            agents.add(agent("a" + i, resources));
        }
        return agents;
    }

    static FrameworkDemand framework(String id, String role) {
        return framework(id, role, "");
    }

    static FrameworkDemand framework(String id, String role, String held) {
        return new FrameworkDemand(id, role, held.isEmpty() ? ResourceSet.empty() : ResourceSet.parse(held));
    }

    static RolePolicy weight(double weight) {
        return new RolePolicy(weight, ResourceSet.empty(), ResourceSet.empty());
    }

    static RolePolicy guarantee(String guarantees) {
        return new RolePolicy(1, ResourceSet.parse(guarantees), ResourceSet.empty());
    }

    static RolePolicy limit(String limits) {
        return new RolePolicy(1, ResourceSet.empty(), ResourceSet.parse(limits));
    }

    private List<OfferProposal> allocate(List<AgentSlot> agents, List<FrameworkDemand> frameworks,
                                         Map<String, RolePolicy> roles) {
        return allocator.allocate(new AllocationInput(agents, frameworks, Set.of(), roles), new Random(42));
    }

    /** Total of scalar {@code name} offered, per role. */
    static Map<String, Double> byRole(List<OfferProposal> proposals, String name) {
        Map<String, Double> sums = new HashMap<>();
        for (OfferProposal proposal : proposals) {
            sums.merge(proposal.role(), proposal.resources().scalar(name), Double::sum);
        }
        return sums;
    }

    static Map<String, Double> byFramework(List<OfferProposal> proposals, String name) {
        Map<String, Double> sums = new HashMap<>();
        for (OfferProposal proposal : proposals) {
            sums.merge(proposal.frameworkId(), proposal.resources().scalar(name), Double::sum);
        }
        return sums;
    }

    @Nested
    class Offers {
        @Test
        void offerTheAgentsFreeResourcesForTheFrameworksRoleWithTheAllocationRoleSet() {
            List<OfferProposal> proposals = allocate(List.of(agent("a1", "cpus:3;mem:1000;ports:[31000-31009]")),
                    List.of(framework("f1", "eng/web")), Map.of());

            assertThat(proposals).singleElement().satisfies(offer -> {
                assertThat(offer.frameworkId()).isEqualTo("f1");
                assertThat(offer.agentId()).isEqualTo("a1");
                assertThat(offer.role()).isEqualTo("eng/web");
                assertThat(offer.resources().withoutAllocationInfo())
                        .isEqualTo(ResourceSet.parse("cpus:3;mem:1000;ports:[31000-31009]"));
                assertThat(offer.resources().toList()).allSatisfy(r ->
                        assertThat(r.getAllocationInfo().getRole()).isEqualTo("eng/web"));
            });
        }

        @Test
        void nothingWithoutFrameworksOrAgents() {
            assertThat(allocate(agents(2, "cpus:1;mem:1024"), List.of(), Map.of())).isEmpty();
            assertThat(allocate(List.of(), List.of(framework("f1", "a")), Map.of())).isEmpty();
        }

        @Test
        void oneCycleSpreadsAgentsAcrossFrameworks() {
            List<OfferProposal> proposals = allocate(agents(4, "cpus:4;mem:4096"),
                    List.of(framework("f1", "a"), framework("f2", "a")), Map.of());

            assertThat(byFramework(proposals, "cpus")).containsOnly(Map.entry("f1", 8.0), Map.entry("f2", 8.0));
        }

        @Test
        void aFrameworkGetsOneProposalPerAgentEvenWhenBothStagesServeIt() {
            // Stage 1 gives q's framework cpus:2 of the agent (its guarantee), stage 2 the rest: one proposal.
            List<OfferProposal> proposals = allocate(List.of(agent("a1", "cpus:8;mem:8192;ports:[31000-31001]")),
                    List.of(framework("f1", "q")), Map.of("q", guarantee("cpus:2")));

            assertThat(proposals).singleElement().satisfies(offer -> assertThat(offer.resources()
                    .withoutAllocationInfo()).isEqualTo(ResourceSet.parse("cpus:8;mem:8192;ports:[31000-31001]")));
        }

        @Test
        void scalarsOfEveryNameAreOfferedNotOnlyTheOnesSharesCount() {
            List<OfferProposal> proposals = allocate(List.of(agent("a1", "cpus:2;mem:512;disk:100;fpgas:3")),
                    List.of(framework("f1", "a")), Map.of());

            assertThat(proposals).singleElement().satisfies(offer -> assertThat(offer.resources()
                    .withoutAllocationInfo()).isEqualTo(ResourceSet.parse("cpus:2;mem:512;disk:100;fpgas:3")));
        }
    }

    @Nested
    class Fairness {
        @Test
        void sharesAreOverTheWholeClusterWhenOnlySomeAgentsAreOffered() {
            // A cycle over agent a1 alone (the others did not change) in a cluster of cpus:20, mem:100: f1 holds
            // 20% of the memory, f2 30% of the cpus, so f1 is further below its share. Over a1's total alone
            // (cpus:10, mem:10) f1 would hold 200% and f2 60%, and f2 would get a1.
            AgentSlot a1 = agent("a1", "cpus:10;mem:10");
            List<FrameworkDemand> frameworks = List.of(framework("f1", "a", "mem:20"), framework("f2", "a", "cpus:6"));
            AllocationInput cluster = new AllocationInput(List.of(a1), frameworks, Declined.NONE, Map.of(), List.of(),
                    AllocationInput.FairTotals.of(ResourceSet.parse("cpus:20;mem:100")));

            assertThat(allocator.allocate(cluster, new Random(42))).singleElement()
                    .satisfies(offer -> assertThat(offer.frameworkId()).isEqualTo("f1"));
            assertThat(allocate(List.of(a1), frameworks, Map.of())).as("a1 alone as the cluster").singleElement()
                    .satisfies(offer -> assertThat(offer.frameworkId()).isEqualTo("f2"));
        }

        @Test
        void theFrameworkWithTheLowestDominantShareGoesFirst() {
            // Cluster: 10 cpus, 10000 mem. f1 holds 4 cpus (share 0.4); f2 holds 3000 mem (share 0.3).
            List<OfferProposal> proposals = allocate(
                    List.of(agent("a1", "cpus:2;mem:1000", "cpus:10;mem:10000")),
                    List.of(framework("f1", "r", "cpus:4"), framework("f2", "r", "mem:3000")), Map.of());

            assertThat(proposals).singleElement().extracting(OfferProposal::frameworkId).isEqualTo("f2");
        }

        @Test
        void dominantSharesCountDiskAndGpusAndSkipKindsTheClusterHasNone() {
            // disk: f1 holds 900 of 1000 (0.9) against f2's 4 of 10 cpus (0.4): f2 first.
            assertThat(allocate(List.of(agent("a1", "cpus:1;mem:100;disk:100", "cpus:10;mem:1000;disk:1000")),
                    List.of(framework("f1", "r", "disk:900"), framework("f2", "r", "cpus:4")), Map.of()))
                    .singleElement().extracting(OfferProposal::frameworkId).isEqualTo("f2");
            // gpus: 1 of 2 (0.5) against 0.4.
            assertThat(allocate(List.of(agent("a1", "cpus:1;mem:100;gpus:1", "cpus:10;mem:1000;gpus:2")),
                    List.of(framework("f1", "r", "gpus:1"), framework("f2", "r", "cpus:4")), Map.of()))
                    .singleElement().extracting(OfferProposal::frameworkId).isEqualTo("f2");
            // The cluster has no gpus: f1's gpus do not count (share 0 against 0.4).
            assertThat(allocate(List.of(agent("a1", "cpus:1;mem:100", "cpus:10;mem:1000")),
                    List.of(framework("f1", "r", "gpus:1"), framework("f2", "r", "cpus:4")), Map.of()))
                    .singleElement().extracting(OfferProposal::frameworkId).isEqualTo("f1");
        }

        @Test
        void weightsTwoToOneGiveTwoToOneOfAContendedResource() {
            List<OfferProposal> proposals = allocate(agents(30, "cpus:1;mem:1024"),
                    List.of(framework("fa", "a"), framework("fb", "b")), Map.of("a", weight(2)));

            assertThat(byRole(proposals, "cpus")).containsOnly(Map.entry("a", 20.0), Map.entry("b", 10.0));
        }

        @Test
        void weightsCountWhatRolesAlreadyHold() {
            // a (weight 2) holds 10 of 20 cpus: share 0.25 against b's 0; b gets agents until it reaches 5 cpus.
            List<AgentSlot> agents = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                agents.add(agent("a" + i, "cpus:1;mem:100", "cpus:2;mem:200"));
            }
            List<OfferProposal> proposals = allocate(agents,
                    List.of(framework("fa", "a", "cpus:10"), framework("fb", "b")), Map.of("a", weight(2)));

            // After b's 5th cpu both shares are 0.25; the remaining 5 alternate, 3 to one, 2 to the other.
            Map<String, Double> cpus = byRole(proposals, "cpus");
            assertThat(cpus.get("b")).isBetween(7.0, 8.0);
            assertThat(cpus.get("a") + cpus.get("b")).isEqualTo(10.0);
        }

        @Test
        void frameworksWithinARoleShareByTheirOwnDominantShareNotTheRolesWeight() {
            // 8 cpus: f1 holds 4 (0.5); f2 holds nothing and gets both agents (0.25, then 0.5: ties go by grants).
            List<OfferProposal> proposals = allocate(
                    List.of(agent("a1", "cpus:2;mem:100", "cpus:4;mem:200"),
                            agent("a2", "cpus:2;mem:100", "cpus:4;mem:200")),
                    List.of(framework("f1", "r", "cpus:4"), framework("f2", "r")), Map.of("r", weight(3)));

            assertThat(byFramework(proposals, "cpus")).containsOnly(Map.entry("f2", 4.0));
        }

        @Test
        void aWeightThatIsNotPositiveCountsAsOne() {
            List<OfferProposal> proposals = allocate(agents(10, "cpus:1;mem:100"),
                    List.of(framework("fa", "a"), framework("fb", "b")),
                    Map.of("a", weight(0), "b", weight(-3)));

            assertThat(byRole(proposals, "cpus")).containsOnly(Map.entry("a", 5.0), Map.entry("b", 5.0));
        }
    }

    @Nested
    class RoleTree {
        private final List<FrameworkDemand> frameworks = List.of(
                framework("web", "eng/web"), framework("batch", "eng/batch"), framework("ops", "ops"));

        @Test
        void childrenSplitTheirParentsShare() {
            Map<String, Double> cpus = byRole(allocate(agents(12, "cpus:1;mem:100"), frameworks, Map.of()), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng/web", 3.0), Map.entry("eng/batch", 3.0),
                    Map.entry("ops", 6.0));
        }

        @Test
        void aParentsWeightIsSharedByItsChildren() {
            Map<String, Double> cpus = byRole(allocate(agents(12, "cpus:1;mem:100"), frameworks,
                    Map.of("eng", weight(2))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng/web", 4.0), Map.entry("eng/batch", 4.0),
                    Map.entry("ops", 4.0));
        }

        @Test
        void childWeightsSplitTheParentsPart() {
            Map<String, Double> cpus = byRole(allocate(agents(12, "cpus:1;mem:100"), frameworks,
                    Map.of("eng/web", weight(2))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng/web", 4.0), Map.entry("eng/batch", 2.0),
                    Map.entry("ops", 6.0));
        }

        @Test
        void whatAChildHoldsCountsForItsParent() {
            // eng/web holds 4 of 12 cpus, so eng is at 1/3 and ops (0) gets the free agents until it catches up.
            List<AgentSlot> agents = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                agents.add(agent("a" + i, "cpus:1;mem:100", i < 4 ? "cpus:2;mem:200" : "cpus:1;mem:100"));
            }
            Map<String, Double> cpus = byRole(allocate(agents, List.of(framework("web", "eng/web", "cpus:4"),
                    framework("ops", "ops")), Map.of()), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng/web", 2.0), Map.entry("ops", 6.0));
        }

        @Test
        void aRolesOwnFrameworksShareWithItsChildRolesAsOneChildOfWeightOne() {
            Map<String, Double> cpus = byRole(allocate(agents(8, "cpus:1;mem:100"),
                    List.of(framework("eng", "eng"), framework("web", "eng/web"), framework("ops", "ops")),
                    Map.of()), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng", 2.0), Map.entry("eng/web", 2.0), Map.entry("ops", 4.0));
        }
    }

    @Nested
    class Quota {
        @Test
        void aGuaranteeIsMetBeforeOtherRolesGetAnythingBeyondTheirFairShare() {
            // Fair share would be 10/3 cpus each; q's guarantee of 6 comes first, a and b split the rest.
            Map<String, Double> cpus = byRole(allocate(agents(10, "cpus:1;mem:1024"),
                    List.of(framework("fa", "a"), framework("fb", "b"), framework("fq", "q")),
                    Map.of("q", guarantee("cpus:6"))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("q", 6.0), Map.entry("a", 2.0), Map.entry("b", 2.0));
        }

        @Test
        void aGuaranteeTakesOnlyTheSliceOfAnAgentThatMeetsItWithTheSameFractionOfTheOtherKinds() {
            List<OfferProposal> proposals = allocate(List.of(agent("a1", "cpus:8;mem:8192;disk:1000")),
                    List.of(framework("fa", "a"), framework("fq", "q")), Map.of("q", guarantee("cpus:2")));

            assertThat(proposals).hasSize(2);
            assertThat(proposals).filteredOn(p -> p.role().equals("q")).singleElement().satisfies(offer ->
                    assertThat(offer.resources().withoutAllocationInfo())
                            .isEqualTo(ResourceSet.parse("cpus:2;mem:2048;disk:250")));
            assertThat(proposals).filteredOn(p -> p.role().equals("a")).singleElement().satisfies(offer ->
                    assertThat(offer.resources().withoutAllocationInfo())
                            .isEqualTo(ResourceSet.parse("cpus:6;mem:6144;disk:750")));
        }

        @Test
        void aGuaranteeAlreadyHeldChangesNothing() {
            Map<String, Double> cpus = byRole(allocate(agents(4, "cpus:1;mem:1024"),
                    List.of(framework("fa", "a", "cpus:2"), framework("fq", "q", "cpus:2")),
                    Map.of("q", guarantee("cpus:2"))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("q", 2.0), Map.entry("a", 2.0));
        }

        @Test
        void aGuaranteeWithoutFrameworksHoldsBackItsHeadroomAndNothingMore() {
            // q wants no offers now but is guaranteed 1 cpu: a gets the rest of the agent, mem included.
            assertThat(allocate(List.of(agent("a1", "cpus:4;mem:4096")), List.of(framework("fa", "a")),
                    Map.of("q", guarantee("cpus:1")))).singleElement().satisfies(offer ->
                    assertThat(offer.resources().withoutAllocationInfo())
                            .isEqualTo(ResourceSet.parse("cpus:3;mem:4096")));
        }

        @Test
        void headroomIsKeptForEveryUnmetGuaranteeAcrossAgents() {
            // q1 and q2 want no offers now but are guaranteed 3 and 1 cpus: a may have 6 - 4 = 2 of the 6 (and the
            // memory of the other agents, which nobody is guaranteed).
            Map<String, Double> cpus = byRole(allocate(agents(6, "cpus:1;mem:100"), List.of(framework("fa", "a")),
                    Map.of("q1", guarantee("cpus:3"), "q2", guarantee("cpus:1"))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("a", 2.0));
        }

        @Test
        void aParentsGuaranteeIsMetThroughItsChildren() {
            Map<String, Double> cpus = byRole(allocate(agents(8, "cpus:1;mem:100"),
                    List.of(framework("web", "eng/web"), framework("ops", "ops")),
                    Map.of("eng", guarantee("cpus:6"))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng/web", 6.0), Map.entry("ops", 2.0));
        }

        @Test
        void aChildsGuaranteeWithinItsParentsIsNotCountedTwiceInTheHeadroom() {
            // eng guarantees 4 cpus, eng/web (no framework) 3 of them: 4 are held back, not 7.
            Map<String, Double> cpus = byRole(allocate(agents(8, "cpus:1;mem:100"), List.of(framework("ops", "ops")),
                    Map.of("eng", guarantee("cpus:4"), "eng/web", guarantee("cpus:3"))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("ops", 4.0));
        }

        @Test
        void aRoleNeverGetsBeyondItsLimit() {
            List<OfferProposal> proposals = allocate(agents(5, "cpus:2;mem:2048"),
                    List.of(framework("fa", "a"), framework("fb", "b")), Map.of("a", limit("cpus:3")));

            assertThat(byRole(proposals, "cpus")).containsOnly(Map.entry("a", 3.0), Map.entry("b", 7.0));
        }

        @Test
        void aRoleAtItsLimitGetsNothingOfTheLimitedKind() {
            List<OfferProposal> proposals = allocate(agents(3, "cpus:1;mem:1024"),
                    List.of(framework("fa", "a", "cpus:2")), Map.of("a", limit("cpus:2")));

            // What is left of the limited agents is only memory: still allocatable (mem >= 32), so offered.
            assertThat(byRole(proposals, "cpus")).containsOnly(Map.entry("a", 0.0));
            assertThat(byRole(proposals, "mem")).containsOnly(Map.entry("a", 3072.0));
        }

        @Test
        void anAncestorsLimitBindsItsChildren() {
            Map<String, Double> cpus = byRole(allocate(agents(6, "cpus:1;mem:100"),
                    List.of(framework("web", "eng/web"), framework("batch", "eng/batch"), framework("ops", "ops")),
                    Map.of("eng", limit("cpus:2"))), "cpus");

            assertThat(cpus).containsOnly(Map.entry("eng/web", 1.0), Map.entry("eng/batch", 1.0),
                    Map.entry("ops", 4.0));
        }

        @Test
        void aLimitBelowTheGuaranteeWins() {
            Map<String, Double> cpus = byRole(allocate(agents(6, "cpus:1;mem:100"), List.of(framework("fq", "q")),
                    Map.of("q", new RolePolicy(1, ResourceSet.parse("cpus:4"), ResourceSet.parse("cpus:2")))),
                    "cpus");

            assertThat(cpus.get("q")).isEqualTo(2.0);
        }
    }

    @Nested
    class Filters {
        @Test
        void aDeclinedAgentGoesToTheNextFramework() {
            AllocationInput input = new AllocationInput(List.of(agent("a1", "cpus:1;mem:100", "cpus:4;mem:400")),
                    List.of(framework("low", "r"), framework("high", "r", "cpus:2")),
                    Set.of(new Filter("low", "a1")));

            assertThat(allocator.allocate(input, new Random(1))).singleElement()
                    .extracting(OfferProposal::frameworkId).isEqualTo("high");
        }

        @Test
        void aDeclinedAgentIsNotUsedForTheGuaranteeEither() {
            AllocationInput input = new AllocationInput(agents(2, "cpus:1;mem:100"),
                    List.of(framework("fq", "q"), framework("fa", "a")), Set.of(new Filter("fq", "a0")),
                    Map.of("q", guarantee("cpus:1")));

            List<OfferProposal> proposals = allocator.allocate(input, new Random(1));

            assertThat(proposals).extracting(p -> p.frameworkId() + "@" + p.agentId())
                    .containsExactlyInAnyOrder("fq@a1", "fa@a0");
        }

        @Test
        void nobodyWantsAnAgentEveryoneDeclined() {
            AllocationInput input = new AllocationInput(agents(1, "cpus:1;mem:100"), List.of(framework("f1", "r")),
                    Set.of(new Filter("f1", "a0")));

            assertThat(allocator.allocate(input, new Random(1))).isEmpty();
        }
    }

    @Nested
    class MinimumAllocatable {
        @Test
        void agentsBelowTheMinimumAreSkipped() {
            List<OfferProposal> proposals = allocate(
                    List.of(agent("tiny", "cpus:0.005;mem:16", "cpus:4;mem:4096"),
                            agent("cpuOnly", "cpus:0.01", "cpus:4;mem:4096"),
                            agent("memOnly", "mem:32", "cpus:4;mem:4096")),
                    List.of(framework("f1", "r")), Map.of());

            assertThat(proposals).extracting(OfferProposal::agentId).containsExactlyInAnyOrder("cpuOnly", "memOnly");
        }

        @Test
        void aSliceCutBelowTheMinimumIsNotOfferedAndTheAgentGoesToSomeoneElse() {
            List<OfferProposal> proposals = allocate(List.of(agent("a1", "cpus:1;mem:1024")),
                    List.of(framework("fa", "a"), framework("fb", "b", "cpus:0.5")),
                    Map.of("a", limit("cpus:0.005;mem:16")));

            assertThat(proposals).singleElement().extracting(OfferProposal::frameworkId).isEqualTo("fb");
        }
    }

    @Nested
    class Determinism {
        private AllocationInput randomCluster() {
            Random random = new Random(99);
            List<AgentSlot> agents = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                agents.add(agent("a" + i, "cpus:" + (1 + random.nextInt(8)) + ";mem:" + (256 * (1 + random.nextInt(16)))));
            }
            List<FrameworkDemand> frameworks = new ArrayList<>();
            Set<Filter> filters = new HashSet<>();
            String[] roles = {"a", "b", "eng/web", "eng/batch", "q"};
            for (int f = 0; f < 12; f++) {
                frameworks.add(framework("f" + f, roles[f % roles.length], "cpus:" + random.nextInt(4)));
                filters.add(new Filter("f" + f, "a" + random.nextInt(40)));
            }
            return new AllocationInput(agents, frameworks, filters, Map.of("q", guarantee("cpus:20;mem:4096"),
                    "eng", new RolePolicy(2, ResourceSet.empty(), ResourceSet.parse("cpus:40"))));
        }

        @Test
        void theSameSeedGivesTheSameProposals() {
            AllocationInput input = randomCluster();

            assertThat(allocator.allocate(input, new Random(7))).isEqualTo(allocator.allocate(input, new Random(7)));
        }

        @Test
        void agentsAreVisitedInARandomOrder() {
            // Two frameworks in one role, agents of different sizes: which framework gets which agent depends on
            // the order agents are visited in.
            List<AgentSlot> agents = List.of(agent("a1", "cpus:1;mem:100"), agent("a2", "cpus:2;mem:200"),
                    agent("a3", "cpus:3;mem:300"));
            AllocationInput input = new AllocationInput(agents,
                    List.of(framework("f1", "r"), framework("f2", "r")), Set.of());
            Set<List<OfferProposal>> outcomes = new HashSet<>();
            for (long seed = 0; seed < 20; seed++) {
                outcomes.add(allocator.allocate(input, new Random(seed)));
            }

            assertThat(outcomes).hasSizeGreaterThan(1);
        }
    }

    @Nested
    class Reservations {
        private static final String REFINED = "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":2},"
                + "\"reservations\":[{\"type\":\"STATIC\",\"role\":\"eng\"},"
                + "{\"type\":\"DYNAMIC\",\"role\":\"eng/web\"}]}";

        @Test
        void reservedResourcesGoOnlyToTheirRoleEvenWhenAnotherRoleIsFurtherBelowItsShare() {
            // eng already holds much more than ops, yet only eng may have the cpus reserved for it.
            List<OfferProposal> proposals = allocate(List.of(agent("a0", "cpus(eng):3;mem(eng):3072")),
                    List.of(framework("f-eng", "eng", "cpus:10;mem:10240"), framework("f-ops", "ops")), Map.of());

            assertThat(proposals).singleElement().satisfies(p -> {
                assertThat(p.frameworkId()).isEqualTo("f-eng");
                assertThat(p.resources().scalar("cpus")).isEqualTo(3.0);
                assertThat(p.resources().toList()).allSatisfy(r ->
                        assertThat(io.corral.protocol.resources.Reservations.role(r)).isEqualTo("eng"));
            });
        }

        @Test
        void aReservationIsOfferedToTheRolesSubtreeButNotToItsParent() {
            List<OfferProposal> toChild = allocate(List.of(agent("a0", "cpus(eng):2;mem(eng):2048")),
                    List.of(framework("f-web", "eng/web")), Map.of());
            List<OfferProposal> toParent = allocate(List.of(agent("a0", "cpus(eng/web):2;mem(eng/web):2048")),
                    List.of(framework("f-eng", "eng")), Map.of());

            assertThat(toChild).singleElement().satisfies(p -> {
                assertThat(p.role()).isEqualTo("eng/web");
                assertThat(p.resources().scalar("cpus")).isEqualTo(2.0);
            });
            assertThat(toParent).isEmpty();
        }

        @Test
        void aFrameworkGetsItsReservationAndItsFairPartOfTheRestInOneOffer() {
            List<OfferProposal> proposals = allocate(List.of(agent("a0", "cpus(eng):1;cpus:3;mem:4096")),
                    List.of(framework("f-eng", "eng")), Map.of());

            assertThat(proposals).singleElement().satisfies(p -> {
                assertThat(p.resources().scalar("cpus")).isEqualTo(4.0);
                assertThat(p.resources().scalar("mem")).isEqualTo(4096.0);
            });
        }

        @Test
        void reservedResourcesCountTowardsTheRolesShare() {
            // a0's 4 reserved cpus go to eng; on a1 (4 unreserved cpus) ops, now the lower share, comes first.
            List<OfferProposal> proposals = allocate(List.of(agent("a0", "cpus(eng):4;mem(eng):4096"),
                            agent("a1", "cpus:4;mem:4096")),
                    List.of(framework("f-eng", "eng"), framework("f-ops", "ops")), Map.of());

            assertThat(byFramework(proposals, "cpus")).containsEntry("f-eng", 4.0).containsEntry("f-ops", 4.0);
        }

        @Test
        void refinedReservationsAreOfferedOnlyToFrameworksThatCanReadThem() {
            org.apache.mesos.v1.Protos.Resource refined = io.corral.protocol.json.MesosJson.parse(REFINED,
                    org.apache.mesos.v1.Protos.Resource.getDefaultInstance());
            ResourceSet free = ResourceSet.of(List.of(refined)).plus(ResourceSet.parse("mem(eng):1024"));
            AgentSlot slot = new AgentSlot("a0", "a0.host", free, free);

            List<OfferProposal> old = allocate(List.of(slot),
                    List.of(new FrameworkDemand("f-old", "eng/web", ResourceSet.empty(), false)), Map.of());
            List<OfferProposal> refining = allocate(List.of(slot),
                    List.of(new FrameworkDemand("f-new", "eng/web", ResourceSet.empty(), true)), Map.of());

            assertThat(old).singleElement().satisfies(p -> assertThat(p.resources().scalar("cpus")).isZero());
            assertThat(refining).singleElement().satisfies(p ->
                    assertThat(p.resources().scalar("cpus")).isEqualTo(2.0));
        }

        @Test
        void aFrameworkThatDeclinedTheAgentIsNotOfferedItsReservation() {
            List<OfferProposal> proposals = allocator.allocate(new AllocationInput(
                    List.of(agent("a0", "cpus(eng):2;mem(eng):2048")),
                    List.of(framework("f1", "eng"), framework("f2", "eng", "cpus:5")),
                    Set.of(new Filter("f1", "a0")), Map.of()), new Random(1));

            assertThat(proposals).singleElement().satisfies(p -> assertThat(p.frameworkId()).isEqualTo("f2"));
        }
    }

    @Nested
    class IdleHoldings {
        @Test
        void whatASuppressedFrameworkHoldsStillCountsTowardsItsRolesShare() {
            // eng's suppressed framework holds 4 cpus; eng's active one is therefore behind ops on both agents.
            List<OfferProposal> proposals = allocator.allocate(new AllocationInput(
                    agents(2, "cpus:2;mem:2048"),
                    List.of(framework("f-eng", "eng"), framework("f-ops", "ops")), Set.of(), Map.of(),
                    List.of(new AllocationInput.RoleHolding("eng", ResourceSet.parse("cpus:4;mem:4096")))),
                    new Random(3));

            assertThat(byFramework(proposals, "cpus")).containsEntry("f-ops", 4.0).doesNotContainKey("f-eng");
        }

        @Test
        void whatASuppressedFrameworkHoldsCountsTowardsItsRolesGuarantee() {
            List<OfferProposal> proposals = allocator.allocate(new AllocationInput(
                    agents(2, "cpus:1;mem:1024"),
                    List.of(framework("f-eng", "eng"), framework("f-ops", "ops")), Set.of(),
                    Map.of("eng", guarantee("cpus:2")),
                    List.of(new AllocationInput.RoleHolding("eng", ResourceSet.parse("cpus:2;mem:2048")))),
                    new Random(3));

            // eng's guarantee is met by what it holds already, so nothing is set aside for it: ops, far below
            // eng's share, gets both agents.
            assertThat(byFramework(proposals, "cpus")).containsOnly(java.util.Map.entry("f-ops", 2.0));
        }
    }
}
