package io.corral.master.allocator;

import io.corral.master.allocator.AllocationInput.AgentSlot;
import io.corral.master.allocator.AllocationInput.FrameworkDemand;
import io.corral.master.allocator.AllocationInput.Filter;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Corral's first allocator: each agent's whole free resources go to the framework with the lowest dominant share,
 * in the spirit of Mesos's DRF sorter but without roles' weights, quota or per-resource filters (those come with the
 * full DRF allocator).
 *
 * <p>Agents are visited in a random order each cycle (as Mesos shuffles them), so no agent is always offered first.
 * A framework's dominant share is {@code max(held cpus / total cpus, held mem / total mem)} over the cluster; every
 * offer made in this cycle counts towards it at once, so one cycle spreads agents across frameworks.
 * Agents with less than Mesos's minimum allocatable resources ({@code cpus:0.01} or {@code mem:32}) are skipped.
 */
public final class FairShareAllocator implements Allocator {
    static final double MIN_CPUS = 0.01;
    static final double MIN_MEM = 32;

    @Override
    public List<OfferProposal> allocate(AllocationInput input, Random random) {
        if (input.frameworks().isEmpty()) {
            return List.of();
        }
        double totalCpus = total(input.agents(), "cpus");
        double totalMem = total(input.agents(), "mem");
        Map<String, ResourceSet> held = new HashMap<>();
        for (FrameworkDemand demand : input.frameworks()) {
            held.put(demand.frameworkId(), demand.held());
        }
        List<AgentSlot> agents = new ArrayList<>(input.agents());
        Collections.shuffle(agents, random);

        List<OfferProposal> proposals = new ArrayList<>();
        for (AgentSlot agent : agents) {
            if (!isAllocatable(agent.free())) {
                continue;
            }
            FrameworkDemand chosen = lowestShare(input, agent, held, totalCpus, totalMem);
            if (chosen == null) {
                continue;
            }
            ResourceSet offered = agent.free().withAllocationRole(chosen.role());
            proposals.add(new OfferProposal(chosen.frameworkId(), agent.agentId(), chosen.role(), offered));
            held.merge(chosen.frameworkId(), agent.free(), ResourceSet::plus);
        }
        return proposals;
    }

    static boolean isAllocatable(ResourceSet free) {
        return free.scalar("cpus") >= MIN_CPUS || free.scalar("mem") >= MIN_MEM;
    }

    private static FrameworkDemand lowestShare(AllocationInput input, AgentSlot agent, Map<String, ResourceSet> held,
                                               double totalCpus, double totalMem) {
        FrameworkDemand best = null;
        double bestShare = Double.MAX_VALUE;
        for (FrameworkDemand demand : input.frameworks()) {
            if (input.filters().contains(new Filter(demand.frameworkId(), agent.agentId()))) {
                continue;
            }
            double share = dominantShare(held.get(demand.frameworkId()), totalCpus, totalMem);
            if (share < bestShare) {
                best = demand;
                bestShare = share;
            }
        }
        return best;
    }

    static double dominantShare(ResourceSet held, double totalCpus, double totalMem) {
        double cpuShare = totalCpus > 0 ? held.scalar("cpus") / totalCpus : 0;
        double memShare = totalMem > 0 ? held.scalar("mem") / totalMem : 0;
        return Math.max(cpuShare, memShare);
    }

    private static double total(List<AgentSlot> agents, String name) {
        double sum = 0;
        for (AgentSlot agent : agents) {
            sum += agent.total().scalar(name);
        }
        return sum;
    }
}
