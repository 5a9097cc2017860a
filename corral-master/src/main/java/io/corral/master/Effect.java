package io.corral.master;

import io.corral.master.state.AgentLink;
import io.corral.master.state.FrameworkLink;
import io.corral.protocol.agent.AgentEvent;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * What a decision on the master's loop asks of the world outside its state, as data: messages for frameworks' and
 * agents' streams, streams opened and closed, and replies to the calls that waited for a durable change. Decisions
 * append effects to the {@link Outbox}; after the event, {@link Streams} carries them out in order. A test reads
 * them from the outbox without any I/O.
 *
 * <p>Messages are addressed by id, not by stream: they go to the stream the framework or agent has when they are
 * carried out, after the opens and closes queued before them (a framework that failed over in the same event gets
 * its ERROR on the old stream, then SUBSCRIBED on the new one).
 */
sealed interface Effect {

    /** {@code stream} becomes the framework's stream (a subscription); it is sent heartbeats from now on. */
    record OpenFrameworkStream(FrameworkID framework, FrameworkLink stream) implements Effect { }

    record ToFramework(FrameworkID framework, Event event) implements Effect { }

    /** Ends the framework's stream (it failed over to another, or it was removed). */
    record CloseFrameworkStream(FrameworkID framework) implements Effect { }

    /** {@code stream} becomes the agent's stream (a registration). */
    record OpenAgentStream(AgentID agent, AgentLink stream) implements Effect { }

    record ToAgent(AgentID agent, AgentEvent event) implements Effect { }

    /** Ends the agent's stream (it registered again on another, it is gone, or it was removed). */
    record CloseAgentStream(AgentID agent) implements Effect { }

    /** An event for every operator subscribed to the event stream who may see it. */
    record ToOperators(OperatorEvent event) implements Effect { }

    /**
     * An operator subscribes to the event stream: {@code subscribed} (what {@code approver} lets it see of the state
     * as of this event) first, then every event decided after it that {@code approver} lets it see.
     */
    record OpenOperatorStream(io.corral.master.state.OperatorLink stream, ViewApprover approver,
                              org.apache.mesos.v1.master.Protos.Event subscribed) implements Effect { }

    /**
     * Answers a call that waited for its change to be recorded and applied (a SUBSCRIBE, a REGISTER, an operator's
     * change): after the messages queued before it, so a caller never sees the answer before the change's effects.
     */
    record Reply(CompletableFuture<Void> call) implements Effect { }
}
