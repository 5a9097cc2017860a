package io.corral.zookeeper.registry;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * What the registry knows about an admitted agent, as Mesos's registry does: active, unreachable since a time (it may
 * come back and re-register), gone since a time (marked gone by an operator; never admitted again), or draining.
 * Times are kept to the millisecond, as they are stored.
 *
 * @param kind  the state
 * @param since when the agent became unreachable or gone; empty for ACTIVE and DRAINING
 */
public record AgentState(Kind kind, Optional<Instant> since) {

    public enum Kind {
        ACTIVE,
        UNREACHABLE,
        GONE,
        DRAINING
    }

    public AgentState {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(since, "since");
        boolean timed = kind == Kind.UNREACHABLE || kind == Kind.GONE;
        if (timed && since.isEmpty()) {
            throw new IllegalArgumentException("an agent state " + kind + " needs the time it began");
        }
        if (!timed && since.isPresent()) {
            throw new IllegalArgumentException("an agent state " + kind + " has no start time; got " + since.get());
        }
        since = since.map(t -> t.truncatedTo(ChronoUnit.MILLIS));
    }

    public static AgentState active() {
        return new AgentState(Kind.ACTIVE, Optional.empty());
    }

    public static AgentState draining() {
        return new AgentState(Kind.DRAINING, Optional.empty());
    }

    public static AgentState unreachable(Instant since) {
        return new AgentState(Kind.UNREACHABLE, Optional.of(since));
    }

    public static AgentState gone(Instant since) {
        return new AgentState(Kind.GONE, Optional.of(since));
    }
}
