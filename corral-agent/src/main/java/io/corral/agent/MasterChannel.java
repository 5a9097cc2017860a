package io.corral.agent;

import io.corral.protocol.agent.AgentCall;
import org.apache.mesos.v1.Protos.AgentID;

/**
 * The agent's side of one subscription to a master, as {@link Agent} sees it: {@link MasterLink.Connection} over
 * HTTP in production, a recording channel in tests.
 *
 * <p>Threading: implementations may be called from any thread.
 */
interface MasterChannel {

    /** Sends a call; failures are the caller's to retry (status updates are, by {@link StatusUpdates}). */
    void send(AgentCall call);

    /** The master accepted this agent on this channel under {@code id}. */
    void registered(AgentID id);

    boolean isRegistered();
}
