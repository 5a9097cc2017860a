package io.corral.master.allocator;

import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Set;

/**
 * An immutable snapshot of what the allocator needs: the free resources of every connected agent, the frameworks
 * that want offers with what they hold now, and the (framework, agent) pairs a framework declined recently.
 */
public record AllocationInput(List<AgentSlot> agents, List<FrameworkDemand> frameworks, Set<Filter> filters) {

    /** An agent's free (neither used nor offered) resources. */
    public record AgentSlot(String agentId, String hostname, ResourceSet free, ResourceSet total) {}

    /** A framework that may receive offers, for its role, with everything it holds (used and offered). */
    public record FrameworkDemand(String frameworkId, String role, ResourceSet held) {}

    /** The framework declined this agent's resources and asked not to see them for a while. */
    public record Filter(String frameworkId, String agentId) {}
}
