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
 *
 * @param infoJson the part of its {@code /master/state} object that changes only with {@code info} and {@code total}
 *     (ids, resources, reservations, attributes), rendered by the first reader that needs it and kept by the master's
 *     agent until those change: most agents' descriptions are the same from one read to the next
 * @param operatorJson its operator-API object ({@code GET_AGENTS}, {@code GET_STATE}), kept by the master's agent
 *     with the rest of the view it was rendered from, until {@code info} or {@code total} change
 * @param stateJson the rest of its {@code /master/state} object (used and offered resources, modes), kept by the
 *     master's agent with the view it was rendered from and reused while an equal view asks again
 * @param statePart the compressed run of agents that starts at this one in {@code /master/state} ({@link Runs}),
 *     kept by the master's agent while the run's renderings are the same
 * @param operatorPart likewise in the operator API's JSON answers
 *
 * <p>The master's agent gives its last view again while each component is the same ({@code Agent#view}): a component
 * added here must be compared there too ({@code AgentViewsTest} changes each and expects a new view).
 */
public record AgentView(AgentInfo info, ResourceSet total, ResourceSet used, ResourceSet offered, boolean connected,
                        long unreachableSinceMillis, long registeredMillis, int tasks, boolean deactivated,
                        Optional<DrainInfo> drain, Derived<byte[]> infoJson, KeptRendering<AgentView> operatorJson,
                        KeptRendering<AgentView> stateJson, KeptPart statePart, KeptPart operatorPart) {
    /** A view whose description is rendered afresh (e.g. one cut to what a reader may see). */
    public AgentView(AgentInfo info, ResourceSet total, ResourceSet used, ResourceSet offered, boolean connected,
                     long unreachableSinceMillis, long registeredMillis, int tasks, boolean deactivated,
                     Optional<DrainInfo> drain) {
        this(info, total, used, offered, connected, unreachableSinceMillis, registeredMillis, tasks, deactivated, drain,
                new Derived<>(), new KeptRendering<>(), new KeptRendering<>(), new KeptPart(), new KeptPart());
    }

    public AgentID id() {
        return info.getId();
    }

    public boolean isUnreachable() {
        return unreachableSinceMillis > 0;
    }
}
