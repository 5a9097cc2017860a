package io.corral.zookeeper.registry;

import java.util.Objects;
import java.util.Optional;

/**
 * The registry's {@code meta} document: the leader epoch (incremented by every leader's claim, so each leadership
 * term has its own number) and which master claimed last.
 *
 * @param epoch  0 for a registry no master has claimed yet
 * @param leader the master that made the last claim
 */
public record RegistryMeta(long epoch, Optional<Leader> leader) {

    /** What a registry that no master has claimed looks like. */
    public static final RegistryMeta UNCLAIMED = new RegistryMeta(0, Optional.empty());

    /**
     * @param masterId the MasterInfo id of the master
     * @param address  "host:port" of its HTTP APIs
     */
    public record Leader(String masterId, String address) {
        public Leader {
            Objects.requireNonNull(masterId, "masterId");
            Objects.requireNonNull(address, "address");
        }
    }

    public RegistryMeta {
        Objects.requireNonNull(leader, "leader");
        if (epoch < 0) {
            throw new IllegalArgumentException("the leader epoch cannot be negative, got " + epoch);
        }
    }

    /** The meta a new leader writes when it claims after this one. */
    RegistryMeta next(Leader newLeader) {
        return new RegistryMeta(epoch + 1, Optional.of(newLeader));
    }
}
