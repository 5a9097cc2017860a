package io.corral.master;

import io.corral.master.allocator.Declined;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The master's decline filters: which framework declined which agent, until when (Mesos's offer filters, one per
 * framework and agent). Kept by agent, because a cycle asked for by an agent's event reads that agent's filters only,
 * and the allocator asks each agent once which frameworks declined it ({@link Declined}): frameworks that decline
 * every offer for long hold one filter per agent each (10 frameworks x 10,000 agents: 100,000), and such cycles run
 * after most ACCEPTs. A cycle over every agent reads them all, as a map made again only after a filter came or went,
 * and only for the agents whose filters did (each agent's set is kept between cycles); filters are swept for expiry
 * only once the first of them has expired.
 *
 * <p>Times are the master's clock in milliseconds ({@code Timers.nowMillis}). Threading: owned by the master's event
 * loop.
 */
final class DeclineFilters {
    /** Agent id to framework id to when the filter expires. */
    private final Map<String, Map<String, Long>> byAgent = new HashMap<>();
    /** Agent id to the frameworks that declined it, as the last cycle over every agent read it (immutable sets). */
    private final Map<String, Set<String>> declinedSets = new HashMap<>();
    /** Agents whose filters came or went since {@link #declinedSets} was brought up to date. */
    private final Set<String> changedAgents = new HashSet<>();
    private Declined everyFilter = Declined.NONE;
    /** No filter expires before this (earlier than the first expiry or equal, never later): none is swept before. */
    private long firstExpiry = Long.MAX_VALUE;
    /**
     * {@link #activeByFramework}'s last count, which holds from the time it was made until the first of its filters
     * expires, unless a filter comes or goes ({@code activeStale}): the loop publishes a view for readers many times
     * a second, and counting 100,000 filters for each cost it milliseconds every time.
     */
    private Map<String, Long> active = Map.of();
    private long activeFrom;
    private long activeUntil;
    private boolean activeStale = true;

    /** {@code frameworkId} declined {@code agentId} until {@code expiresMillis}. */
    void add(String frameworkId, String agentId, long expiresMillis) {
        Long before = byAgent.computeIfAbsent(agentId, id -> new HashMap<>()).put(frameworkId, expiresMillis);
        if (before == null) {
            changedAgents.add(agentId);
        }
        firstExpiry = Math.min(firstExpiry, expiresMillis);
        activeStale = true;
    }

    /** Every filter of {@code frameworkId} is gone (REVIVE, or the framework left). */
    void clear(String frameworkId) {
        byAgent.entrySet().removeIf(agent -> {
            if (agent.getValue().remove(frameworkId) != null) {
                changedAgents.add(agent.getKey());
            }
            return agent.getValue().isEmpty();
        });
        activeStale = true;
    }

    /** Filters not expired at {@code now}, counted by framework id (immutable). */
    Map<String, Long> activeByFramework(long now) {
        if (activeStale || now < activeFrom || now >= activeUntil) {
            Map<String, Long> counted = new HashMap<>();
            long[] soonest = {Long.MAX_VALUE};
            byAgent.values().forEach(frameworks -> frameworks.forEach((frameworkId, expiry) -> {
                if (expiry > now) {
                    counted.merge(frameworkId, 1L, Long::sum);
                    soonest[0] = Math.min(soonest[0], expiry);
                }
            }));
            active = Map.copyOf(counted);
            activeFrom = now;
            activeUntil = soonest[0];
            activeStale = false;
        }
        return active;
    }

    /** For a cycle over every agent: drops the filters expired at {@code now} and returns the others. */
    Declined all(long now) {
        if (now >= firstExpiry) {
            sweep(now);
        }
        if (!changedAgents.isEmpty()) {
            for (String agentId : changedAgents) {
                Map<String, Long> frameworks = byAgent.get(agentId);
                if (frameworks == null) {
                    declinedSets.remove(agentId);
                } else {
                    declinedSets.put(agentId, Set.copyOf(frameworks.keySet()));
                }
            }
            changedAgents.clear();
            everyFilter = new Declined(declinedSets); // copied into one immutable table, which AllocationInput keeps
        }
        return everyFilter;
    }

    /** Drops every filter expired at {@code now} and notes when the first of the others expires. */
    private void sweep(long now) {
        long[] next = {Long.MAX_VALUE};
        byAgent.entrySet().removeIf(agent -> {
            boolean dropped = agent.getValue().values().removeIf(expiry -> {
                next[0] = expiry > now ? Math.min(next[0], expiry) : next[0];
                return expiry <= now;
            });
            if (dropped) {
                changedAgents.add(agent.getKey());
            }
            return agent.getValue().isEmpty();
        });
        firstExpiry = next[0];
    }

    /** For a cycle over {@code agentIds}: their filters not expired at {@code now} (expired ones are dropped). */
    Declined of(Set<String> agentIds, long now) {
        Map<String, Set<String>> declined = new HashMap<>();
        for (String agentId : agentIds) {
            Map<String, Long> frameworks = byAgent.get(agentId);
            if (frameworks == null) {
                continue;
            }
            if (frameworks.values().removeIf(expiry -> expiry <= now)) {
                changedAgents.add(agentId);
            }
            if (frameworks.isEmpty()) {
                byAgent.remove(agentId);
            } else {
                declined.put(agentId, Set.copyOf(frameworks.keySet()));
            }
        }
        return new Declined(declined);
    }
}
