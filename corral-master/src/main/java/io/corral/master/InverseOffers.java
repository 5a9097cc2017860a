package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.InverseOffer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.Protos.Unavailability;
import org.apache.mesos.v1.allocator.Protos.InverseOfferStatus;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * Inverse offers (Mesos's maintenance primitives): each framework with live tasks on an agent whose machine is
 * DRAINING is asked, once per unavailability, to give the agent back before its {@code unavailability}; it answers
 * with ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS, and the answers show in GET_MAINTENANCE_STATUS. When the
 * agent's unavailability changes (the schedule changed, or the machine went down or up), outstanding inverse offers
 * are rescinded (RESCIND_INVERSE_OFFER) and the answers forgotten, so new ones go out with the new unavailability.
 *
 * <p>Soft state, like offers: a new leader starts with none and sends them again (Mesos also clears the answers on a
 * failover).
 *
 * <p>Threading: owned by the master's event loop; every method runs there.
 */
public final class InverseOffers {
    private final Master master;
    private final Map<OfferID, InverseOffer> outstanding = new LinkedHashMap<>();
    /** Frameworks' answers, by agent and framework, for the agent's current unavailability. */
    private final Map<AgentID, Map<FrameworkID, InverseOfferStatus>> answers = new HashMap<>();
    /** (agent, framework) pairs asked already for the agent's current unavailability. */
    private final Set<Map.Entry<AgentID, FrameworkID>> asked = new HashSet<>();

    InverseOffers(Master master) {
        this.master = master;
    }

    /** Sends an inverse offer to every connected framework with live tasks on a draining agent not asked yet. */
    void send() {
        outstanding.values().removeIf(offer -> !master.frameworks().contains(offer.getFrameworkId()));
        if (!master.maintenance().anyScheduled()) {
            return; // every allocation cycle ends here: no walk over every agent when nothing is scheduled
        }
        Map<FrameworkID, List<InverseOffer>> batches = new LinkedHashMap<>();
        for (Agent agent : master.agents().all()) {
            Optional<Unavailability> unavailability = master.maintenance().unavailability(agent.info());
            if (unavailability.isEmpty() || !agent.isConnected() || agent.isDeactivated()
                    || master.maintenance().isDown(agent.info())) {
                continue;
            }
            for (FrameworkID frameworkId : frameworksWithLiveTasks(agent)) {
                Framework framework = master.frameworks().get(frameworkId);
                if (framework == null || !framework.isConnected() || !asked.add(Map.entry(agent.id(), frameworkId))) {
                    continue;
                }
                InverseOffer offer = InverseOffer.newBuilder()
                        .setId(master.ids().nextOffer())
                        .setFrameworkId(frameworkId)
                        .setAgentId(agent.id())
                        .setUrl(Offers.agentUrl(agent))
                        .setUnavailability(unavailability.get())
                        .build();
                outstanding.put(offer.getId(), offer);
                batches.computeIfAbsent(frameworkId, id -> new ArrayList<>()).add(offer);
            }
        }
        batches.forEach((frameworkId, offers) -> master.outbox().toFramework(frameworkId, Event.newBuilder()
                .setType(Event.Type.INVERSE_OFFERS)
                .setInverseOffers(Event.InverseOffers.newBuilder().addAllInverseOffers(offers))
                .build()));
    }

    private static Set<FrameworkID> frameworksWithLiveTasks(Agent agent) {
        Set<FrameworkID> frameworks = new LinkedHashSet<>();
        for (Task task : agent.tasks()) {
            if (!task.isTerminal()) {
                frameworks.add(task.frameworkId());
            }
        }
        return frameworks;
    }

    /**
     * ACCEPT_INVERSE_OFFERS ({@code accept}) or DECLINE_INVERSE_OFFERS: records the framework's answer for each
     * inverse offer. Every id must name an outstanding inverse offer of this framework, once; otherwise nothing is
     * recorded and the call is refused with Mesos's message (Mesos only logs it: see the compatibility notes).
     */
    public void answer(Framework framework, List<OfferID> offerIds, boolean accept) {
        if (offerIds.isEmpty()) {
            throw Rejected.invalid("No inverse offers specified");
        }
        Set<OfferID> seen = new HashSet<>();
        for (OfferID offerId : offerIds) {
            InverseOffer offer = outstanding.get(offerId);
            if (!seen.add(offerId)) {
                throw Rejected.invalid("Duplicate offer " + offerId.getValue() + " in offer list");
            }
            if (offer == null) {
                throw Rejected.invalid("Inverse offer " + offerId.getValue() + " is no longer valid");
            }
            if (!offer.getFrameworkId().equals(framework.id())) {
                throw Rejected.invalid("Offer " + offerId.getValue() + " has invalid framework "
                        + offer.getFrameworkId().getValue() + " while framework " + framework.id().getValue()
                        + " is expected");
            }
        }
        long now = master.timers().nowMillis();
        for (OfferID offerId : offerIds) {
            InverseOffer offer = outstanding.remove(offerId);
            answers.computeIfAbsent(offer.getAgentId(), id -> new LinkedHashMap<>()).put(framework.id(),
                    InverseOfferStatus.newBuilder()
                            .setStatus(accept ? InverseOfferStatus.Status.ACCEPT : InverseOfferStatus.Status.DECLINE)
                            .setFrameworkId(framework.id())
                            .setTimestamp(TimeInfo.newBuilder().setNanoseconds(now * 1_000_000L))
                            .build());
        }
    }

    /**
     * The agent's unavailability changed, or it can no longer be asked (deactivated, down, gone): its outstanding
     * inverse offers are rescinded and the answers about it forgotten.
     */
    void rescind(AgentID agentId) {
        for (InverseOffer offer : List.copyOf(outstanding.values())) {
            if (!offer.getAgentId().equals(agentId)) {
                continue;
            }
            outstanding.remove(offer.getId());
            Framework framework = master.frameworks().get(offer.getFrameworkId());
            if (framework != null && framework.isConnected()) {
                master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.RESCIND_INVERSE_OFFER)
                        .setRescindInverseOffer(Event.RescindInverseOffer.newBuilder()
                                .setInverseOfferId(offer.getId()))
                        .build());
            }
        }
        answers.remove(agentId);
        asked.removeIf(pair -> pair.getKey().equals(agentId));
    }

    /** The frameworks' answers about {@code agentId}, for GET_MAINTENANCE_STATUS. */
    List<InverseOfferStatus> statuses(AgentID agentId) {
        return List.copyOf(answers.getOrDefault(agentId, Map.of()).values());
    }
}
