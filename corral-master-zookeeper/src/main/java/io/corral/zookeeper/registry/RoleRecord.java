package io.corral.zookeeper.registry;

import java.util.Objects;
import java.util.Optional;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;

/**
 * A role's durable settings: its weight (the DRF sorter divides shares by it) and, when set, its quota in Mesos's
 * own {@code QuotaConfig} form (guarantees and limits). The allocator does not enforce quota yet; the registry keeps
 * it so that a later version needs no format change.
 */
public record RoleRecord(String role, double weight, Optional<QuotaConfig> quota) {

    public RoleRecord {
        RegistryPaths.nodeName(role, "role");
        Objects.requireNonNull(quota, "quota");
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("the weight of role '" + role + "' is " + weight
                    + ": use a positive number, e.g. 1.0");
        }
        quota.ifPresent(q -> {
            if (!q.getRole().isEmpty() && !q.getRole().equals(role)) {
                throw new IllegalArgumentException("the quota of role '" + role + "' names role '" + q.getRole()
                        + "': they must match");
            }
        });
    }

    /** A role with a weight and no quota. */
    public static RoleRecord weighted(String role, double weight) {
        return new RoleRecord(role, weight, Optional.empty());
    }
}
