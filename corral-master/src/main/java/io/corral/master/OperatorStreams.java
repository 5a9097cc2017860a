package io.corral.master;

import io.corral.master.state.OperatorLink;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.apache.mesos.v1.master.Protos.Event;

/**
 * The operators subscribed to the master's event stream ({@code SUBSCRIBE} on {@code /api/v1}): each first gets
 * SUBSCRIBED with the whole state, then, in the loop's order, every change as it is applied (TASK_ADDED,
 * TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED, FRAMEWORK_ADDED, FRAMEWORK_UPDATED, FRAMEWORK_REMOVED), and a HEARTBEAT
 * every 15 s. At most {@link #MAX_SUBSCRIBERS} at once, as Mesos's {@code --max_operator_event_stream_subscribers}:
 * a new one closes the oldest.
 *
 * <p>Threading: owned by the master's event loop; heartbeat timers fire on it.
 */
final class OperatorStreams {
    static final int MAX_SUBSCRIBERS = 1000;
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(15);

    private final Deque<OperatorLink> subscribers = new ArrayDeque<>();
    private final Timers timers;
    private final Outbox outbox;
    private Timers.Cancellable heartbeat;

    OperatorStreams(Timers timers, Outbox outbox) {
        this.timers = timers;
        this.outbox = outbox;
    }

    /** Carries out an {@link Effect.OpenOperatorStream}: {@code link} gets SUBSCRIBED, then every later event. */
    void add(OperatorLink link, Event subscribed) {
        link.send(subscribed);
        subscribers.addLast(link);
        while (subscribers.size() > MAX_SUBSCRIBERS) {
            subscribers.removeFirst().close();
        }
        if (heartbeat == null) {
            scheduleHeartbeat();
        }
    }

    /** True when someone listens: callers build an event only then. */
    boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /**
     * A change was applied: if anyone listens, the event {@code build} makes of the state as it is now is decided as
     * an {@link Effect.ToOperators}, sent after the loop event with the other effects, in order.
     */
    void publish(Supplier<Event> build) {
        subscribers.removeIf(link -> !link.isOpen());
        if (!subscribers.isEmpty()) {
            outbox.add(new Effect.ToOperators(build.get()));
        }
    }

    /** Carries out an {@link Effect.ToOperators}: the event goes to every open stream. */
    void send(Event event) {
        subscribers.forEach(link -> link.send(event));
    }

    /** Closes every stream: the leadership term ends, and operators look for the next leader. */
    void closeAll() {
        subscribers.forEach(OperatorLink::close);
        subscribers.clear();
        if (heartbeat != null) {
            heartbeat.cancel();
            heartbeat = null;
        }
    }

    private void scheduleHeartbeat() {
        heartbeat = timers.schedule(HEARTBEAT_INTERVAL, () -> {
            subscribers.removeIf(link -> !link.isOpen());
            send(OperatorEvents.heartbeat());
            if (subscribers.isEmpty()) {
                heartbeat = null;
            } else {
                scheduleHeartbeat();
            }
        });
    }
}
