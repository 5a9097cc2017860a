package io.corral.master;

import io.corral.master.allocator.AllocationInput.Filter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The master's decline filters: which framework declined which agent, until when (Mesos's offer filters, one per
 * framework and agent). Kept by agent, because a cycle asked for by an agent's event reads that agent's filters only:
 * frameworks that decline every offer for long hold one filter per agent each (10 frameworks x 10,000 agents:
 * 100,000), and such cycles run after most ACCEPTs. A cycle over every agent reads them all, as a set copied again
 * only after a filter came or went.
 *
 * <p>Times are the master's clock in milliseconds ({@code Timers.nowMillis}). Threading: owned by the master's event
 * loop.
 */
final class DeclineFilters {
    /** Agent id to framework id to when the filter expires. */
    private final Map<String, Map<String, Long>> byAgent = new HashMap<>();
    private Set<Filter> everyFilter = Set.of();
    private boolean changed;
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
        changed |= before == null;
        activeStale = true;
    }

    /** Every filter of {@code frameworkId} is gone (REVIVE, or the framework left). */
    void clear(String frameworkId) {
        byAgent.values().removeIf(frameworks -> {
            changed |= frameworks.remove(frameworkId) != null;
            return frameworks.isEmpty();
        });
        activeStale = true;
    }

    /** Filters not expired at {@code now}, counted by framework id (immutable). */
    Map<String, Long> activeByFramework(long now) {
        if (activeStale || now < activeFrom || now >= activeUntil) {
            Map<String, Long> counted = new HashMap<>();
            long[] firstExpiry = {Long.MAX_VALUE};
            byAgent.values().forEach(frameworks -> frameworks.forEach((frameworkId, expiry) -> {
                if (expiry > now) {
                    counted.merge(frameworkId, 1L, Long::sum);
                    firstExpiry[0] = Math.min(firstExpiry[0], expiry);
                }
            }));
            active = Map.copyOf(counted);
            activeFrom = now;
            activeUntil = firstExpiry[0];
            activeStale = false;
        }
        return active;
    }

    /** For a cycle over every agent: drops the filters expired at {@code now} and returns the others. */
    Set<Filter> all(long now) {
        byAgent.values().removeIf(frameworks -> {
            changed |= frameworks.values().removeIf(expiry -> expiry <= now);
            return frameworks.isEmpty();
        });
        if (changed) {
            List<Filter> filters = new ArrayList<>();
            byAgent.forEach((agentId, frameworks) -> frameworks.keySet().forEach(
                    frameworkId -> filters.add(new Filter(frameworkId, agentId))));
            everyFilter = Set.copyOf(filters); // one hash table, which AllocationInput takes as it is
            changed = false;
        }
        return everyFilter;
    }

    /** For a cycle over {@code agentIds}: their filters not expired at {@code now} (expired ones are dropped). */
    Set<Filter> of(Set<String> agentIds, long now) {
        Set<Filter> filters = new HashSet<>();
        for (String agentId : agentIds) {
            Map<String, Long> frameworks = byAgent.get(agentId);
            if (frameworks == null) {
                continue;
            }
            changed |= frameworks.values().removeIf(expiry -> expiry <= now);
            frameworks.keySet().forEach(frameworkId -> filters.add(new Filter(frameworkId, agentId)));
            if (frameworks.isEmpty()) {
                byAgent.remove(agentId);
            }
        }
        return filters;
    }
}
