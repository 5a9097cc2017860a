package io.corral.master;

import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;

/**
 * Counts what Mesos reports under {@code allocator/mesos/...} from a published {@link MasterView}: roles' dominant
 * shares and active decline filters, the cluster's resources offered or allocated, and quota against use.
 *
 * <p>As in Mesos's allocator, what a role holds is what it was offered plus what its tasks use, over its whole
 * subtree ({@code eng} holds what {@code eng/web} holds); the cluster is every registered (not unreachable) agent.
 *
 * <p>Threading: stateless; runs on a reader's thread, never on the master's loop.
 */
final class AllocatorCounting {
    /** The resources Mesos's allocator reports totals for. */
    static final List<String> REPORTED = List.of("cpus", "mem", "disk");
    /** The resources dominant shares are computed over, as the allocator computes them. */
    static final List<String> FAIR = List.of("cpus", "mem", "disk", "gpus");

    private AllocatorCounting() {}

    static MasterCounts.Allocator count(MasterView view, Optional<AllocationTimes.Stats> runTimes) {
        Map<String, ResourceSet> heldByRole = heldByRole(view);
        Map<String, Double> total = new TreeMap<>();
        Map<String, Double> offeredOrAllocated = new TreeMap<>();
        for (String name : FAIR) {
            total.put(name, 0.0);
            offeredOrAllocated.put(name, 0.0);
        }
        for (AgentView agent : view.agents()) {
            if (!agent.isUnreachable()) {
                for (String name : FAIR) {
                    total.merge(name, agent.total().scalar(name), Double::sum);
                    offeredOrAllocated.merge(name, agent.used().scalar(name) + agent.offered().scalar(name),
                            Double::sum);
                }
            }
        }
        return new MasterCounts.Allocator(runTimes, view.allocationQueued() ? 1 : 0,
                dominantShares(view, heldByRole, total), offerFilters(view), only(REPORTED, total),
                only(REPORTED, offeredOrAllocated), quota(view));
    }

    /** What each role's own frameworks hold, offered or used (not yet summed over subtrees). */
    private static Map<String, ResourceSet> heldByRole(MasterView view) {
        Map<String, ResourceSet> held = new HashMap<>();
        for (FrameworkView framework : view.frameworks()) {
            held.merge(framework.role(), offeredTo(framework).plusAtMost(framework.allocated()), ResourceSet::plusAtMost);
        }
        return held;
    }

    private static ResourceSet offeredTo(FrameworkView framework) {
        ResourceSet offered = ResourceSet.empty();
        for (Protos.Offer offer : framework.offers()) {
            offered = offered.plusAtMost(ResourceSet.of(offer.getResourcesList()));
        }
        return offered;
    }

    /** Summed scalar by scalar, as numbers: a subtree may hold more than one ResourceSet may. */
    private static double heldBySubtree(String role, Map<String, ResourceSet> heldByRole, String resource) {
        double held = 0;
        for (Map.Entry<String, ResourceSet> entry : heldByRole.entrySet()) {
            if (entry.getKey().equals(role) || entry.getKey().startsWith(role + "/")) {
                held += entry.getValue().scalar(resource);
            }
        }
        return held;
    }

    /** Mesos's DRF share of each role with frameworks: max over resources of held / total, divided by weight. */
    private static Map<String, Double> dominantShares(MasterView view, Map<String, ResourceSet> heldByRole,
                                                      Map<String, Double> total) {
        Map<String, Double> weights = new HashMap<>();
        view.roles().forEach(role -> weights.put(role.role(), role.weight()));
        Map<String, Double> shares = new TreeMap<>();
        for (String role : rolesWithFrameworks(view)) {
            double share = 0;
            for (String resource : FAIR) {
                if (total.get(resource) > 0) {
                    share = Math.max(share, heldBySubtree(role, heldByRole, resource) / total.get(resource));
                }
            }
            shares.put(role, share / weights.getOrDefault(role, 1.0));
        }
        return shares;
    }

    /** Each role with frameworks, with how many unexpired decline filters its frameworks have. */
    private static Map<String, Long> offerFilters(MasterView view) {
        Map<String, Long> byRole = new TreeMap<>();
        for (FrameworkView framework : view.frameworks()) {
            long active = view.activeFilters().getOrDefault(framework.id().getValue(), 0L);
            byRole.merge(framework.role(), active, Long::sum);
        }
        return byRole;
    }

    private static Set<String> rolesWithFrameworks(MasterView view) {
        Set<String> roles = new TreeSet<>();
        view.frameworks().forEach(framework -> roles.add(framework.role()));
        return roles;
    }

    /** Every role with a quota: its guarantees and limits, and its consumption of the resources they name. */
    private static Map<String, MasterCounts.RoleQuota> quota(MasterView view) {
        Map<String, ResourceSet> used = new HashMap<>();
        Map<String, ResourceSet> held = new HashMap<>();
        for (FrameworkView framework : view.frameworks()) {
            used.merge(framework.role(), framework.allocated(), ResourceSet::plusAtMost);
            held.merge(framework.role(), offeredTo(framework).plusAtMost(framework.allocated()), ResourceSet::plusAtMost);
        }
        Map<String, MasterCounts.RoleQuota> quota = new TreeMap<>();
        for (RoleRecord role : view.roles()) {
            role.quota().ifPresent(config -> quota.put(role.role(), roleQuota(role.role(), config, used, held)));
        }
        return quota;
    }

    private static MasterCounts.RoleQuota roleQuota(String role, QuotaConfig config, Map<String, ResourceSet> used,
                                                    Map<String, ResourceSet> held) {
        Set<String> named = new TreeSet<>(config.getGuaranteesMap().keySet());
        named.addAll(config.getLimitsMap().keySet());
        Map<String, Double> consumed = new TreeMap<>();
        Map<String, Double> offeredOrAllocated = new TreeMap<>();
        for (String resource : named) {
            consumed.put(resource, heldBySubtree(role, used, resource));
            offeredOrAllocated.put(resource, heldBySubtree(role, held, resource));
        }
        return new MasterCounts.RoleQuota(amounts(config.getGuaranteesMap()), amounts(config.getLimitsMap()),
                consumed, offeredOrAllocated);
    }

    private static Map<String, Double> amounts(Map<String, Value.Scalar> scalars) {
        Map<String, Double> amounts = new TreeMap<>();
        scalars.forEach((name, scalar) -> amounts.put(name, scalar.getValue()));
        return amounts;
    }

    private static Map<String, Double> only(List<String> names, Map<String, Double> values) {
        Map<String, Double> kept = new TreeMap<>();
        names.forEach(name -> kept.put(name, values.get(name)));
        return kept;
    }
}
