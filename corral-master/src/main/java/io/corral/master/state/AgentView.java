package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.DrainInfo;
import java.util.Optional;

/**
 * An agent as readers see it in a published {@code MasterView}: its resources split as {@code total = free +
 * offered + used}, whether it is connected, since when it is unreachable (0 while reachable), and whether an
 * operator deactivated or is draining it. Immutable.
 */
public record AgentView(AgentInfo info, ResourceSet total, ResourceSet used, ResourceSet offered, boolean connected,
                        long unreachableSinceMillis, long registeredMillis, int tasks, boolean deactivated,
                        Optional<DrainInfo> drain) {
    public AgentID id() {
        return info.getId();
    }

    public boolean isUnreachable() {
        return unreachableSinceMillis > 0;
    }
}
