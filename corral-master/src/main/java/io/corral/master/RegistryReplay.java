package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RegistrySnapshot;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays the registry a new leader read (before it serves anything) into its master, using the same entities,
 * timers and unreachable marking as live changes:
 * <ul>
 *   <li>agents come back "recovered": known, not connected, no offers until they re-register, and marked unreachable
 *       if they do not within {@code agent_reregister_timeout} (not sooner: after an ensemble outage every agent's
 *       session may have ended while the agents are fine);
 *   <li>unreachable (or gone) agents stay unreachable;
 *   <li>frameworks come back disconnected with their recorded failover deadline, or, if they were connected when the
 *       last leader died, {@code max(failover_timeout, agent_reregister_timeout)} to resubscribe.
 * </ul>
 *
 * <p>Threading: runs on the master's event loop.
 */
final class RegistryReplay {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryReplay.class);

    private RegistryReplay() {}

    static void replay(Master master, RegistrySnapshot snapshot) {
        long now = master.timers().nowMillis();
        for (AgentRecord record : snapshot.agents()) {
            replayAgent(master, record, now);
        }
        for (FrameworkRecord record : snapshot.frameworks()) {
            replayFramework(master, record, now);
        }
        LOG.info("Recovered {} agents and {} frameworks from the registry (epoch {})", snapshot.agents().size(),
                snapshot.frameworks().size(), snapshot.meta().epoch());
    }

    private static void replayAgent(Master master, AgentRecord record, long now) {
        Agent agent = new Agent(record.info(), record.registeredAt().toEpochMilli());
        agent.markRecovered();
        master.agents.put(agent.id(), agent);
        switch (record.state().kind()) {
            case UNREACHABLE, GONE -> agent.markUnreachable(record.state().since().map(Instant::toEpochMilli).orElse(now));
            default -> {
                Duration timeout = master.config().agentReregisterTimeout();
                master.timers().schedule(timeout, () -> {
                    if (agent.link() == null && !agent.isUnreachable() && master.agents.get(agent.id()) == agent) {
                        master.agentCalls().markUnreachable(agent, "it did not re-register within "
                                + timeout.toSeconds() + "s of the master failover");
                    }
                });
            }
        }
    }

    private static void replayFramework(Master master, FrameworkRecord record, long now) {
        Framework framework = new Framework(record.info(), now);
        master.frameworks.put(framework.id(), framework);
        long waitMillis = record.failoverDeadline().map(deadline -> deadline.toEpochMilli() - now)
                .orElse(Math.max((long) (record.info().getFailoverTimeout() * 1000),
                        master.config().agentReregisterTimeout().toMillis()));
        master.schedulerCalls().startFailoverTimer(framework, Duration.ofMillis(Math.max(0, waitMillis)));
    }
}
