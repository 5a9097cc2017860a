package io.corral.master;

import io.corral.master.allocator.AllocationInput.RolePolicy;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.RoleRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;

/**
 * Roles' weights and quota as an operator sets them (UPDATE_WEIGHTS, UPDATE_QUOTA): validated here before anything
 * is written, as Mesos validates them, and turned into what the allocator reads ({@link RolePolicy}). Pure.
 */
final class RoleSettings {
    /** The resources a quota may name: Mesos allows scalar resources only. */
    static final List<String> QUOTA_RESOURCES = List.of("cpus", "mem", "disk", "gpus");

    private RoleSettings() {}

    /** What the allocator reads of a role's record. */
    static RolePolicy policy(RoleRecord role) {
        ResourceSet guarantees = role.quota().map(q -> scalars(q.getGuaranteesMap())).orElse(ResourceSet.empty());
        ResourceSet limits = role.quota().map(q -> scalars(q.getLimitsMap())).orElse(ResourceSet.empty());
        return new RolePolicy(role.weight(), guarantees, limits);
    }

    /** Why Mesos would refuse this role name ({@link io.corral.protocol.Roles#invalidReason}), or empty. */
    static Optional<String> invalidRole(String role) {
        return Optional.ofNullable(io.corral.protocol.Roles.invalidReason(role));
    }

    /** The largest amount of a resource a quota may name: the largest scalar a {@link ResourceSet} holds. */
    static final double MAX_AMOUNT = 1e12;

    /** Why a quota config is invalid, or empty: known scalar resources, values from 0 to 1e12, guarantee <= limit. */
    static Optional<String> invalidQuota(QuotaConfig quota) {
        for (Map<String, Value.Scalar> amounts : List.of(quota.getGuaranteesMap(), quota.getLimitsMap())) {
            for (Map.Entry<String, Value.Scalar> amount : amounts.entrySet()) {
                if (!QUOTA_RESOURCES.contains(amount.getKey())) {
                    return Optional.of("quota of role '" + quota.getRole() + "' names '" + amount.getKey()
                            + "': only " + QUOTA_RESOURCES + " may have quota");
                }
                double value = amount.getValue().getValue();
                // Above 1e12 no resource can be counted (ResourceSet's largest scalar): such a quota would make
                // every allocation fail.
                if (!(value >= 0 && value <= MAX_AMOUNT)) {
                    return Optional.of("quota of role '" + quota.getRole() + "' for " + amount.getKey() + " is "
                            + value + ": use a number from 0 to 1e12");
                }
            }
        }
        for (Map.Entry<String, Value.Scalar> guarantee : quota.getGuaranteesMap().entrySet()) {
            Value.Scalar limit = quota.getLimitsMap().get(guarantee.getKey());
            if (limit != null && guarantee.getValue().getValue() > limit.getValue()) {
                return Optional.of("quota of role '" + quota.getRole() + "' guarantees " + guarantee.getKey() + " "
                        + guarantee.getValue().getValue() + " above its limit " + limit.getValue());
            }
        }
        return Optional.empty();
    }

    /** True when the config sets nothing: Mesos reads that as "back to no quota". */
    static boolean isEmpty(QuotaConfig quota) {
        return quota.getGuaranteesCount() == 0 && quota.getLimitsCount() == 0;
    }

    private static ResourceSet scalars(Map<String, Value.Scalar> amounts) {
        List<Resource> resources = new ArrayList<>();
        amounts.forEach((name, amount) -> resources.add(Resource.newBuilder().setName(name)
                .setType(Value.Type.SCALAR).setScalar(amount).build()));
        return ResourceSet.of(resources);
    }
}
