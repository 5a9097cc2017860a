package io.corral.master;

import java.time.Duration;
import java.util.Optional;

/**
 * Settings of one master process. Defaults follow Mesos's flags where one exists.
 *
 * @param heartbeatInterval scheduler HEARTBEAT period; Mesos hard-codes 15 s and clients expect it
 * @param agentPingInterval PING period on agent streams (Mesos {@code --agent_ping_timeout}, 15 s)
 * @param maxAgentPingTimeouts PINGs an agent may leave unanswered before it is marked unreachable (Mesos
 *     {@code --max_agent_ping_timeouts}, 5)
 * @param allocationInterval period of the batch allocation (Mesos {@code --allocation_interval}, 1 s); changes
 *     (a new framework, freed resources) also trigger an allocation at once
 * @param offerTimeout how long an offer may stay unanswered before it is rescinded (Mesos {@code --offer_timeout};
 *     empty, the default, means never)
 * @param agentReregisterTimeout how long a new leader waits for the agents of its registry to re-register before
 *     marking them unreachable (Mesos {@code --agent_reregister_timeout}, 10 min)
 * @param maxFrameworksPerPrincipal how many frameworks one principal may have registered at once (subscribed, or
 *     disconnected within their failover timeout); Corral's, since each is a registry document that outlives its
 *     connection: without it, one principal could fill ZooKeeper by subscribing again and again
 */
public record MasterConfig(Duration heartbeatInterval, Duration agentPingInterval, int maxAgentPingTimeouts,
                           Duration allocationInterval, Optional<Duration> offerTimeout,
                           Duration agentReregisterTimeout, int maxFrameworksPerPrincipal) {
    public static final int DEFAULT_MAX_FRAMEWORKS_PER_PRINCIPAL = 1_000;

    public MasterConfig {
        if (maxFrameworksPerPrincipal <= 0) {
            throw new IllegalArgumentException("maxFrameworksPerPrincipal must be positive, not "
                    + maxFrameworksPerPrincipal);
        }
    }

    public static MasterConfig defaults() {
        return new MasterConfig(Duration.ofSeconds(15), Duration.ofSeconds(15), 5, Duration.ofSeconds(1),
                Optional.empty(), Duration.ofMinutes(10), DEFAULT_MAX_FRAMEWORKS_PER_PRINCIPAL);
    }

    public MasterConfig withMaxFrameworksPerPrincipal(int most) {
        return new MasterConfig(heartbeatInterval, agentPingInterval, maxAgentPingTimeouts, allocationInterval,
                offerTimeout, agentReregisterTimeout, most);
    }

    /** How long an agent may stay silent (no PONG) before it is marked unreachable (Mesos: 15 s x 5 = 75 s). */
    public Duration agentSilenceLimit() {
        return agentPingInterval.multipliedBy(maxAgentPingTimeouts);
    }
}
