package io.corral.master;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a master process stands as a contender for the lead: one immutable value, replaced by the leadership control
 * thread ({@link MasterServer}) and read by the HTTP room, so that every request sees one consistent answer.
 *
 * <pre>
 *   FOLLOWING --elected--> CLAIMING --claimed--> RECOVERING --replayed--> LEADING
 *                              |                     |                       |
 *                              +------ connection suspended ---------------> SUSPENDED --reconnected--> (back)
 *   any --candidacy lost, or another leader seen while elected--> DEPOSED (final: the process exits)
 * </pre>
 *
 * <ul>
 *   <li>FOLLOWING: another master leads ({@link #leaderAddress}), or none yet; requests are redirected (307).
 *   <li>CLAIMING: elected; fencing every earlier leader's registry writes. RECOVERING: reading and applying the
 *       registry. In both, requests wait for the recovery (a few seconds at most, then 503 "Master has not
 *       finished recovery", which Mesos answers at once).
 *   <li>LEADING: serves through {@link #master}.
 *   <li>SUSPENDED: elected, but the ZooKeeper connection is suspended: it may have lost the lead without knowing,
 *       so it decides nothing and answers 503 until the connection comes back (to the phase it left) or the session
 *       is lost (DEPOSED).
 *   <li>DEPOSED: the candidacy ended; this process never acts as leader again.
 * </ul>
 *
 * <p>Immutable and thread-safe. A transition that makes no sense from the current phase is a programming error.
 */
public record MasterLifecycle(Phase phase, Optional<String> leaderAddress, Optional<Master> master,
                              Optional<Phase> suspendedFrom, Optional<String> reason) {

    public enum Phase { FOLLOWING, CLAIMING, RECOVERING, LEADING, SUSPENDED, DEPOSED }

    public MasterLifecycle {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(leaderAddress, "leaderAddress");
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(suspendedFrom, "suspendedFrom");
        Objects.requireNonNull(reason, "reason");
    }

    /** A new contender: no leader known yet. */
    public static MasterLifecycle start() {
        return new MasterLifecycle(Phase.FOLLOWING, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** Another master leads at {@code leader} (or none is known). */
    public MasterLifecycle follow(Optional<String> leader) {
        require(phase == Phase.FOLLOWING, "follow");
        return new MasterLifecycle(Phase.FOLLOWING, leader, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Elected; {@code ownAddress} is where this master serves. */
    public MasterLifecycle claim(String ownAddress) {
        require(phase == Phase.FOLLOWING, "claim");
        return new MasterLifecycle(Phase.CLAIMING, Optional.of(ownAddress), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** The registry is claimed: reading and applying it. */
    public MasterLifecycle recover() {
        return elected(Phase.CLAIMING, Phase.RECOVERING, Optional.empty(), "recover");
    }

    /** The registry is applied: {@code leading} serves from now on. */
    public MasterLifecycle lead(Master leading) {
        return elected(Phase.RECOVERING, Phase.LEADING, Optional.of(leading), "lead");
    }

    /** The ZooKeeper connection is suspended; a follower keeps following (its redirects may be stale for a while). */
    public MasterLifecycle suspend() {
        if (phase == Phase.FOLLOWING || phase == Phase.SUSPENDED || phase == Phase.DEPOSED) {
            return this;
        }
        return new MasterLifecycle(Phase.SUSPENDED, leaderAddress, master, Optional.of(phase), Optional.empty());
    }

    /** The connection is back with the same session: back to the phase it was suspended in. */
    public MasterLifecycle resume() {
        if (phase != Phase.SUSPENDED) {
            return this;
        }
        return new MasterLifecycle(suspendedFrom.orElseThrow(), leaderAddress, master, Optional.empty(),
                Optional.empty());
    }

    /** The candidacy ended for good. */
    public MasterLifecycle depose(String why) {
        return new MasterLifecycle(Phase.DEPOSED, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(why));
    }

    /** Won an election and not deposed since: claiming, recovering, leading, or suspended in one of those. */
    public boolean isElected() {
        return phase == Phase.CLAIMING || phase == Phase.RECOVERING || phase == Phase.LEADING
                || phase == Phase.SUSPENDED;
    }

    /** The phase this is in, or was suspended in. */
    public Phase effectivePhase() {
        return suspendedFrom.orElse(phase);
    }

    /**
     * Moves an elected master from {@code from} to {@code to}, also while suspended in {@code from} (then it stays
     * suspended, to resume in {@code to}).
     */
    private MasterLifecycle elected(Phase from, Phase to, Optional<Master> leading, String transition) {
        require(effectivePhase() == from && phase != Phase.DEPOSED, transition);
        return phase == Phase.SUSPENDED
                ? new MasterLifecycle(Phase.SUSPENDED, leaderAddress, leading, Optional.of(to), Optional.empty())
                : new MasterLifecycle(to, leaderAddress, leading, Optional.empty(), Optional.empty());
    }

    private void require(boolean allowed, String transition) {
        if (!allowed) {
            throw new IllegalStateException("cannot " + transition + " a master that is " + phase
                    + suspendedFrom.map(from -> " (in " + from + ")").orElse(""));
        }
    }
}
