package io.corral.master.state;

import io.corral.protocol.agent.AgentEvent;

/** The master's end of an agent's subscription stream. */
public interface AgentLink {
    String streamId();

    void send(AgentEvent event);

    boolean isOpen();

    void close();
}
