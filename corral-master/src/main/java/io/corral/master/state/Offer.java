package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.OfferID;

/**
 * An outstanding offer: resources of one agent set aside for one framework until it accepts, declines, or the offer
 * is rescinded. Immutable.
 */
public record Offer(Protos.Offer proto, ResourceSet resources, String role) {
    public OfferID id() { return proto.getId(); }
    public AgentID agentId() { return proto.getAgentId(); }
    public FrameworkID frameworkId() { return proto.getFrameworkId(); }
}
