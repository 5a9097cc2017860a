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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.mesos.v1.Protos.Value;

/** Properties over random clusters, built from a seed (so a failure names the seed that reproduces it). */
class HierarchicalDrfAllocatorPropertiesTest {
    private static final String[] ROLES = {"a", "b", "*", "eng", "eng/web", "eng/batch", "ops/x/y"};
    private static final double EPSILON = 1e-9;
    private final HierarchicalDrfAllocator allocator = new HierarchicalDrfAllocator();

    /** No agent over-committed, nothing offered twice, filters, one proposal per framework and agent, limits. */
    @Property(tries = 300)
    void proposalsKeepEveryRuleOfAnOffer(@ForAll @IntRange(min = 0, max = 40) int agentCount,
                                         @ForAll @IntRange(min = 1, max = 12) int frameworkCount,
                                         @ForAll long seed) {
        Random random = new Random(seed);
        List<AgentSlot> agents = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            int cpus = 1 + random.nextInt(16);
            int mem = 64 * (1 + random.nextInt(128));
            String total = "cpus:" + cpus + ";mem:" + mem + ";disk:" + (100 * random.nextInt(10))
                    + (random.nextInt(4) == 0 ? ";gpus:" + (1 + random.nextInt(4)) : "");
            String free = "cpus:" + (random.nextInt(cpus * 10 + 1) / 10.0) + ";mem:" + random.nextInt(mem + 1)
                    + ";disk:" + random.nextInt(500) + (random.nextBoolean() ? ";gpus:" + random.nextInt(2) : "")
                    + (random.nextBoolean() ? ";ports:[" + (31000 + i * 10) + "-" + (31004 + i * 10) + "]" : "");
            agents.add(new AgentSlot("a" + i, "h" + i, ResourceSet.parse(free), ResourceSet.parse(total)));
        }
        List<FrameworkDemand> frameworks = new ArrayList<>();
        Set<Filter> filters = new HashSet<>();
        for (int f = 0; f < frameworkCount; f++) {
            String held = random.nextBoolean() ? "" : "cpus:" + random.nextInt(8) + ";mem:" + random.nextInt(4096);
            frameworks.add(new FrameworkDemand("f" + f, ROLES[random.nextInt(ROLES.length)],
                    held.isEmpty() ? ResourceSet.empty() : ResourceSet.parse(held)));
            for (int i = 0; i < agentCount; i++) {
                if (random.nextInt(5) == 0) {
                    filters.add(new Filter("f" + f, "a" + i));
                }
            }
        }
        Map<String, RolePolicy> roles = new HashMap<>();
        for (String role : ROLES) {
            if (random.nextBoolean()) {
                roles.put(role, new RolePolicy(0.5 + random.nextInt(8) / 2.0,
                        random.nextBoolean() ? ResourceSet.parse("cpus:" + random.nextInt(20) + ";mem:"
                                + 64 * random.nextInt(64)) : ResourceSet.empty(),
                        random.nextBoolean() ? ResourceSet.parse("cpus:" + (0.5 + random.nextInt(30)) + ";mem:"
                                + 64 * (1 + random.nextInt(128))) : ResourceSet.empty()));
            }
        }
        AllocationInput input = new AllocationInput(agents, frameworks, filters, roles);

        List<OfferProposal> proposals = allocator.allocate(input, random);

        Map<String, FrameworkDemand> byId = new HashMap<>();
        frameworks.forEach(f -> byId.put(f.frameworkId(), f));
        Map<String, ResourceSet> offeredPerAgent = new HashMap<>();
        Map<String, Long> portsPerAgent = new HashMap<>();
        Set<String> pairs = new HashSet<>();
        for (OfferProposal proposal : proposals) {
            FrameworkDemand framework = byId.get(proposal.frameworkId());
            assertThat(framework).as("proposal for a framework that wants offers").isNotNull();
            assertThat(proposal.role()).isEqualTo(framework.role());
            assertThat(proposal.resources().toList()).allSatisfy(r ->
                    assertThat(r.getAllocationInfo().getRole()).isEqualTo(framework.role()));
            assertThat(pairs.add(proposal.frameworkId() + "@" + proposal.agentId()))
                    .as("one proposal per framework and agent").isTrue();
            assertThat(filters).doesNotContain(new Filter(proposal.frameworkId(), proposal.agentId()));
            ResourceSet resources = proposal.resources().withoutAllocationInfo();
            assertThat(resources.scalar("cpus") >= 0.01 || resources.scalar("mem") >= 32)
                    .as("minimum allocatable: %s", resources).isTrue();
            offeredPerAgent.merge(proposal.agentId(), resources, ResourceSet::plus);
            portsPerAgent.merge(proposal.agentId(), ports(resources), Long::sum);
        }
        for (AgentSlot agent : agents) {
            ResourceSet offered = offeredPerAgent.getOrDefault(agent.agentId(), ResourceSet.empty());
            assertThat(agent.free().contains(offered)).as("%s offered out of free %s", offered, agent.free())
                    .isTrue();
            assertThat(portsPerAgent.getOrDefault(agent.agentId(), 0L)).as("ports offered twice")
                    .isEqualTo(ports(offered));
        }
        roles.forEach((role, policy) -> {
            for (String kind : List.of("cpus", "mem")) {
                double limit = policy.limits().scalar(kind);
                if (limit > 0) {
                    double held = 0;
                    for (FrameworkDemand framework : frameworks) {
                        if (inSubtree(framework.role(), role)) {
                            held += framework.held().scalar(kind);
                        }
                    }
                    double offered = 0;
                    for (OfferProposal proposal : proposals) {
                        if (inSubtree(proposal.role(), role)) {
                            offered += proposal.resources().scalar(kind);
                        }
                    }
                    assertThat(offered).as("%s of role %s over its limit", kind, role)
                            .isLessThanOrEqualTo(Math.max(0, limit - held) + EPSILON);
                }
            }
        });
    }

    /** Found by CI: r3 ends 16 MB short of its 1,152 MB guarantee, less than any offer may carry. */
    @net.jqwik.api.Example
    void aGuaranteeShortByLessThanAMinimumOfferStaysShort() {
        quotaGuaranteesAreMetBeforeAnyExcess(14, 6, 26);
    }

    /**
     * Guarantees come first: when the free resources cover every role's unmet guarantee, every role with a framework
     * reaches its guarantee in one cycle (or falls short by less than the smallest offer, 0.01 cpus or 32 MB, which a
     * remaining need below that cannot get once the surplus is spent); and roles without a guarantee only ever get
     * what the unmet guarantees leave (so, when supply is short, nothing of the short kind).
     */
    @Property(tries = 300)
    void quotaGuaranteesAreMetBeforeAnyExcess(@ForAll @IntRange(min = 1, max = 30) int agentCount,
                                              @ForAll @IntRange(min = 2, max = 6) int roleCount,
                                              @ForAll long seed) {
        Random random = new Random(seed);
        List<AgentSlot> agents = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            int cpus = 1 + random.nextInt(8);
            int mem = 64 * (1 + random.nextInt(64));
            String free = "cpus:" + random.nextInt(cpus + 1) + ";mem:" + 64 * random.nextInt(mem / 64 + 1);
            agents.add(new AgentSlot("a" + i, "h" + i, ResourceSet.parse(free),
                    ResourceSet.parse("cpus:" + cpus + ";mem:" + mem)));
        }
        List<FrameworkDemand> frameworks = new ArrayList<>();
        Map<String, RolePolicy> roles = new HashMap<>();
        for (int r = 0; r < roleCount; r++) {
            String role = "r" + r;
            int frameworkCount = random.nextInt(3);
            for (int f = 0; f < frameworkCount; f++) {
                String held = "cpus:" + random.nextInt(3) + ";mem:" + 64 * random.nextInt(8);
                frameworks.add(new FrameworkDemand(role + "f" + f, role, ResourceSet.parse(held)));
            }
            if (random.nextBoolean()) {
                String guarantee = random.nextBoolean()
                        ? "cpus:" + (1 + random.nextInt(10)) + ";mem:" + 64 * (1 + random.nextInt(64))
                        : random.nextBoolean() ? "cpus:" + (1 + random.nextInt(10)) : "mem:" + 64 * (1 + random.nextInt(64));
                roles.put(role, new RolePolicy(1 + random.nextInt(3), ResourceSet.parse(guarantee),
                        ResourceSet.empty()));
            }
        }
        AllocationInput input = new AllocationInput(agents, frameworks, Set.of(), roles);

        List<OfferProposal> proposals = allocator.allocate(input, random);

        boolean supplyAllows = true;
        for (String kind : List.of("cpus", "mem")) {
            double unmet = 0;
            for (Map.Entry<String, RolePolicy> entry : roles.entrySet()) {
                unmet += Math.max(0, entry.getValue().guarantees().scalar(kind) - held(frameworks, entry.getKey(), kind));
            }
            double free = agents.stream().mapToDouble(a -> a.free().scalar(kind)).sum();
            double toRolesWithoutGuarantee = proposals.stream()
                    .filter(p -> !roles.containsKey(p.role()) || roles.get(p.role()).guarantees().scalar(kind) == 0)
                    .mapToDouble(p -> p.resources().scalar(kind)).sum();
            assertThat(toRolesWithoutGuarantee).as("%s beyond guarantees while %s are unmet", kind, unmet)
                    .isLessThanOrEqualTo(Math.max(0, free - unmet) + EPSILON);
            supplyAllows &= unmet <= free;
        }
        if (supplyAllows) {
            for (Map.Entry<String, RolePolicy> entry : roles.entrySet()) {
                String role = entry.getKey();
                if (frameworks.stream().noneMatch(f -> f.role().equals(role))) {
                    continue;
                }
                for (String kind : List.of("cpus", "mem")) {
                    double has = held(frameworks, role, kind) + proposals.stream().filter(p -> p.role().equals(role))
                            .mapToDouble(p -> p.resources().scalar(kind)).sum();
                    // Up to one minimum allocatable amount (Mesos's 0.01 cpus, 32 MB): an offer never carries less,
                    // so a role 16 MB short of its guarantee gets nothing more once the surplus is spent.
                    double fragment = kind.equals("cpus") ? 0.01 : 32;
                    assertThat(has).as("%s of %s after the cycle", kind, role)
                            .isGreaterThan(entry.getValue().guarantees().scalar(kind) - fragment - EPSILON);
                }
            }
        }
    }

    /**
     * Fairness over repeated cycles: an empty cluster is allocated cycle after cycle, every proposal accepted (added
     * to what its framework holds, allocation role included, and taken from the agent's free), until a cycle offers
     * nothing. The cluster's agents are all registered from the start (fixed totals, so shares of different cycles
     * compare) but become free in batches, one batch per cycle, as if what they ran before ended. At the end
     * equal-weight sibling roles (top level, and the children of "b") and the frameworks of one role hold dominant
     * shares within one task of each other. Every agent is one task's worth (offers are whole agents when nothing
     * limits them), so one task is at most the largest agent's dominant share.
     */
    @Property(tries = 200)
    void equalWeightSiblingsEndWithinOneTaskOfEachOther(@ForAll @IntRange(min = 1, max = 60) int agentCount,
                                                        @ForAll @IntRange(min = 1, max = 10) int batches,
                                                        @ForAll long seed) {
        Random random = new Random(seed);
        Simulation simulation = new Simulation(random, agentCount, new String[] {"a", "b/x", "b/y", "c/d/e"}, 3);
        List<String> busy = new ArrayList<>(simulation.totalOf.keySet());
        simulation.totalOf.keySet().forEach(id -> simulation.free.put(id, ResourceSet.empty()));
        int perBatch = (agentCount + batches - 1) / batches;
        int cycles = 0;
        boolean offered = true;
        while (offered || !busy.isEmpty()) {
            for (int i = 0; i < perBatch && !busy.isEmpty(); i++) {
                String id = busy.remove(random.nextInt(busy.size()));
                simulation.free.put(id, simulation.totalOf.get(id));
            }
            offered = simulation.cycle();
            assertThat(++cycles).as("cycles").isLessThan(100);
        }

        assertThat(simulation.full()).as("cluster full").isTrue();
        simulation.assertWithinOneTask(List.of("a", "b", "c"));
        simulation.assertWithinOneTask(List.of("b/x", "b/y"));
        for (String role : simulation.roleNames) {
            simulation.assertFrameworksWithinOneTask(role);
        }
    }

    /** A cluster of agents that are one task each, frameworks in equal-weight roles, and allocation cycles. */
    private final class Simulation {
        final Random random;
        final String[] roleNames;
        final Map<String, ResourceSet> totalOf = new LinkedHashMap<>();
        /** Agents in the cluster, with what they have free. */
        final Map<String, ResourceSet> free = new LinkedHashMap<>();
        final Map<String, String> roleOf = new LinkedHashMap<>();
        final Map<String, ResourceSet> held = new LinkedHashMap<>();
        double totalCpus;
        double totalMem;
        double task;

        Simulation(Random random, int agentCount, String[] roleNames, int maxFrameworksPerRole) {
            this.random = random;
            this.roleNames = roleNames;
            for (int i = 0; i < agentCount; i++) {
                int cpus = 1 + random.nextInt(4);
                int mem = 256 * (1 + random.nextInt(8));
                totalOf.put("a" + i, ResourceSet.parse("cpus:" + cpus + ";mem:" + mem));
                totalCpus += cpus;
                totalMem += mem;
            }
            for (ResourceSet agent : totalOf.values()) {
                task = Math.max(task, share(agent));
            }
            for (String role : roleNames) {
                int count = 1 + random.nextInt(maxFrameworksPerRole);
                for (int f = 0; f < count; f++) {
                    roleOf.put(role + "#" + f, role);
                    held.put(role + "#" + f, ResourceSet.empty());
                }
            }
        }

        /** One allocation, every offer accepted; false when nothing was offered. */
        boolean cycle() {
            List<AgentSlot> agents = new ArrayList<>();
            free.forEach((id, resources) -> agents.add(new AgentSlot(id, id, resources, totalOf.get(id))));
            List<FrameworkDemand> frameworks = new ArrayList<>();
            held.forEach((id, resources) -> frameworks.add(new FrameworkDemand(id, roleOf.get(id), resources)));
            List<OfferProposal> proposals = allocator.allocate(new AllocationInput(agents, frameworks, Set.of()),
                    random);
            for (OfferProposal proposal : proposals) {
                held.merge(proposal.frameworkId(), proposal.resources(), ResourceSet::plus);
                free.compute(proposal.agentId(), (id, left) -> left.minus(proposal.resources().withoutAllocationInfo()));
            }
            return !proposals.isEmpty();
        }

        boolean full() {
            return held.values().stream().reduce(ResourceSet.empty(), ResourceSet::plus).withoutAllocationInfo()
                    .equals(totalOf.values().stream().reduce(ResourceSet.empty(), ResourceSet::plus));
        }

        double share(ResourceSet resources) {
            return Math.max(resources.scalar("cpus") / totalCpus, resources.scalar("mem") / totalMem);
        }

        /** Dominant shares of roles (a role holds what its subtree holds). */
        void assertWithinOneTask(List<String> roles) {
            Map<String, ResourceSet> byRole = new HashMap<>();
            held.forEach((id, resources) -> {
                for (String role : roles) {
                    if (inSubtree(roleOf.get(id), role)) {
                        byRole.merge(role, resources, ResourceSet::plus);
                    }
                }
            });
            assertWithin(roles, byRole);
        }

        void assertFrameworksWithinOneTask(String role) {
            assertWithin(roleOf.keySet().stream().filter(id -> roleOf.get(id).equals(role)).toList(), held);
        }

        private void assertWithin(List<String> names, Map<String, ResourceSet> holdings) {
            double min = Double.MAX_VALUE;
            double max = 0;
            for (String name : names) {
                double s = share(holdings.getOrDefault(name, ResourceSet.empty()));
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
            assertThat(max - min).as("shares of %s: %s..%s, one task is %s", names, min, max, task)
                    .isLessThanOrEqualTo(task + EPSILON);
        }
    }

    /** The same input and seed give the same proposals, in the same order. */
    @Property(tries = 50)
    void deterministicForASeed(@ForAll @IntRange(min = 0, max = 30) int agentCount, @ForAll long seed) {
        Random random = new Random(seed);
        List<AgentSlot> agents = new ArrayList<>();
        for (int i = 0; i < agentCount; i++) {
            String resources = "cpus:" + (1 + random.nextInt(8)) + ";mem:" + 128 * (1 + random.nextInt(32));
            agents.add(new AgentSlot("a" + i, "h", ResourceSet.parse(resources), ResourceSet.parse(resources)));
        }
        List<FrameworkDemand> frameworks = new ArrayList<>();
        for (int f = 0; f < 8; f++) {
            frameworks.add(new FrameworkDemand("f" + f, ROLES[random.nextInt(ROLES.length)], ResourceSet.empty()));
        }
        Map<String, RolePolicy> roles = Map.of(
                "eng", new RolePolicy(2, ResourceSet.parse("cpus:10"), ResourceSet.empty()),
                "b", new RolePolicy(1, ResourceSet.empty(), ResourceSet.parse("cpus:6")));
        AllocationInput input = new AllocationInput(agents, frameworks, Set.of(), roles);

        assertThat(allocator.allocate(input, new Random(seed))).isEqualTo(allocator.allocate(input, new Random(seed)));
    }

    private static boolean inSubtree(String role, String ancestor) {
        return role.equals(ancestor) || role.startsWith(ancestor + "/");
    }

    private static double held(List<FrameworkDemand> frameworks, String role, String kind) {
        return frameworks.stream().filter(f -> f.role().equals(role)).mapToDouble(f -> f.held().scalar(kind)).sum();
    }

    private static long ports(ResourceSet resources) {
        long count = 0;
        for (Value.Range range : resources.ranges("ports").getRangeList()) {
            count += range.getEnd() - range.getBegin() + 1;
        }
        return count;
    }
}
