package io.corral.bench.placement;

import io.corral.master.state.AgentLink;
import io.corral.protocol.agent.AgentEvent;

/**
 * A simulated agent of the placement benchmark: the master's end of its stream counts the tasks the master tells it
 * to launch and runs nothing (the benchmark measures the master's decisions, not process spawning).
 *
 * <p>Threading: {@link #send} runs on the master's loop.
 */
final class CountingAgent implements AgentLink {
    private final String streamId;
    private final Placements launched;

    /** @param launched where every task this agent is told to launch is counted (shared by all agents) */
    CountingAgent(String streamId, Placements launched) {
        this.streamId = streamId;
        this.launched = launched;
    }

    @Override
    public String streamId() {
        return streamId;
    }

    @Override
    public void send(AgentEvent event) {
        switch (event.type()) {
            case LAUNCH -> launched.launched(event.launch().frameworkInfo().getId().getValue(), 1);
            case LAUNCH_GROUP -> launched.launched(event.launchGroup().frameworkInfo().getId().getValue(),
                    event.launchGroup().tasks().size());
            default -> { }
        }
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
