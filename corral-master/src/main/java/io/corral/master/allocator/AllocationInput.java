package io.corral.master.allocator;

import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of what the allocator needs: the free resources of the connected agents it may offer now,
 * the frameworks that want offers with what they hold now, the agents each framework declined recently
 * ({@link Declined}), the roles an operator gave a weight or quota (a role not in {@code roles} has weight 1 and no
 * quota), what frameworks that want no offers now (suppressed, or disconnected) hold by role ({@code idle}): it
 * counts towards their role's share and quota consumption, as in Mesos, though they are offered nothing; and the
 * cluster's total ({@code clusterTotals}), which shares are computed over.
 *
 * <p>{@code agents} may be a part of the cluster: a cycle run because a few agents changed (an ACCEPT left resources
 * over, a task ended) looks at those only, as Mesos's event-driven allocations do, while shares stay over the whole
 * cluster's total.
 */
public record AllocationInput(List<AgentSlot> agents, List<FrameworkDemand> frameworks, Declined declined,
                              Map<String, RolePolicy> roles, List<RoleHolding> idle, FairTotals clusterTotals) {

    public AllocationInput {
        agents = List.copyOf(agents);
        frameworks = List.copyOf(frameworks);
        java.util.Objects.requireNonNull(declined, "declined");
        roles = Map.copyOf(roles);
        idle = List.copyOf(idle);
        java.util.Objects.requireNonNull(clusterTotals, "clusterTotals");
    }

    /** The cluster is {@code agents}. */
    public AllocationInput(List<AgentSlot> agents, List<FrameworkDemand> frameworks, Set<Filter> filters,
                           Map<String, RolePolicy> roles, List<RoleHolding> idle) {
        this(agents, frameworks, Declined.of(filters), roles, idle, FairTotals.sum(agents));
    }

    /** Nobody holds resources without wanting offers. */
    public AllocationInput(List<AgentSlot> agents, List<FrameworkDemand> frameworks, Set<Filter> filters,
                           Map<String, RolePolicy> roles) {
        this(agents, frameworks, filters, roles, List.of());
    }

    /** No role has a weight or quota set. */
    public AllocationInput(List<AgentSlot> agents, List<FrameworkDemand> frameworks, Set<Filter> filters) {
        this(agents, frameworks, filters, Map.of());
    }

    /**
     * The total {@code cpus}, {@code mem}, {@code disk} and {@code gpus}, in thousandths (as {@link ResourceSet}
     * keeps scalars, so sums are exact), over all roles: what dominant shares are computed over.
     */
    public record FairTotals(long cpus, long mem, long disk, long gpus) {
        public static final FairTotals ZERO = new FairTotals(0, 0, 0, 0);

        public static FairTotals of(ResourceSet resources) {
            return new FairTotals(millis(resources, "cpus"), millis(resources, "mem"), millis(resources, "disk"),
                    millis(resources, "gpus"));
        }

        static FairTotals sum(List<AgentSlot> agents) {
            FairTotals sum = ZERO;
            for (AgentSlot agent : agents) {
                sum = sum.plus(of(agent.total()));
            }
            return sum;
        }

        public FairTotals plus(FairTotals other) {
            return new FairTotals(cpus + other.cpus, mem + other.mem, disk + other.disk, gpus + other.gpus);
        }

        /** In the order of {@link ScalarKinds}' first kinds. */
        long[] toArray() {
            return new long[] {cpus, mem, disk, gpus};
        }

        private static long millis(ResourceSet resources, String name) {
            return ScalarKinds.millis(resources.scalar(name));
        }
    }

    /** What frameworks of {@code role} that want no offers now hold (used and offered). */
    public record RoleHolding(String role, ResourceSet held) {}

    /**
     * What an operator set for a role: its {@code weight} (shares are divided by it: a role of weight 2 gets twice
     * the resources of a role of weight 1 when both want more), and its quota, as scalar resources: the
     * {@code guarantees} it gets before any role gets more than its fair share, and the {@code limits} it never
     * holds more than (empty: no limit).
     */
    public record RolePolicy(double weight, ResourceSet guarantees, ResourceSet limits) {
        public static final RolePolicy DEFAULT = new RolePolicy(1.0, ResourceSet.empty(), ResourceSet.empty());
    }

    /** An agent's free (neither used nor offered) resources. */
    public record AgentSlot(String agentId, String hostname, ResourceSet free, ResourceSet total) {}

    /**
     * A framework that may receive offers for one of its roles (a MULTI_ROLE framework has one demand per role it
     * wants offers in), with everything it holds in that role (used and offered). Capabilities that decide what it
     * may be offered: {@code refinement} (RESERVATION_REFINEMENT: refined reservations, a stack of more than one,
     * which the others cannot read) and {@code gpus} (GPU_RESOURCES: agents that have GPUs, which Mesos keeps from
     * the others so that they do not take up GPU machines with CPU work).
     */
    public record FrameworkDemand(String frameworkId, String role, ResourceSet held, boolean refinement,
                                  boolean gpus) {
        /** A framework that can read any resources. */
        public FrameworkDemand(String frameworkId, String role, ResourceSet held) {
            this(frameworkId, role, held, true, true);
        }

        public FrameworkDemand(String frameworkId, String role, ResourceSet held, boolean refinement) {
            this(frameworkId, role, held, refinement, true);
        }
    }

    /**
     * The framework declined this agent's resources and asked not to see them for a while: one pair, as tests and
     * benchmarks write them ({@link Declined#of} groups them by agent).
     */
    public record Filter(String frameworkId, String agentId) {
        /**
         * Mixed, unlike a record's own (31 * a + b): ids differ in their last characters ("...-S17", "...-S18"), so
         * their hashes are nearly consecutive, and the open-addressed sets that held the filters (Set.copyOf) probed
         * long runs of them: with 10,000 filters, comparing filters was 40% of the master's loop.
         */
        @Override
        public int hashCode() {
            int h = (frameworkId.hashCode() * 31 + agentId.hashCode()) * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
