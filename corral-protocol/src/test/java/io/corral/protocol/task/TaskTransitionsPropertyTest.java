package io.corral.protocol.task;

import static io.corral.protocol.task.SideEffect.COUNT_TERMINAL;
import static io.corral.protocol.task.SideEffect.FORWARD_TO_FRAMEWORK;
import static io.corral.protocol.task.SideEffect.RELEASE_RESOURCES;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.apache.mesos.v1.Protos.TaskState;

/** Laws of the task state table, over every pair of states and over random histories of updates. */
class TaskTransitionsPropertyTest {

    /** Exhaustive: 14 x 14 pairs. */
    @Property(generation = GenerationMode.EXHAUSTIVE)
    void everyPairHasAnAnswerAndTheLawsHold(@ForAll TaskState from, @ForAll TaskState to) {
        Transition transition = TaskTransitions.decide(from, to); // never throws

        assertThat(transition).isNotNull();
        assertThat(transition.from()).isEqualTo(from);
        assertThat(transition.to()).isEqualTo(to);
        if (transition.isAccepted()) {
            assertThat(transition).isInstanceOf(Transition.Accepted.class);
        } else {
            assertThat(((Transition.Rejected) transition).reason()).isNotBlank();
            assertThat(transition.effects()).isEmpty();
        }
        // A terminal state never leaves to a non-terminal state (nor to any other state).
        if (TaskTransitions.isTerminal(from) && !TaskTransitions.isTerminal(to)) {
            assertThat(transition.isAccepted()).isFalse();
        }
        // A repeat is always accepted and does nothing.
        if (from == to) {
            assertThat(transition.isAccepted()).isTrue();
            assertThat(transition.effects()).isEmpty();
        }
        // Every accepted change into a terminal state releases (and counts) exactly once; nothing else does.
        boolean ends = transition.isAccepted() && !transition.isRepeat() && TaskTransitions.isTerminal(to);
        assertThat(Collections.frequency(transition.effects(), RELEASE_RESOURCES)).isEqualTo(ends ? 1 : 0);
        assertThat(Collections.frequency(transition.effects(), COUNT_TERMINAL)).isEqualTo(ends ? 1 : 0);
        // Every accepted change, and only a change, is for the framework to hear.
        assertThat(transition.has(FORWARD_TO_FRAMEWORK)).isEqualTo(transition.isAccepted() && from != to);
    }

    /**
     * A task launched in TASK_STAGING, fed any sequence of reported states (stale, repeated, out of order), applying
     * only what the table accepts: its resources are released at most once, exactly when it ends up terminal.
     */
    @Property(tries = 500)
    void anyHistoryReleasesAndCountsATaskAtMostOnce(@ForAll @Size(max = 25) List<TaskState> reported) {
        TaskState state = TaskState.TASK_STAGING;
        int released = 0;
        int counted = 0;
        for (TaskState next : reported) {
            Transition transition = TaskTransitions.decide(state, next);
            if (transition.isAccepted()) {
                state = next;
                released += Collections.frequency(transition.effects(), RELEASE_RESOURCES);
                counted += Collections.frequency(transition.effects(), COUNT_TERMINAL);
            } else {
                assertThat(next).isNotEqualTo(state);
            }
        }
        int expected = TaskTransitions.isTerminal(state) ? 1 : 0;
        assertThat(released).isEqualTo(expected);
        assertThat(counted).isEqualTo(expected);
    }
}
