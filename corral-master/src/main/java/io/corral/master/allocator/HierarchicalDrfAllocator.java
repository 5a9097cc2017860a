package io.corral.master.allocator;

import io.corral.master.allocator.AllocationInput.AgentSlot;
import io.corral.master.allocator.AllocationInput.RolePolicy;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Mesos's hierarchical DRF allocation: roles share the cluster by weighted dominant resource fairness, level by level
 * down the role tree, frameworks share their role's part by DRF, and quota guarantees are served first.
 *
 * <h2>Goals</h2>
 * <ul>
 *   <li>Fairness between roles: a role's share is the dominant share (over the cluster's total {@code cpus},
 *       {@code mem}, {@code disk} and {@code gpus}; kinds with zero total are skipped) of what it and its subtree
 *       hold, divided by its weight ({@link RolePolicy#weight()}, 1 for roles with no policy). Roles that all want
 *       more end up with shares within one offer of each other: a role of weight 2 holds twice what a role of weight
 *       1 holds of a contended resource.</li>
 *   <li>Hierarchy: roles form a tree by {@code '/'} ("eng/web" is a child of "eng"); siblings are compared by their
 *       weighted share at each level, so children split what their parent's share earns. A role's own frameworks
 *       compete with its child roles as one more child of weight 1 (Mesos's virtual leaf "eng/.").</li>
 *   <li>Fairness between frameworks of a role: by their own (unweighted) dominant share.</li>
 *   <li>Quota: a role below its guarantee ({@link RolePolicy#guarantees()}) gets up to it before any role gets
 *       anything beyond its guarantee; no role is ever offered beyond its limit ({@link RolePolicy#limits()}, nor its
 *       ancestors'); and what other roles still need to meet their guarantees (the <em>headroom</em>) is never
 *       handed out beyond them, whether or not those roles have a framework wanting offers now.</li>
 * </ul>
 *
 * <h2>Constraints</h2>
 * <ul>
 *   <li>A pure function of the {@link AllocationInput} and the {@link Random} (used only to shuffle agents): no I/O,
 *       no threads, no clock; the same seed gives the same proposals.</li>
 *   <li>Offers as the master makes them: per (agent, framework, role) at most one proposal a cycle (a MULTI_ROLE
 *       framework is one demand per role), every resource's allocation role set to that role; never more of an agent
 *       than it has free; never a pair the framework declined ({@link Declined}); never an agent with GPUs to a
 *       framework without GPU_RESOURCES, as Mesos keeps GPU machines for GPU work; never a slice below Mesos's
 *       minimum allocatable resources ({@code cpus:0.01} or {@code mem:32}). Suppressed frameworks are not among the
 *       demands and get nothing.</li>
 *   <li>Fast: 2,000 agents by 200 frameworks within milliseconds. Nothing is quadratic in agents x frameworks: each
 *       tree node keeps its active children sorted by share, an agent's grant walks down the tree to the lowest
 *       eligible framework and then moves only the nodes on that framework's path, O(depth x log(siblings)). Quota
 *       bookkeeping is kept per node and updated along the same path; the first stage looks, per agent, only at
 *       roles still below a guarantee their limits let them reach. The cycle's state is built from the input each
 *       time (linear in its size); the structure is the one an incremental allocator would keep between
 *       cycles.</li>
 *   <li>Shares and quota count what every framework holds, including those that want no offers now (suppressed or
 *       disconnected: {@link AllocationInput#idle()}), as Mesos's sorters keep their allocations.</li>
 * </ul>
 *
 * <h2>Algorithm</h2>
 * Amounts are per scalar kind in thousandths (exact, as {@link ResourceSet} keeps them). The cycle builds the
 * {@link ShareTree} (roles, their frameworks, holdings and shares, each role's unmet guarantee and the cluster's
 * <em>required headroom</em>: per kind, the sum over roles of what their guarantees still lack, a parent's guarantee
 * covering its children's), and then:
 * <ol>
 *   <li><b>Reservations.</b> Agents in a random order; on each, the free resources reserved for a role (static or
 *       dynamic, the top of their reservation stack) go whole to the lowest-share framework at or below that role
 *       that has not declined the agent. They count towards shares; nobody outside the role's subtree is offered
 *       them, and the stages below divide only unreserved resources.</li>
 *   <li><b>Guarantees.</b> Agents in a random order; on each, roles that still need resources to meet a guarantee
 *       (their own or an ancestor's), lowest weighted share first, each get one slice for their lowest-share
 *       framework that has not declined the agent: of every guaranteed kind, as much as brings the role to its
 *       guarantee (within its limits); of the other kinds, the same fraction of the agent, so the slice is usable
 *       and the rest of the agent stays usable too, as far as limits and the surplus headroom allow. Skipped when no
 *       role has a guarantee.</li>
 *   <li><b>Fair share.</b> Agents in a new random order; on each, while the agent has allocatable resources left,
 *       walk down the tree taking at every level the child with the lowest share, to the first framework that has
 *       not declined the agent nor been granted it in this stage, in a role that may take an allocatable slice: per
 *       kind, all that is free, capped by the role's (and its ancestors') limit room and by what the headroom can
 *       spare (the role's own remaining need plus the surplus of free resources over the required headroom).
 *       The slice is granted (enlarging the framework's grant from the first stage if any) and the framework's
 *       path re-sorted. Kinds are capped each on its own, as in Mesos: a role at its cpus limit may still be offered
 *       an agent's memory alone, and whoever comes next the cpus alone, when that is allocatable.</li>
 *   <li>Every grant becomes an {@link OfferProposal}: the agent's free resources cut to the granted amounts (ranges
 *       and sets whole, with the agent's first grant), with the framework's role as allocation role.</li>
 * </ol>
 * Every grant updates at once the shares, the quota consumption, the required headroom and the free resources
 * left, so later choices in the same cycle see it.
 *
 * <p>Not implemented: per-resource filters (a decline covers the whole agent), frameworks in several roles (one
 * role each), reservations counted towards quota consumption while nobody uses them (Mesos counts them).
 */
public final class HierarchicalDrfAllocator implements Allocator {

    @Override
    public List<OfferProposal> allocate(AllocationInput input, Random random) {
        if (input.frameworks().isEmpty() || input.agents().isEmpty()) {
            return List.of();
        }
        return new Cycle(input).run(random);
    }

    /** One allocation cycle's state. */
    private static final class Cycle {
        private final ScalarKinds kinds = new ScalarKinds();
        private final ShareTree tree;
        private final List<AgentSpace> agents = new ArrayList<>();
        /** Per kind: free resources not granted yet, over all agents (the headroom available). */
        private final long[] available;
        private final List<AgentSpace.Grant> grants = new ArrayList<>();
        /** Stage 0's grants of reserved resources; a framework's grant there is merged with its later ones. */
        private final List<AgentSpace.Grant> reservedGrants = new ArrayList<>();
        private final long[] need;
        private final long[] room;
        private final long[] guaranteed;
        private final long[] slice;
        private final long[] unlimited;
        private int stamp;

        Cycle(AllocationInput input) {
            for (AgentSlot agent : input.agents()) {
                kinds.addAll(agent.free());
            }
            for (RolePolicy policy : input.roles().values()) {
                if (policy != null) {
                    kinds.addAll(policy.guarantees());
                    kinds.addAll(policy.limits());
                }
            }
            int size = kinds.size();
            tree = new ShareTree(input, kinds, input.clusterTotals().toArray());

            available = new long[size];
            for (AgentSlot slot : input.agents()) {
                AgentSpace agent = new AgentSpace(slot, kinds, input.declined().on(slot.agentId()));
                agents.add(agent);
                for (int k = 0; k < size; k++) {
                    available[k] += agent.free[k];
                }
            }
            need = new long[size];
            room = new long[size];
            guaranteed = new long[size];
            slice = new long[size];
            unlimited = new long[size];
            Arrays.fill(unlimited, Long.MAX_VALUE);
        }

        List<OfferProposal> run(Random random) {
            List<AgentSpace> order = new ArrayList<>(agents);
            Collections.shuffle(order, random);
            for (AgentSpace agent : order) {
                offerReservations(agent);
            }
            if (tree.hasGuarantees()) {
                meetGuarantees(order);
                // Mesos shuffles again, so that the agents the first stage cut up are not also the first ones
                // shared out.
                Collections.shuffle(order, random);
            }
            for (AgentSpace agent : order) {
                shareOut(agent);
            }
            // One offer per (framework, agent): a grant of reserved resources also holds the framework's later
            // unreserved grants on that agent (AgentSpace#take enlarges it).
            List<OfferProposal> proposals = new ArrayList<>(reservedGrants.size() + grants.size());
            for (AgentSpace.Grant grant : reservedGrants) {
                ResourceSet unreserved = grant.hasUnreserved()
                        ? grant.agent.resourcesOf(grant, grant.leaf.demand.role()) : ResourceSet.empty();
                proposals.add(proposal(grant, grant.reserved.plus(unreserved)));
            }
            for (AgentSpace.Grant grant : grants) {
                proposals.add(proposal(grant, grant.agent.resourcesOf(grant, grant.leaf.demand.role())));
            }
            return proposals;
        }

        private static OfferProposal proposal(AgentSpace.Grant grant, ResourceSet resources) {
            return new OfferProposal(grant.leaf.demand.frameworkId(), grant.agent.slot.agentId(),
                    grant.leaf.demand.role(), resources);
        }

        /**
         * Stage 0: each role's reserved resources on {@code agent} go whole to the lowest-share framework at or
         * below that role (Mesos offers a reservation to its role's subtree only) that has not declined the agent;
         * they count towards its share like any grant. Refined reservations go only to frameworks that can read
         * them. Nobody else is ever offered them.
         */
        private void offerReservations(AgentSpace agent) {
            for (Map.Entry<String, ResourceSet> entry : agent.reserved.entrySet()) {
                boolean refined = entry.getValue().toList().stream().anyMatch(r -> r.getReservationsCount() > 1);
                ShareTree.Node framework = tree.lowestFrameworkWithin(entry.getKey(),
                        node -> !agent.excludes(node) && (!refined || node.demand.refinement()));
                if (framework != null) {
                    AgentSpace.Grant created = agent.grantReserved(framework,
                            entry.getValue().withAllocationRole(framework.demand.role()));
                    if (created != null) {
                        reservedGrants.add(created);
                    }
                    tree.allocate(framework, kinds.millis(entry.getValue()));
                }
            }
        }

        /** Stage 1: roles below a guarantee get up to it, agent by agent. */
        private void meetGuarantees(List<AgentSpace> order) {
            List<ShareTree.Node> needy = new ArrayList<>();
            for (ShareTree.Node role : tree.clientRoles()) {
                if (tree.quotaNeed(role, need)) {
                    needy.add(role);
                }
            }
            boolean granted = true;
            for (AgentSpace agent : order) {
                if (needy.isEmpty()) {
                    return;
                }
                if (!agent.allocatable()) {
                    continue;
                }
                if (granted) {
                    needy.sort(ShareTree.ORDER);
                    granted = false;
                }
                for (Iterator<ShareTree.Node> it = needy.iterator(); it.hasNext() && agent.allocatable(); ) {
                    ShareTree.Node role = it.next();
                    if (!tree.quotaNeed(role, need) || !canGrow(role)) {
                        it.remove();
                        continue;
                    }
                    if (guaranteeSlice(role, agent)) {
                        ShareTree.Node framework = firstNotFiltered(role.own, agent);
                        if (framework != null) {
                            grant(agent, framework, slice);
                            granted = true;
                        }
                    }
                }
            }
        }

        /** False when limits leave {@code role} no room in any kind it still {@link #need}s: it is done. */
        private boolean canGrow(ShareTree.Node role) {
            long[] limitRoom = limitRoom(role);
            for (int k = 0; k < need.length; k++) {
                if (need[k] > 0 && limitRoom[k] > 0) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The stage 1 slice of {@code agent} for {@code role}, whose need is in {@link #need}, into {@link #slice};
         * false when the role cannot make progress here or the slice is not allocatable.
         */
        private boolean guaranteeSlice(ShareTree.Node role, AgentSpace agent) {
            long[] free = agent.free;
            long[] limitRoom = limitRoom(role);
            double fraction = 0;
            for (int k = 0; k < free.length; k++) {
                guaranteed[k] = Math.min(free[k], Math.min(need[k], limitRoom[k]));
                if (guaranteed[k] > 0) {
                    fraction = Math.max(fraction, (double) guaranteed[k] / free[k]);
                }
            }
            if (fraction == 0) {
                return false;
            }
            long[] required = tree.requiredHeadroom();
            for (int k = 0; k < free.length; k++) {
                long proportional = Math.min(free[k], (long) Math.floor(fraction * free[k] + 1e-6));
                long wanted = Math.max(guaranteed[k], proportional);
                long cap = Math.min(limitRoom[k], guaranteed[k] + Math.max(0, available[k] - required[k]));
                slice[k] = Math.min(wanted, cap);
            }
            return ScalarKinds.allocatable(slice);
        }

        /** Stage 2: the agent goes, slice by slice, to the lowest-share framework that may take it. */
        private void shareOut(AgentSpace agent) {
            stamp++;
            while (agent.allocatable()) {
                ShareTree.Node framework = lowest(tree.root(), agent);
                if (framework == null) {
                    return;
                }
                framework.stamp = stamp;
                grant(agent, framework, slice);
            }
        }

        /**
         * The first framework in share order under {@code node} that may be granted a slice of {@code agent}, with
         * its role's slice in {@link #slice}; null if none.
         */
        private ShareTree.Node lowest(ShareTree.Node node, AgentSpace agent) {
            for (ShareTree.Node child : node.children) {
                switch (child.type) {
                    case FRAMEWORK -> {
                        if (child.stamp != stamp && !agent.excludes(child)) {
                            return child;
                        }
                    }
                    case OWN -> {
                        if (fairSlice(node, agent)) {
                            ShareTree.Node framework = lowest(child, agent);
                            if (framework != null) {
                                return framework;
                            }
                        }
                    }
                    case ROLE -> {
                        ShareTree.Node framework = lowest(child, agent);
                        if (framework != null) {
                            return framework;
                        }
                    }
                }
            }
            return null;
        }

        /** The stage 2 slice of {@code agent} for {@code role} into {@link #slice}; false if not allocatable. */
        private boolean fairSlice(ShareTree.Node role, AgentSpace agent) {
            long[] free = agent.free;
            if (!tree.hasGuarantees() && !tree.hasLimits()) {
                System.arraycopy(free, 0, slice, 0, free.length);
                return true;
            }
            long[] limitRoom = limitRoom(role);
            long[] required = tree.requiredHeadroom();
            tree.quotaNeed(role, need);
            for (int k = 0; k < free.length; k++) {
                long cap = limitRoom[k];
                if (tree.hasGuarantees()) {
                    cap = Math.min(cap, need[k] + Math.max(0, available[k] - required[k]));
                }
                slice[k] = Math.min(free[k], cap);
            }
            return ScalarKinds.allocatable(slice);
        }

        private long[] limitRoom(ShareTree.Node role) {
            if (!tree.hasLimits()) {
                return unlimited;
            }
            tree.limitRoom(role, room);
            return room;
        }

        private static ShareTree.Node firstNotFiltered(ShareTree.Node own, AgentSpace agent) {
            for (ShareTree.Node framework : own.children) {
                if (!agent.excludes(framework)) {
                    return framework;
                }
            }
            return null;
        }

        private void grant(AgentSpace agent, ShareTree.Node framework, long[] amounts) {
            AgentSpace.Grant created = agent.take(framework, amounts);
            if (created != null) {
                grants.add(created);
            }
            for (int k = 0; k < amounts.length; k++) {
                available[k] -= amounts[k];
            }
            tree.allocate(framework, amounts);
        }
    }
}
