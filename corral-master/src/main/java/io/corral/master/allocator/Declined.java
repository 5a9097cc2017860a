package io.corral.master.allocator;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which frameworks declined which agents and asked not to see them for a while, kept by agent: a cycle fills each
 * agent's space for every framework in turn, so it asks each agent once for the few frameworks that declined it.
 * Asked as one set of (framework, agent) pairs, once per framework and agent, 10 frameworks that had declined all of
 * 10,000 agents cost 100,000 lookups in a table of 100,000 per cycle: half of an idle master's allocation cycle.
 *
 * <p>Immutable: the map is copied unless it already is an immutable one ({@link Map#copyOf}), and its sets must be
 * immutable ({@link #of} and the master's decline filters make them so).
 *
 * @param frameworksByAgent agent id to the ids of the frameworks that declined it; no empty sets
 */
public record Declined(Map<String, Set<String>> frameworksByAgent) {
    public static final Declined NONE = new Declined(Map.of());

    public Declined {
        frameworksByAgent = Map.copyOf(frameworksByAgent);
    }

    /** The same pairs, grouped by agent. */
    public static Declined of(Collection<AllocationInput.Filter> filters) {
        Map<String, Set<String>> byAgent = new HashMap<>();
        for (AllocationInput.Filter filter : filters) {
            byAgent.computeIfAbsent(filter.agentId(), agent -> new HashSet<>()).add(filter.frameworkId());
        }
        byAgent.replaceAll((agent, frameworks) -> Set.copyOf(frameworks));
        return new Declined(byAgent);
    }

    /** The frameworks that declined {@code agentId} (empty when none did). */
    public Set<String> on(String agentId) {
        return frameworksByAgent.getOrDefault(agentId, Set.of());
    }

    public boolean isEmpty() {
        return frameworksByAgent.isEmpty();
    }
}
