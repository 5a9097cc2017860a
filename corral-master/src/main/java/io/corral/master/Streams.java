package io.corral.master;

import io.corral.master.state.AgentLink;
import io.corral.master.state.FrameworkLink;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's open streams to frameworks and agents (and, through {@link OperatorStreams}, operators), and the one
 * place {@link Effect}s are carried out: after each
 * loop event, in the order they were decided. It also sends each framework's stream its HEARTBEATs, a property of
 * the stream rather than of the framework. Entities know only whether they are connected (and their stream's id);
 * the streams themselves live here.
 *
 * <p>A message for a framework or agent with no open stream is dropped: the framework learns the state again when it
 * resubscribes and reconciles, the agent when it re-registers, as in Mesos.
 *
 * <p>Threading: owned by the master's event loop (effects are carried out and heartbeat timers fire on it).
 */
final class Streams {
    private static final Logger LOG = LoggerFactory.getLogger(Streams.class);
    private static final Event HEARTBEAT = Event.newBuilder().setType(Event.Type.HEARTBEAT).build();

    private final Timers timers;
    private final Supplier<Duration> heartbeatInterval;
    private final Map<FrameworkID, FrameworkLink> frameworks = new HashMap<>();
    private final Map<FrameworkID, Timers.Cancellable> heartbeats = new HashMap<>();
    private final Map<AgentID, AgentLink> agents = new HashMap<>();
    private final OperatorStreams operators;

    Streams(Timers timers, Supplier<Duration> heartbeatInterval, OperatorStreams operators) {
        this.timers = timers;
        this.heartbeatInterval = heartbeatInterval;
        this.operators = operators;
    }

    /** Carries out {@code effects} in order; one that fails is logged and does not stop the others. */
    void carryOut(List<Effect> effects) {
        for (Effect effect : effects) {
            try {
                carryOut(effect);
            } catch (RuntimeException e) {
                LOG.warn("Could not carry out {}", effect, e);
            }
        }
    }

    private void carryOut(Effect effect) {
        if (effect instanceof Effect.ToFramework message) {
            FrameworkLink stream = frameworks.get(message.framework());
            if (stream != null) {
                stream.send(message.event());
            }
        } else if (effect instanceof Effect.ToAgent message) {
            AgentLink stream = agents.get(message.agent());
            if (stream != null) {
                stream.send(message.event());
            }
        } else if (effect instanceof Effect.OpenFrameworkStream open) {
            openFramework(open.framework(), open.stream());
        } else if (effect instanceof Effect.CloseFrameworkStream close) {
            closeFramework(close.framework());
        } else if (effect instanceof Effect.OpenAgentStream open) {
            AgentLink old = agents.put(open.agent(), open.stream());
            if (old != null && old != open.stream()) {
                old.close();
            }
        } else if (effect instanceof Effect.CloseAgentStream close) {
            AgentLink stream = agents.remove(close.agent());
            if (stream != null) {
                stream.close();
            }
        } else if (effect instanceof Effect.ToOperators event) {
            operators.send(event.event());
        } else if (effect instanceof Effect.OpenOperatorStream open) {
            operators.add(open.stream(), open.approver(), open.subscribed());
        } else if (effect instanceof Effect.Reply reply) {
            reply.call().complete(null);
        }
    }

    private void openFramework(FrameworkID framework, FrameworkLink stream) {
        FrameworkLink old = frameworks.put(framework, stream);
        if (old != null && old != stream) {
            old.close();
        }
        scheduleHeartbeat(framework, stream);
    }

    private void closeFramework(FrameworkID framework) {
        FrameworkLink stream = frameworks.remove(framework);
        Timers.Cancellable heartbeat = heartbeats.remove(framework);
        if (heartbeat != null) {
            heartbeat.cancel();
        }
        if (stream != null) {
            stream.close();
        }
    }

    private void scheduleHeartbeat(FrameworkID framework, FrameworkLink stream) {
        Timers.Cancellable previous = heartbeats.put(framework, timers.schedule(heartbeatInterval.get(), () -> {
            if (frameworks.get(framework) == stream) {
                stream.send(HEARTBEAT);
                scheduleHeartbeat(framework, stream);
            }
        }));
        if (previous != null) {
            previous.cancel();
        }
    }

    /** Forgets a stream that ended by itself (the client went away); its heartbeats stop. */
    void ended(FrameworkID framework, FrameworkLink stream) {
        if (frameworks.get(framework) == stream) {
            closeFramework(framework);
        }
    }

    void ended(AgentID agent, AgentLink stream) {
        agents.remove(agent, stream);
    }

    /** The leadership term ended: every stream is closed, so clients look for the next leader. */
    void closeAll() {
        heartbeats.values().forEach(Timers.Cancellable::cancel);
        heartbeats.clear();
        frameworks.values().forEach(FrameworkLink::close);
        frameworks.clear();
        agents.values().forEach(AgentLink::close);
        agents.clear();
    }
}
