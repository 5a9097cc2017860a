package io.corral.master.allocator;

import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of what the allocator needs: the free resources of every connected agent, the frameworks
 * that want offers with what they hold now, the (framework, agent) pairs a framework declined recently, the roles an
 * operator gave a weight or quota (a role not in {@code roles} has weight 1 and no quota), and what frameworks that
 * want no offers now (suppressed, or disconnected) hold by role ({@code idle}): it counts towards their role's share
 * and quota consumption, as in Mesos, though they are offered nothing.
 */
public record AllocationInput(List<AgentSlot> agents, List<FrameworkDemand> frameworks, Set<Filter> filters,
                              Map<String, RolePolicy> roles, List<RoleHolding> idle) {

    public AllocationInput {
        agents = List.copyOf(agents);
        frameworks = List.copyOf(frameworks);
        filters = Set.copyOf(filters);
        roles = Map.copyOf(roles);
        idle = List.copyOf(idle);
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

    /** The framework declined this agent's resources and asked not to see them for a while. */
    public record Filter(String frameworkId, String agentId) {
        /**
         * Mixed, unlike a record's own (31 * a + b): ids differ in their last characters ("...-S17", "...-S18"), so
         * their hashes are nearly consecutive, and the open-addressed sets that hold the filters (Set.copyOf) probed
         * long runs of them: with 10,000 filters, comparing filters was 40% of the master's loop.
         */
        @Override
        public int hashCode() {
            int h = (frameworkId.hashCode() * 31 + agentId.hashCode()) * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
