package io.corral.zookeeper.registry;

import java.util.Objects;

/**
 * The outcome of a successful {@link RegistryStore#claimLeadership}: the meta found before (who led last, at which
 * epoch; {@link RegistryMeta#UNCLAIMED} on a new cluster) and the meta this master wrote.
 */
public record LeadershipClaim(RegistryMeta previous, RegistryMeta current) {

    public LeadershipClaim {
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(current, "current");
    }

    /** The epoch of this master's leadership term. */
    public long epoch() {
        return current.epoch();
    }
}
