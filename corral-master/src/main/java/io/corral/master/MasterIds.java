package io.corral.master;

import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.OfferID;

/**
 * Mints ids in Mesos's formats ({@code docs/mesos-compatibility.md}, "IDs"): {@code <masterId>-0000} for frameworks,
 * {@code <masterId>-S<n>} for agents, {@code <masterId>-O<n>} for offers. The master id is a fresh UUID per leader,
 * so ids from different leaders never collide.
 *
 * <p>Threading: owned by the master's event loop.
 */
final class MasterIds {
    private final String masterId;
    private long frameworks;
    private long agents;
    private long offers;

    MasterIds(String masterId) {
        this.masterId = masterId;
    }

    FrameworkID nextFramework() {
        return FrameworkID.newBuilder().setValue(String.format("%s-%04d", masterId, frameworks++)).build();
    }

    AgentID nextAgent() {
        return AgentID.newBuilder().setValue(masterId + "-S" + agents++).build();
    }

    OfferID nextOffer() {
        return OfferID.newBuilder().setValue(masterId + "-O" + offers++).build();
    }
}
