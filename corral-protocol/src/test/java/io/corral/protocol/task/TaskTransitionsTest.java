package io.corral.protocol.task;

import static io.corral.protocol.task.SideEffect.COUNT_TERMINAL;
import static io.corral.protocol.task.SideEffect.FORWARD_TO_FRAMEWORK;
import static io.corral.protocol.task.SideEffect.RELEASE_RESOURCES;
import static org.apache.mesos.v1.Protos.TaskState.TASK_DROPPED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_ERROR;
import static org.apache.mesos.v1.Protos.TaskState.TASK_FAILED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_FINISHED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_GONE;
import static org.apache.mesos.v1.Protos.TaskState.TASK_GONE_BY_OPERATOR;
import static org.apache.mesos.v1.Protos.TaskState.TASK_KILLED;
import static org.apache.mesos.v1.Protos.TaskState.TASK_KILLING;
import static org.apache.mesos.v1.Protos.TaskState.TASK_LOST;
import static org.apache.mesos.v1.Protos.TaskState.TASK_RUNNING;
import static org.apache.mesos.v1.Protos.TaskState.TASK_STAGING;
import static org.apache.mesos.v1.Protos.TaskState.TASK_STARTING;
import static org.apache.mesos.v1.Protos.TaskState.TASK_UNKNOWN;
import static org.apache.mesos.v1.Protos.TaskState.TASK_UNREACHABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.TaskStates;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;

class TaskTransitionsTest {
    private static final List<SideEffect> ENDED = List.of(RELEASE_RESOURCES, COUNT_TERMINAL, FORWARD_TO_FRAMEWORK);
    private static final List<SideEffect> CHANGED = List.of(FORWARD_TO_FRAMEWORK);
    private static final Set<TaskState> LIVE = EnumSet.of(TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING,
            TASK_UNREACHABLE, TASK_UNKNOWN);

    /**
     * The whole table, written out independently of the implementation (the class javadoc shows the same).
     * = repeat (accepted, no effects), A accepted (forward), T accepted into a terminal state, - rejected.
     */
    private static final List<TaskState> COLUMNS = List.of(TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING,
            TASK_UNREACHABLE, TASK_UNKNOWN, TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_LOST, TASK_GONE,
            TASK_GONE_BY_OPERATOR, TASK_ERROR, TASK_DROPPED);
    private static final String[] ROWS = {
        // from              STG STR RUN KLG UNR UNK FIN FLD KLD LST GON GBO ERR DRP
        "TASK_STAGING          =   A   A   A   A   -   T   T   T   T   T   T   T   T",
        "TASK_STARTING         -   =   A   A   A   -   T   T   T   T   T   T   -   -",
        "TASK_RUNNING          -   -   =   A   A   -   T   T   T   T   T   T   -   -",
        "TASK_KILLING          -   -   -   =   A   -   T   T   T   T   T   T   -   -",
        "TASK_UNREACHABLE      -   A   A   A   =   -   T   T   T   T   T   T   -   -",
        "TASK_UNKNOWN          -   A   A   A   A   =   T   T   T   T   T   T   -   -",
        "TASK_FINISHED         -   -   -   -   -   -   =   -   -   -   -   -   -   -",
        "TASK_FAILED           -   -   -   -   -   -   -   =   -   -   -   -   -   -",
        "TASK_KILLED           -   -   -   -   -   -   -   -   =   -   -   -   -   -",
        "TASK_LOST             -   -   -   -   -   -   -   -   -   =   -   -   -   -",
        "TASK_GONE             -   -   -   -   -   -   -   -   -   -   =   -   -   -",
        "TASK_GONE_BY_OPERATOR -   -   -   -   -   -   -   -   -   -   -   =   -   -",
        "TASK_ERROR            -   -   -   -   -   -   -   -   -   -   -   -   =   -",
        "TASK_DROPPED          -   -   -   -   -   -   -   -   -   -   -   -   -   =",
    };

    @Test
    void everyPairIsAnsweredAsTheTableSays() {
        assertThat(COLUMNS).containsExactlyInAnyOrder(TaskState.values());
        assertThat(ROWS).hasSize(TaskState.values().length);
        for (String row : ROWS) {
            String[] cells = row.trim().split("\\s+");
            TaskState from = TaskState.valueOf(cells[0]);
            assertThat(cells).hasSize(COLUMNS.size() + 1);
            for (int i = 0; i < COLUMNS.size(); i++) {
                TaskState to = COLUMNS.get(i);
                Transition transition = TaskTransitions.decide(from, to);
                assertThat(transition.from()).isEqualTo(from);
                assertThat(transition.to()).isEqualTo(to);
                String expected = cells[i + 1];
                switch (expected) {
                    case "=" -> assertThat(transition).as("%s -> %s", from, to)
                            .isEqualTo(new Transition.Accepted(from, to, List.of()));
                    case "A" -> assertThat(transition).as("%s -> %s", from, to)
                            .isEqualTo(new Transition.Accepted(from, to, CHANGED));
                    case "T" -> assertThat(transition).as("%s -> %s", from, to)
                            .isEqualTo(new Transition.Accepted(from, to, ENDED));
                    case "-" -> {
                        assertThat(transition).as("%s -> %s", from, to).isInstanceOf(Transition.Rejected.class);
                        assertThat(transition.isAccepted()).isFalse();
                        assertThat(transition.effects()).isEmpty();
                        assertThat(((Transition.Rejected) transition).reason()).isNotBlank();
                    }
                    default -> throw new AssertionError("bad cell " + expected);
                }
            }
        }
    }

    @Test
    void terminalStatesAreMesossAndTaskStatesAgrees() {
        assertThat(TaskTransitions.terminalStates()).containsExactlyInAnyOrder(TASK_FINISHED, TASK_FAILED,
                TASK_KILLED, TASK_LOST, TASK_ERROR, TASK_DROPPED, TASK_GONE, TASK_GONE_BY_OPERATOR);
        for (TaskState state : TaskState.values()) {
            assertThat(TaskStates.isTerminal(state)).as("%s", state).isEqualTo(TaskTransitions.isTerminal(state))
                    .isEqualTo(!LIVE.contains(state));
        }
        assertThatThrownBy(() -> TaskTransitions.terminalStates().add(TASK_RUNNING))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aRepeatIsAcceptedWithNoEffects() {
        for (TaskState state : TaskState.values()) {
            Transition repeat = TaskTransitions.decide(state, state);
            assertThat(repeat.isAccepted()).isTrue();
            assertThat(repeat.isRepeat()).isTrue();
            assertThat(repeat.effects()).isEmpty();
        }
    }

    @Test
    void aTerminalTaskNeverChangesState() {
        Transition rerun = TaskTransitions.decide(TASK_FINISHED, TASK_RUNNING);
        assertThat(rerun.isAccepted()).isFalse();
        assertThat(rerun).hasToString("TASK_FINISHED -> TASK_RUNNING rejected: TASK_FINISHED is terminal: a task"
                + " that ended does not become TASK_RUNNING");
        assertThat(TaskTransitions.decide(TASK_KILLED, TASK_FAILED).isAccepted()).isFalse();
        // Mesos: a lost task may show up again; Corral adopts it as a new task rather than reviving the record.
        assertThat(TaskTransitions.decide(TASK_LOST, TASK_RUNNING).isAccepted()).isFalse();
        assertThat(TaskTransitions.decide(TASK_LOST, TASK_UNREACHABLE).isAccepted()).isFalse();
        assertThat(TaskTransitions.targets(TASK_LOST)).isEmpty();
    }

    @Test
    void unknownIsNeverTheStateOfAKnownTask() {
        for (TaskState from : LIVE) {
            if (from != TASK_UNKNOWN) {
                Transition transition = TaskTransitions.decide(from, TASK_UNKNOWN);
                assertThat(transition.isAccepted()).isFalse();
                assertThat(((Transition.Rejected) transition).reason()).contains("reconciliation");
            }
        }
    }

    @Test
    void stagingIsOnlyTheLaunchState() {
        for (TaskState from : List.of(TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_UNREACHABLE, TASK_UNKNOWN)) {
            Transition transition = TaskTransitions.decide(from, TASK_STAGING);
            assertThat(transition.isAccepted()).isFalse();
            assertThat(((Transition.Rejected) transition).reason()).contains("launched in");
        }
    }

    @Test
    void errorAndDroppedOnlyBeforeTheTaskStarted() {
        for (TaskState neverStarted : List.of(TASK_ERROR, TASK_DROPPED)) {
            assertThat(TaskTransitions.decide(TASK_STAGING, neverStarted).effects()).isEqualTo(ENDED);
            for (TaskState from : List.of(TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_UNREACHABLE)) {
                Transition transition = TaskTransitions.decide(from, neverStarted);
                assertThat(transition.isAccepted()).isFalse();
                assertThat(((Transition.Rejected) transition).reason()).contains("never started");
            }
        }
    }

    @Test
    void aLiveTaskMayEndInAnyOtherTerminalStateReleasingCountingAndForwarding() {
        for (TaskState from : LIVE) {
            for (TaskState to : List.of(TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_LOST, TASK_GONE,
                    TASK_GONE_BY_OPERATOR)) {
                assertThat(TaskTransitions.decide(from, to).effects()).as("%s -> %s", from, to).isEqualTo(ENDED);
            }
        }
    }

    @Test
    void theMastersOwnStatesAreAccepted() {
        // Agent re-registered without the task (REASON_RECONCILIATION), also after a partition.
        assertThat(TaskTransitions.decide(TASK_STAGING, TASK_LOST).effects()).isEqualTo(ENDED);
        assertThat(TaskTransitions.decide(TASK_RUNNING, TASK_LOST).effects()).isEqualTo(ENDED);
        assertThat(TaskTransitions.decide(TASK_UNREACHABLE, TASK_LOST).effects()).isEqualTo(ENDED);
        // Framework removed (REASON_FRAMEWORK_REMOVED).
        assertThat(TaskTransitions.decide(TASK_RUNNING, TASK_KILLED).effects()).isEqualTo(ENDED);
        // Agent gone, or marked gone by an operator.
        assertThat(TaskTransitions.decide(TASK_UNREACHABLE, TASK_GONE).effects()).isEqualTo(ENDED);
        assertThat(TaskTransitions.decide(TASK_UNREACHABLE, TASK_GONE_BY_OPERATOR).effects()).isEqualTo(ENDED);
    }

    @Test
    void anUnreachableTaskKeepsItsResourcesAndMayComeBack() {
        for (TaskState from : List.of(TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_UNKNOWN)) {
            Transition lostSight = TaskTransitions.decide(from, TASK_UNREACHABLE);
            assertThat(lostSight.effects()).containsExactly(FORWARD_TO_FRAMEWORK);
            assertThat(lostSight.has(RELEASE_RESOURCES)).isFalse();
            assertThat(lostSight.has(COUNT_TERMINAL)).isFalse();
        }
        assertThat(TaskTransitions.targets(TASK_UNREACHABLE)).containsExactlyInAnyOrder(TASK_STARTING,
                TASK_RUNNING, TASK_KILLING, TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_LOST, TASK_GONE,
                TASK_GONE_BY_OPERATOR);
        assertThat(TaskTransitions.decide(TASK_UNREACHABLE, TASK_RUNNING).effects()).isEqualTo(CHANGED);
        assertThat(TaskTransitions.decide(TASK_UNREACHABLE, TASK_FINISHED).effects()).isEqualTo(ENDED);
    }

    @Test
    void liveStatesGoForwardMaySkipAndNeverGoBack() {
        assertThat(TaskTransitions.targets(TASK_STAGING)).containsExactlyInAnyOrder(TASK_STARTING, TASK_RUNNING,
                TASK_KILLING, TASK_UNREACHABLE, TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_LOST, TASK_GONE,
                TASK_GONE_BY_OPERATOR, TASK_ERROR, TASK_DROPPED);
        assertThat(TaskTransitions.decide(TASK_STAGING, TASK_RUNNING).effects()).isEqualTo(CHANGED);
        assertThat(TaskTransitions.decide(TASK_STARTING, TASK_RUNNING).effects()).isEqualTo(CHANGED);
        assertThat(TaskTransitions.decide(TASK_RUNNING, TASK_KILLING).effects()).isEqualTo(CHANGED);

        Transition stale = TaskTransitions.decide(TASK_RUNNING, TASK_STARTING);
        assertThat(stale).isEqualTo(new Transition.Rejected(TASK_RUNNING, TASK_STARTING,
                "updates of a task arrive in order: a TASK_RUNNING task does not go back to TASK_STARTING"));
        assertThat(TaskTransitions.decide(TASK_KILLING, TASK_STARTING).isAccepted()).isFalse();
        Transition unkill = TaskTransitions.decide(TASK_KILLING, TASK_RUNNING);
        assertThat(unkill.isAccepted()).isFalse();
        assertThat(((Transition.Rejected) unkill).reason()).contains("a kill is not undone");
        assertThat(TaskTransitions.targets(TASK_KILLING)).containsExactlyInAnyOrder(TASK_UNREACHABLE,
                TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_LOST, TASK_GONE, TASK_GONE_BY_OPERATOR);
    }

    @Test
    void answersAreImmutableValuesAndNullsAreRefused() {
        Transition ended = TaskTransitions.decide(TASK_RUNNING, TASK_FINISHED);
        assertThatThrownBy(() -> ended.effects().add(COUNT_TERMINAL))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> TaskTransitions.targets(TASK_RUNNING).add(TASK_STAGING))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(TaskTransitions.decide(TASK_RUNNING, TASK_FINISHED)).isSameAs(ended);
        assertThat(ended).hasToString(
                "TASK_RUNNING -> TASK_FINISHED accepted [RELEASE_RESOURCES, COUNT_TERMINAL, FORWARD_TO_FRAMEWORK]");
        assertThatThrownBy(() -> TaskTransitions.decide(null, TASK_RUNNING)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> TaskTransitions.decide(TASK_RUNNING, null)).isInstanceOf(NullPointerException.class);
    }
}
