package io.corral.master.allocator;

import io.corral.master.allocator.AllocationInput.AgentSlot;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * What is left of one agent's free resources during a cycle, and the slices of it granted so far, at most one per
 * framework (a framework granted twice on the same agent has its grant enlarged).
 *
 * <p>Reserved resources are set apart ({@link #reserved}): they go whole to a framework of their role, before the
 * fair-share stages divide the unreserved ones.
 *
 * <p>Scalars are kept per resource of the agent's free set (so cpus reserved and unreserved, say, stay apart) and
 * summed per kind in {@link #free}; a slice of a kind is taken from the agent's resources of that kind in order.
 * Ranges and sets (ports, say) are not split: they go whole with the first grant on the agent, as Mesos's first
 * allocation of an agent takes its non-scalar resources.
 *
 * <p>Threading: confined to the cycle that built it.
 */
final class AgentSpace {
    final AgentSlot slot;
    /** The agent's free unreserved resources: what the fair-share stages divide. */
    private final ResourceSet offerable;
    /** The agent's free reserved resources, by the role they are reserved for (the top of their stack). */
    final Map<String, ResourceSet> reserved;
    /** What is left per kind, in thousandths: the sum of {@link #left} by kind. */
    final long[] free;
    private final List<Resource> resources;
    /** Per resource: its scalar kind, or -1 for ranges and sets. */
    private final int[] kindOf;
    /** Per resource: thousandths not yet granted (scalars). */
    private final long[] left;
    /** Per resource: thousandths free at the start (scalars). */
    private final long[] initial;
    private boolean nonScalarsLeft;
    private final boolean hasGpus;
    /** The frameworks that declined this agent. */
    private final Set<String> declinedBy;
    private final List<Grant> grants = new ArrayList<>(2);

    AgentSpace(AgentSlot slot, ScalarKinds kinds, Set<String> declinedBy) {
        this.slot = slot;
        this.declinedBy = declinedBy;
        this.hasGpus = slot.total().scalar("gpus") > 0;
        List<Resource> unreserved = new ArrayList<>();
        Map<String, List<Resource>> reservedByRole = new LinkedHashMap<>();
        for (Resource resource : slot.free().toList()) {
            if (Reservations.isUnreserved(resource)) {
                unreserved.add(resource);
            } else {
                reservedByRole.computeIfAbsent(Reservations.role(resource), r -> new ArrayList<>()).add(resource);
            }
        }
        this.offerable = unreserved.size() == slot.free().toList().size() ? slot.free() : ResourceSet.of(unreserved);
        Map<String, ResourceSet> reserved = new LinkedHashMap<>();
        reservedByRole.forEach((role, list) -> reserved.put(role, ResourceSet.of(list)));
        this.reserved = reserved;
        this.resources = offerable.toList();
        this.kindOf = new int[resources.size()];
        this.left = new long[resources.size()];
        this.initial = new long[resources.size()];
        this.free = new long[kinds.size()];
        for (int i = 0; i < resources.size(); i++) {
            Resource resource = resources.get(i);
            if (resource.getType() == Value.Type.SCALAR) {
                kindOf[i] = kinds.indexOf(resource.getName());
                left[i] = ScalarKinds.millis(resource.getScalar().getValue());
                initial[i] = left[i];
                free[kindOf[i]] += left[i];
            } else {
                kindOf[i] = -1;
                nonScalarsLeft = true;
            }
        }
    }

    boolean allocatable() {
        return ScalarKinds.allocatable(free);
    }

    /**
     * True when this agent is not for {@code framework}: it declined the agent and asked not to see it for a while,
     * or the agent has GPUs and the framework is not GPU_RESOURCES capable.
     */
    boolean excludes(ShareTree.Node framework) {
        if (hasGpus && !framework.demand.gpus()) {
            return true;
        }
        return !declinedBy.isEmpty() && declinedBy.contains(framework.demand.frameworkId());
    }

    /**
     * Grants {@code amounts} (per kind, each at most what is {@link #free}) to the framework {@code leaf}, and the
     * agent's ranges and sets if nobody has them yet. Returns the new grant, or null when the framework's grant on
     * this agent was enlarged.
     */
    Grant take(ShareTree.Node leaf, long[] amounts) {
        Grant grant = null;
        for (Grant existing : grants) {
            if (existing.leaf == leaf) {
                grant = existing;
                break;
            }
        }
        boolean created = grant == null;
        if (created) {
            grant = new Grant(this, leaf, new long[resources.size()]);
            grants.add(grant);
        }
        long[] owed = amounts.clone();
        for (int i = 0; i < resources.size(); i++) {
            int kind = kindOf[i];
            if (kind < 0 || owed[kind] == 0) {
                continue;
            }
            long taken = Math.min(left[i], owed[kind]);
            left[i] -= taken;
            owed[kind] -= taken;
            free[kind] -= taken;
            grant.taken[i] += taken;
        }
        if (nonScalarsLeft) {
            nonScalarsLeft = false;
            grant.nonScalars = true;
        }
        return created ? grant : null;
    }

    /** The resources of {@code grant}, parts of the agent's free resources, allocated to {@code role}. */
    ResourceSet resourcesOf(Grant grant, String role) {
        if (grantsEverything(grant)) {
            return offerable.withAllocationRole(role);
        }
        Resource.AllocationInfo allocation = Resource.AllocationInfo.newBuilder().setRole(role).build();
        List<Resource> granted = new ArrayList<>();
        for (int i = 0; i < resources.size(); i++) {
            if (kindOf[i] >= 0 && grant.taken[i] > 0) {
                granted.add(resources.get(i).toBuilder()
                        .setScalar(Value.Scalar.newBuilder().setValue(grant.taken[i] / 1000.0))
                        .setAllocationInfo(allocation)
                        .build());
            } else if (kindOf[i] < 0 && grant.nonScalars) {
                granted.add(resources.get(i).toBuilder().setAllocationInfo(allocation).build());
            }
        }
        return ResourceSet.of(granted);
    }

    /** True when the grant is the agent's whole free set (the common case: no limit, quota or second taker). */
    private boolean grantsEverything(Grant grant) {
        for (int i = 0; i < resources.size(); i++) {
            if (kindOf[i] >= 0 ? grant.taken[i] != initial[i] : !grant.nonScalars) {
                return false;
            }
        }
        return true;
    }

    /**
     * Grants {@code resources}, reserved for {@code leaf}'s role (or an ancestor) and already marked as allocated
     * to it, whole. Returns the framework's new grant on this agent (which its fair-share grants then enlarge), or
     * null when the framework's grant here was enlarged (it holds reservations of two roles of its path).
     */
    Grant grantReserved(ShareTree.Node leaf, ResourceSet resources) {
        for (Grant existing : grants) {
            if (existing.leaf == leaf) {
                existing.reserved = existing.reserved.plus(resources);
                return null;
            }
        }
        Grant grant = new Grant(this, leaf, new long[this.resources.size()]);
        grant.reserved = resources;
        grants.add(grant);
        return grant;
    }

    /** What one framework is granted of one agent in this cycle. */
    static final class Grant {
        final AgentSpace agent;
        final ShareTree.Node leaf;
        /** Per resource of the agent's unreserved free set: thousandths granted. */
        final long[] taken;
        boolean nonScalars;
        /** Reserved resources granted whole, with their allocation role; empty for none. */
        ResourceSet reserved = ResourceSet.empty();

        Grant(AgentSpace agent, ShareTree.Node leaf, long[] taken) {
            this.agent = agent;
            this.leaf = leaf;
            this.taken = taken;
        }

        /** True when the grant holds some unreserved resources. */
        boolean hasUnreserved() {
            if (nonScalars) {
                return true;
            }
            for (long amount : taken) {
                if (amount > 0) {
                    return true;
                }
            }
            return false;
        }
    }
}
