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

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.mesos.v1.Protos.TaskState;

/**
 * The one table of task states shared by the master, the agent and the SDK: which states are terminal, which changes
 * of state are allowed, and what each allowed change obliges its caller to do ({@link SideEffect}), returned as data.
 * Pure: no I/O, no clock, no logging. The Mesos facts it follows are in {@code docs/mesos-compatibility.md}, "Task
 * states and reasons", "Agent health and unreachable agents" and "Status update delivery".
 *
 * <pre>
 *   launch (master)
 *        |
 *        v
 *   TASK_STAGING ----> TASK_STARTING ----> TASK_RUNNING ----> TASK_KILLING      in this order; a state may
 *        |                                                                     be skipped, never undone
 *        '--> TASK_ERROR, TASK_DROPPED        the task never started: only from TASK_STAGING
 *
 *   any non-terminal state (STAGING, STARTING, RUNNING, KILLING, UNREACHABLE, UNKNOWN)
 *        |--> TASK_FINISHED, TASK_FAILED, TASK_KILLED,     terminal ("ended"): the task's resources go back,
 *        |    TASK_LOST, TASK_GONE, TASK_GONE_BY_OPERATOR   it is counted once, the framework hears of it
 *        '--> TASK_UNREACHABLE                             the master lost its agent; resources stay booked
 *
 *   TASK_UNREACHABLE, TASK_UNKNOWN --> TASK_STARTING, TASK_RUNNING, TASK_KILLING   the agent reports it again
 *   terminal --> nothing but itself
 * </pre>
 *
 * <p>Every pair, as {@link #decide} answers it:
 *
 * <pre>
 *   from \ to      STG STR RUN KLG UNR UNK | FIN FLD KLD LST GON GBO | ERR DRP
 *   STAGING         =   A   A   A   A   -  |  T   T   T   T   T   T  |  T   T
 *   STARTING        -   =   A   A   A   -  |  T   T   T   T   T   T  |  -   -
 *   RUNNING         -   -   =   A   A   -  |  T   T   T   T   T   T  |  -   -
 *   KILLING         -   -   -   =   A   -  |  T   T   T   T   T   T  |  -   -
 *   UNREACHABLE     -   A   A   A   =   -  |  T   T   T   T   T   T  |  -   -
 *   UNKNOWN         -   A   A   A   A   =  |  T   T   T   T   T   T  |  -   -
 *   any terminal    -   -   -   -   -   -  |  = to itself, - to any other state
 *
 *   =  accepted, no effects (a repeat)         A  accepted: FORWARD_TO_FRAMEWORK
 *   -  rejected, with a message                T  accepted: RELEASE_RESOURCES, COUNT_TERMINAL, FORWARD_TO_FRAMEWORK
 *
 *   STG STAGING, STR STARTING, RUN RUNNING, KLG KILLING, UNR UNREACHABLE, UNK UNKNOWN, FIN FINISHED, FLD FAILED,
 *   KLD KILLED, LST LOST, GON GONE, GBO GONE_BY_OPERATOR, ERR ERROR, DRP DROPPED
 * </pre>
 *
 * <p>Threading: immutable; use from any thread.
 */
public final class TaskTransitions {
    private static final Set<TaskState> TERMINAL = Collections.unmodifiableSet(EnumSet.of(TASK_FINISHED,
            TASK_FAILED, TASK_KILLED, TASK_LOST, TASK_ERROR, TASK_DROPPED, TASK_GONE, TASK_GONE_BY_OPERATOR));

    /** Effects of a change into a terminal state: always all three, in this order. */
    private static final List<SideEffect> ENDED = List.of(RELEASE_RESOURCES, COUNT_TERMINAL, FORWARD_TO_FRAMEWORK);
    /** Effects of a change between two non-terminal states. */
    private static final List<SideEffect> CHANGED = List.of(FORWARD_TO_FRAMEWORK);

    /** Every answer, computed once from {@link #rule}: {@code decide} is a lookup. */
    private static final Map<TaskState, Map<TaskState, Transition>> TABLE = buildTable();

    private TaskTransitions() {}

    /**
     * Terminal states, as Mesos defines them: FINISHED, FAILED, KILLED, LOST, ERROR, DROPPED, GONE, GONE_BY_OPERATOR.
     * STAGING, STARTING, RUNNING, KILLING, UNREACHABLE and UNKNOWN are not terminal.
     */
    public static boolean isTerminal(TaskState state) {
        return TERMINAL.contains(state);
    }

    /** The terminal states (unmodifiable). */
    public static Set<TaskState> terminalStates() {
        return TERMINAL;
    }

    /**
     * May a task whose recorded state is {@code from} be recorded as {@code to}, and what must the caller then do?
     * Defined for every pair of states; never null.
     *
     * @throws NullPointerException if either state is null
     */
    public static Transition decide(TaskState from, TaskState to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        return TABLE.get(from).get(to);
    }

    /** The states a task in {@code from} may change to (the accepted targets, {@code from} itself left out). */
    public static Set<TaskState> targets(TaskState from) {
        Set<TaskState> targets = EnumSet.noneOf(TaskState.class);
        for (Transition transition : TABLE.get(Objects.requireNonNull(from, "from")).values()) {
            if (transition.isAccepted() && !transition.isRepeat()) {
                targets.add(transition.to());
            }
        }
        return Collections.unmodifiableSet(targets);
    }

    private static Map<TaskState, Map<TaskState, Transition>> buildTable() {
        Map<TaskState, Map<TaskState, Transition>> table = new EnumMap<>(TaskState.class);
        for (TaskState from : TaskState.values()) {
            Map<TaskState, Transition> row = new EnumMap<>(TaskState.class);
            for (TaskState to : TaskState.values()) {
                row.put(to, rule(from, to));
            }
            table.put(from, Collections.unmodifiableMap(row));
        }
        return Collections.unmodifiableMap(table);
    }

    /** The rules, in the order they apply. */
    private static Transition rule(TaskState from, TaskState to) {
        // 1. The same state again is fine and changes nothing: an agent resends an update until the framework
        //    acknowledges it (each resend reaches the master), and a re-registering agent reports the state the
        //    master already has.
        if (from == to) {
            return new Transition.Accepted(from, to, List.of());
        }
        // 2. A terminal task never changes state again, as in Mesos's master, which keeps a terminal task's state
        //    whatever arrives later. What arrives later is a stale resend (the agent's updates may overtake each
        //    other on the way) or a confused reporter; applying it would book the task's resources a second time
        //    or count the task twice. (Mesos notes that a TASK_LOST task may show up again: Corral's master forgets
        //    a task as soon as it reports it lost, and adopts it as a new task if its agent reports it later.)
        if (isTerminal(from)) {
            return rejected(from, to, from + " is terminal: a task that ended does not become " + to);
        }
        switch (to) {
            // 3. TASK_UNKNOWN is the master's answer about a task it does not know (reconciliation); it is never
            //    the state of a task it knows.
            case TASK_UNKNOWN:
                return rejected(from, to, "TASK_UNKNOWN is a reconciliation answer for a task the master does not"
                        + " know, never the state of a known task");
            // 4. TASK_STAGING is the state the master launches a task in: a task never goes back to it.
            case TASK_STAGING:
                return rejected(from, to, "TASK_STAGING is only the state a task is launched in; a " + from
                        + " task does not go back to it");
            // 5. TASK_ERROR (the task description is invalid) and TASK_DROPPED (a transient failure to launch)
            //    both mean that the task never started, so they can only follow TASK_STAGING. (Corral's master
            //    sends both before it records a task; no agent produces them.)
            case TASK_ERROR:
            case TASK_DROPPED:
                return from == TASK_STAGING ? ended(from, to)
                        : rejected(from, to, to + " means the task never started, but it is already " + from);
            // 6. A task may end at any moment in any other terminal state: its process exits (FINISHED, FAILED),
            //    a kill completes (KILLED, also when the kill came before the task started), the master gives up
            //    on it (LOST: its agent came back without it; KILLED: its framework was removed), or its agent is
            //    gone (GONE, GONE_BY_OPERATOR). From TASK_UNREACHABLE too: the agent re-registers and reports that
            //    the task ended meanwhile.
            case TASK_FINISHED:
            case TASK_FAILED:
            case TASK_KILLED:
            case TASK_LOST:
            case TASK_GONE:
            case TASK_GONE_BY_OPERATOR:
                return ended(from, to);
            // 7. The master marks a task unreachable when it loses the task's agent, whatever the task's live
            //    state. Its resources stay booked on the agent (no RELEASE_RESOURCES): the whole agent is out of
            //    the allocation while unreachable, and the task may well still run there. Frameworks that are
            //    not partition-aware see TASK_LOST instead (TaskStates.visibleTo), but the task's recorded state
            //    is TASK_UNREACHABLE, so it can come back.
            case TASK_UNREACHABLE:
                return changed(from, to);
            // 8. Updates of one task are produced and delivered in order (STAGING, STARTING, RUNNING, KILLING) and
            //    a state may be skipped (an executor need not send TASK_STARTING; a kill may come before the task
            //    runs), but never undone: an earlier state after a later one is a stale resend. TASK_UNREACHABLE
            //    and TASK_UNKNOWN may go to any of them, because the master does not know what the task did
            //    meanwhile: when an unreachable agent re-registers, its tasks take the state it reports (Mesos
            //    1.5+ kills nothing for having been unreachable).
            case TASK_STARTING:
                return from == TASK_STAGING || isUnsure(from) ? changed(from, to) : backwards(from, to);
            case TASK_RUNNING:
                return from == TASK_STAGING || from == TASK_STARTING || isUnsure(from) ? changed(from, to)
                        : rejected(from, to, "a kill is not undone: a TASK_KILLING task does not become"
                                + " TASK_RUNNING again");
            case TASK_KILLING:
                return changed(from, to); // from every live state: a kill may be asked at any time
            default:
                // A state this table does not know (a newer Mesos): refuse rather than guess.
                return rejected(from, to, "unknown task state " + to);
        }
    }

    /** States whose next state the master cannot predict: it lost sight of the task. */
    private static boolean isUnsure(TaskState state) {
        return state == TASK_UNREACHABLE || state == TASK_UNKNOWN;
    }

    private static Transition ended(TaskState from, TaskState to) {
        return new Transition.Accepted(from, to, ENDED);
    }

    private static Transition changed(TaskState from, TaskState to) {
        return new Transition.Accepted(from, to, CHANGED);
    }

    private static Transition backwards(TaskState from, TaskState to) {
        return rejected(from, to, "updates of a task arrive in order: a " + from + " task does not go back to " + to);
    }

    private static Transition rejected(TaskState from, TaskState to, String reason) {
        return new Transition.Rejected(from, to, reason);
    }
}
