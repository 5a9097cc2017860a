package io.corral.master;

import io.corral.protocol.agent.AgentEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * The {@link Effect}s the current loop event decided, in order, until {@link Streams} carries them out after the
 * event. Decisions only append here: they never touch a stream.
 *
 * <p>Threading: owned by the master's event loop.
 */
final class Outbox {
    private List<Effect> pending = new ArrayList<>();

    void toFramework(FrameworkID framework, Event event) {
        pending.add(new Effect.ToFramework(framework, event));
    }

    void toAgent(AgentID agent, AgentEvent event) {
        pending.add(new Effect.ToAgent(agent, event));
    }

    void add(Effect effect) {
        pending.add(effect);
    }

    /** Completes {@code call} once the effects queued before it are carried out. */
    void reply(CompletableFuture<Void> call) {
        pending.add(new Effect.Reply(call));
    }

    /** What this event decided so far (a copy), for tests. */
    List<Effect> pending() {
        return List.copyOf(pending);
    }

    /** Takes the effects decided so far, leaving the outbox empty. */
    List<Effect> drain() {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<Effect> taken = pending;
        pending = new ArrayList<>();
        return taken;
    }
}
