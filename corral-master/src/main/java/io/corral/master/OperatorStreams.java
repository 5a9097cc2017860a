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
 * every 15 s; each subscriber gets only the events its principal may see ({@link OperatorEventVisibility}). At most
 * {@link #MAX_SUBSCRIBERS} at once, as Mesos's {@code --max_operator_event_stream_subscribers}:
 * a new one closes the oldest.
 *
 * <p>Threading: owned by the master's event loop; heartbeat timers fire on it.
 */
final class OperatorStreams {
    static final int MAX_SUBSCRIBERS = 1000;
    static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(15);

    /** A subscriber's stream and what it may see. */
    private record Subscriber(OperatorLink link, ViewApprover approver) {
        void send(OperatorEvent event) {
            Event shown = OperatorEventVisibility.shown(event, approver);
            if (shown != null) {
                link.send(shown);
            }
        }
    }

    private final Deque<Subscriber> subscribers = new ArrayDeque<>();
    private final Timers timers;
    private final Outbox outbox;
    private Timers.Cancellable heartbeat;

    OperatorStreams(Timers timers, Outbox outbox) {
        this.timers = timers;
        this.outbox = outbox;
    }

    /**
     * Carries out an {@link Effect.OpenOperatorStream}: {@code link} gets SUBSCRIBED, then every later event that
     * {@code approver} lets it see.
     */
    void add(OperatorLink link, ViewApprover approver, Event subscribed) {
        link.send(subscribed);
        subscribers.addLast(new Subscriber(link, approver));
        while (subscribers.size() > MAX_SUBSCRIBERS) {
            subscribers.removeFirst().link().close();
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
    void publish(Supplier<OperatorEvent> build) {
        subscribers.removeIf(subscriber -> !subscriber.link().isOpen());
        if (!subscribers.isEmpty()) {
            outbox.add(new Effect.ToOperators(build.get()));
        }
    }

    /** Carries out an {@link Effect.ToOperators}: the event goes to every open stream whose subscriber may see it. */
    void send(OperatorEvent event) {
        subscribers.forEach(subscriber -> subscriber.send(event));
    }

    /** Closes every stream: the leadership term ends, and operators look for the next leader. */
    void closeAll() {
        subscribers.forEach(subscriber -> subscriber.link().close());
        subscribers.clear();
        if (heartbeat != null) {
            heartbeat.cancel();
            heartbeat = null;
        }
    }

    private void scheduleHeartbeat() {
        heartbeat = timers.schedule(HEARTBEAT_INTERVAL, () -> {
            subscribers.removeIf(subscriber -> !subscriber.link().isOpen());
            send(OperatorEvent.ofCluster(OperatorEvents.heartbeat()));
            if (subscribers.isEmpty()) {
                heartbeat = null;
            } else {
                scheduleHeartbeat();
            }
        });
    }
}
