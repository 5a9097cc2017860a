package io.corral.protocol.task;

import java.util.List;
import java.util.Objects;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * The table's answer for one task going from one state to another ({@link TaskTransitions#decide}): accepted, with
 * the side effects its owner must carry out, or rejected, with a message saying why. Immutable.
 */
public sealed interface Transition permits Transition.Accepted, Transition.Rejected {

    TaskState from();

    TaskState to();

    boolean isAccepted();

    /** What the caller must do, in a fixed order; empty for a repeat and for a rejected transition. */
    List<SideEffect> effects();

    default boolean has(SideEffect effect) {
        return effects().contains(effect);
    }

    /** The same state again (agents resend updates until they are acknowledged): accepted, with no effects. */
    default boolean isRepeat() {
        return from() == to();
    }

    /** The task may go from {@code from} to {@code to}; {@code effects} may be empty (a repeat). */
    record Accepted(TaskState from, TaskState to, List<SideEffect> effects) implements Transition {
        public Accepted {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            effects = List.copyOf(effects);
        }

        @Override
        public boolean isAccepted() {
            return true;
        }

        @Override
        public String toString() {
            return from + " -> " + to + " accepted " + effects;
        }
    }

    /** The task may not go from {@code from} to {@code to}: its state must stay {@code from}. */
    record Rejected(TaskState from, TaskState to, String reason) implements Transition {
        public Rejected {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public boolean isAccepted() {
            return false;
        }

        @Override
        public List<SideEffect> effects() {
            return List.of();
        }

        @Override
        public String toString() {
            return from + " -> " + to + " rejected: " + reason;
        }
    }
}
