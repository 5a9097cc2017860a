package io.corral.zookeeper.registry;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.apache.mesos.v1.Protos.FrameworkInfo;

/**
 * A registered framework as the registry keeps it: its FrameworkInfo (with its id) and, while it is disconnected,
 * the moment its failover timeout ends and it is to be torn down. The deadline is an absolute time so that it
 * survives master failovers (Mesos keeps this timer only in memory: MESOS-4659). Kept to the millisecond.
 *
 * @param failoverDeadline empty while the framework is connected
 */
public record FrameworkRecord(FrameworkInfo info, Optional<Instant> failoverDeadline) {

    public FrameworkRecord {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(failoverDeadline, "failoverDeadline");
        if (!info.hasId() || info.getId().getValue().isEmpty()) {
            throw new IllegalArgumentException("the FrameworkInfo of framework '" + info.getName()
                    + "' has no id: assign one before storing it in the registry");
        }
        RegistryPaths.nodeName(info.getId().getValue(), "framework id");
        failoverDeadline = failoverDeadline.map(t -> t.truncatedTo(ChronoUnit.MILLIS));
    }

    public static FrameworkRecord connected(FrameworkInfo info) {
        return new FrameworkRecord(info, Optional.empty());
    }

    public static FrameworkRecord disconnected(FrameworkInfo info, Instant failoverDeadline) {
        return new FrameworkRecord(info, Optional.of(failoverDeadline));
    }

    /**
     * Whether the registry would hold the same document for this record as for {@code other}. Not {@link #equals}: a
     * FrameworkInfo read back from the registry has its fields with explicit defaults set ({@code checkpoint},
     * {@code failover_timeout}: Mesos's JSON writes them), while the framework's own may leave them unset, and
     * protobuf's equality tells set from unset. After a failover, every framework resubscribes with its own info.
     */
    public boolean storesAs(FrameworkRecord other) {
        return other != null
                && Arrays.equals(RegistryCodec.encodeFramework(this), RegistryCodec.encodeFramework(other));
    }

    /** The framework's id, which is also its znode's name. */
    public String id() {
        return info.getId().getValue();
    }
}
