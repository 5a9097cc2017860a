package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.WeightInfo;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;

/**
 * The operator calls that set roles' weights and quota (UPDATE_WEIGHTS, UPDATE_QUOTA), decided against the roles the
 * master has: every entry is validated before anything is written (one bad entry refuses the whole call, as in
 * Mesos), then all of them are committed in one atomic registry write and applied once it is durable, where the
 * next allocation uses them. They survive a master failover.
 *
 * <p>Threading: every method runs on the master's event loop.
 */
public final class RoleCalls {
    private final Master master;
    /** Roles an operator gave a weight or quota, by name; every other role has weight 1 and no quota. */
    private final Map<String, RoleRecord> settings = new java.util.TreeMap<>();

    RoleCalls(Master master) {
        this.master = master;
    }

    /** The roles' settings, by name (read-only). */
    Map<String, RoleRecord> settings() {
        return java.util.Collections.unmodifiableMap(settings);
    }

    /** Applies durable settings: {@code stored} replace a role's, {@code cleared} roles go back to the defaults. */
    void apply(List<RoleRecord> stored, List<String> cleared) {
        stored.forEach(role -> settings.put(role.role(), role));
        cleared.forEach(settings::remove);
    }

    /** UPDATE_WEIGHTS: each role's weight, a finite number above 0; a role's quota stays as it was. */
    public CompletableFuture<Void> updateWeights(List<WeightInfo> weights) {
        Map<String, RoleRecord> updated = new LinkedHashMap<>();
        for (WeightInfo weight : weights) {
            String role = weight.getRole();
            RoleSettings.invalidRole(role).ifPresent(RoleCalls::refuse);
            if (!(weight.getWeight() > 0) || Double.isInfinite(weight.getWeight())) {
                refuse("the weight of role '" + role + "' is " + weight.getWeight() + ": use a number above 0");
            }
            if (updated.containsKey(role)) {
                refuse("role '" + role + "' appears twice");
            }
            updated.put(role, new RoleRecord(role, weight.getWeight(), current(role).quota()));
        }
        return commit(updated);
    }

    /**
     * UPDATE_QUOTA: each role's guarantees and limits (an empty config removes the role's quota). Unless
     * {@code force}, the guarantees of all roles together must fit the resources of the reachable agents, as Mesos
     * checks, so that no guarantee is promised that the cluster cannot keep.
     */
    public CompletableFuture<Void> updateQuota(boolean force, List<QuotaConfig> configs) {
        Map<String, RoleRecord> updated = new LinkedHashMap<>();
        for (QuotaConfig config : configs) {
            String role = config.getRole();
            RoleSettings.invalidRole(role).ifPresent(RoleCalls::refuse);
            RoleSettings.invalidQuota(config).ifPresent(RoleCalls::refuse);
            if (updated.containsKey(role)) {
                refuse("role '" + role + "' appears twice");
            }
            Optional<QuotaConfig> quota = RoleSettings.isEmpty(config) ? Optional.empty() : Optional.of(config);
            updated.put(role, new RoleRecord(role, current(role).weight(), quota));
        }
        if (!force) {
            requireCapacity(updated);
        }
        return commit(updated);
    }

    /** Summed as doubles: the cluster's total (and all roles' guarantees) may exceed what one ResourceSet holds. */
    private void requireCapacity(Map<String, RoleRecord> updated) {
        Map<String, RoleRecord> after = new LinkedHashMap<>(settings);
        after.putAll(updated);
        for (String resource : RoleSettings.QUOTA_RESOURCES) {
            double guaranteed = 0;
            for (RoleRecord role : after.values()) {
                guaranteed += RoleSettings.policy(role).guarantees().scalar(resource);
            }
            double capacity = 0;
            for (Agent agent : master.agents().all()) {
                if (!agent.isUnreachable()) {
                    capacity += agent.total().scalar(resource);
                }
            }
            if (guaranteed > capacity) {
                refuse("the roles' quota guarantees would total " + resource + " " + guaranteed + ", more than the"
                        + " cluster's " + capacity + "; add agents first, or send 'force': true to set it anyway");
            }
        }
    }

    /** Commits the new records; a role back at the defaults (weight 1, no quota) is removed from the registry. */
    private CompletableFuture<Void> commit(Map<String, RoleRecord> updated) {
        List<RoleRecord> stored = new ArrayList<>();
        List<String> cleared = new ArrayList<>();
        for (RoleRecord role : updated.values()) {
            if (role.weight() == 1.0 && role.quota().isEmpty()) {
                cleared.add(role.role());
            } else {
                stored.add(role);
            }
        }
        return master.commit(new DurableChange.RolesStored(stored, cleared), () -> { });
    }

    private RoleRecord current(String role) {
        return settings.getOrDefault(role, RoleRecord.weighted(role, 1.0));
    }

    private static void refuse(String why) {
        throw Rejected.invalid(why);
    }
}
