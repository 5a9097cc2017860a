package io.corral.frameworks.services;

import org.apache.mesos.v1.Protos.TaskState;

/**
 * A task as the planner sees it: the stored record plus what the master reported (soft state, relearned by
 * reconciliation after every subscription). Immutable; the scheduler replaces it on each update.
 *
 * @param state         last reported state; null until the first update after LAUNCH (counts as staging)
 * @param healthy       the agent's last health verdict, null when it gave none
 * @param killRequested a KILL was sent in this term
 * @param returned      it was unreachable, was replaced, and came back: the first to go when there is a surplus
 * @param runningSince  when it was first seen RUNNING, epoch millis, or 0
 * @param recovered     loaded from the store by a new leader and not heard of since: its state is unknown until
 *                      reconciliation answers, so nothing is decided about its app meanwhile
 */
public record Instance(StoredTask task, TaskState state, Boolean healthy, boolean killRequested, boolean returned,
                       long runningSince, boolean recovered) {

    /** A task this term launched: staging until the master says more. */
    public static Instance launched(StoredTask task) {
        return new Instance(task, null, null, false, false, 0, false);
    }

    /** A task a previous leader launched: unknown until reconciliation reports it. */
    public static Instance recovered(StoredTask task) {
        return new Instance(task, null, task.healthy(), false, false, 0, true);
    }

    public String id() {
        return task.taskId();
    }

    public boolean unreachable() {
        return state == TaskState.TASK_UNREACHABLE;
    }

    public boolean running() {
        return state == TaskState.TASK_RUNNING;
    }

    /** Launched and not yet running (staging or starting as far as we know). */
    public boolean staged() {
        return !recovered && state == null || state == TaskState.TASK_STAGING || state == TaskState.TASK_STARTING;
    }

    /** Counts towards the instance count: not unreachable and not on its way out. */
    public boolean active() {
        return !killRequested && !unreachable() && state != TaskState.TASK_KILLING;
    }

    /** Serving: healthy when the app has a health check, else running. */
    public boolean ready(boolean hasHealthCheck) {
        return running() && (!hasHealthCheck || Boolean.TRUE.equals(healthy));
    }

    public Instance withState(TaskState newState, Boolean newHealthy, long now) {
        long since = newState == TaskState.TASK_RUNNING ? (runningSince == 0 ? now : runningSince) : runningSince;
        boolean back = returned || (unreachable() && newState == TaskState.TASK_RUNNING);
        return new Instance(task, newState, newHealthy != null ? newHealthy : healthy, killRequested, back, since,
                false);
    }

    public Instance killing() {
        return new Instance(task, state, healthy, true, returned, runningSince, recovered);
    }

    public Instance withTask(StoredTask newTask) {
        return new Instance(newTask, state, healthy, killRequested, returned, runningSince, recovered);
    }

    /** A KILL that failed to go out: asked again on the next decision. */
    public Instance killNotSent() {
        return new Instance(task, state, healthy, false, returned, runningSince, recovered);
    }
}
