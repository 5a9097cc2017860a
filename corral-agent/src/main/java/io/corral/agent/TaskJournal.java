package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.agent.checks.Checker;
import io.corral.agent.containerizer.Limitation;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.task.SideEffect;
import io.corral.protocol.task.TaskTransitions;
import io.corral.protocol.task.Transition;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.TaskStatus.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two things the agent tells or does to a task that a restarted agent must finish: its status updates and its
 * kill request. Both are recorded first and acted on after: a new state is checkpointed with the task's queue of
 * unacknowledged updates before {@link StatusUpdates} sends it, and a kill request (with its grace period) before the
 * container is signalled. The record is the task's {@code task.updates} ({@link AgentStore#updatesRecord}),
 * written with the loop's other records of the same burst ({@link CheckpointBatch}).
 *
 * <p>Which states may be reported is the shared task table's decision ({@link TaskTransitions}): a state already
 * reported, or one that would undo an earlier one, is not.
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop, as the {@link StatusUpdates} it holds (whose retry
 * timers fire there); the signal of a kill runs there too, after the record's commit.
 */
final class TaskJournal {
    private static final Logger LOG = LoggerFactory.getLogger(TaskJournal.class);

    private final Workload workload;
    private final AgentStore store;
    private final CheckpointBatch checkpoints;
    private final Timers timers;
    /** This agent's id, as its statuses carry it (unset before the first registration). */
    private final Supplier<AgentID> agentId;
    private final StatusUpdates updates;

    /** @param sender sends an update to the master once its record is on disk (or keeps it for later) */
    TaskJournal(Workload workload, AgentStore store, CheckpointBatch checkpoints, Timers timers,
                Supplier<AgentID> agentId, BiConsumer<FrameworkID, TaskStatus> sender) {
        this.workload = workload;
        this.store = store;
        this.checkpoints = checkpoints;
        this.timers = timers;
        this.agentId = agentId;
        this.updates = new StatusUpdates(sender, timers, new StatusUpdates.Journal() {
            @Override
            public void changed(TaskID taskId) {
                checkpointUpdates(taskId);
            }

            @Override
            public void acknowledged(TaskID taskId) {
                TaskRun run = workload.task(taskId);
                if (run != null) {
                    checkpoints.writeUnforced(store.updatesKey(run), updatesRecord(run), failedUpdatesRecord(taskId));
                }
            }
        });
    }

    /** The tasks' queues of unacknowledged updates. */
    StatusUpdates updates() {
        return updates;
    }

    /**
     * Records a new state and queues its update (with a fresh uuid, so the framework acknowledges it), if the shared
     * table ({@link TaskTransitions}) lets the task go there from its current state: a state already reported, or
     * one that would undo an earlier one (a terminal state included), is not reported. The queue is checkpointed
     * before the update is sent ({@link #checkpointUpdates}).
     */
    void report(TaskRun run, TaskState state, String message, Reason reason) {
        Transition transition = TaskTransitions.decide(run.state(), state);
        if (!transition.isAccepted()) {
            LOG.warn("Task {}: not reporting {}: {}", run.task.getTaskId().getValue(), state,
                    ((Transition.Rejected) transition).reason());
            return;
        }
        if (!transition.has(SideEffect.FORWARD_TO_FRAMEWORK)) {
            return; // the same state again: already queued
        }
        TaskStatus.Builder status = newStatus(run.task.getTaskId(), run.executorId, state, message, reason);
        if (run.task.hasCheck() && (!run.task.hasExecutor()
                || run.task.getExecutor().getType() == ExecutorInfo.Type.DEFAULT)) {
            // Mesos's command executor: every update of a task with a check carries a check status, empty until
            // the check has a result (then TaskChecks sends it).
            status.setCheckStatus(Checker.empty(run.task.getCheck()));
        }
        if (state == TaskState.TASK_KILLED && run.killedByHealthCheck) {
            status.setHealthy(false); // as Mesos: the kill was the health check's
        }
        run.latestStatus = status.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    /**
     * A TASK_RUNNING update again, copied from the latest one with a fresh uuid and time, a reason and a change (a
     * health or check result): Mesos's command executor reports those so, with everything else preserved.
     */
    void reportAgain(TaskRun run, Reason reason, Consumer<TaskStatus.Builder> change) {
        if (run.latestStatus == null || run.isTerminal()) {
            return;
        }
        TaskStatus.Builder status = run.latestStatus.toBuilder()
                .setUuid(randomUuid())
                .setTimestamp(timers.nowMillis() / 1000.0)
                .setReason(reason);
        change.accept(status);
        run.latestStatus = status.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    /**
     * A custom executor's own update of its task (already checked against the task table by the caller): forwarded
     * as the executor wrote it, with this agent's id and the executor's, keeping the executor's uuid.
     */
    void reportFromExecutor(TaskRun run, ExecutorID executorId, TaskStatus status) {
        TaskStatus.Builder update = status.toBuilder()
                .setAgentId(agentId.get())
                .setExecutorId(executorId)
                .setSource(TaskStatus.Source.SOURCE_EXECUTOR);
        if (!update.hasTimestamp()) {
            update.setTimestamp(timers.nowMillis() / 1000.0);
        }
        run.latestStatus = update.build();
        updates.enqueue(run.frameworkId, run.latestStatus);
    }

    /**
     * TASK_LOST for a task whose checkpoint could not be read back: it has no {@link TaskRun}, so nothing of it is
     * journaled; its broken record stays until the update is acknowledged.
     */
    void reportUnreadable(AgentStore.Unreadable task) {
        // The executor's id is the name of the directory above runs/ (the task's own id for a command task).
        ExecutorID executorId = ExecutorID.newBuilder()
                .setValue(task.runDir().getParent().getParent().getFileName().toString()).build();
        updates.enqueue(task.frameworkId(), newStatus(task.taskId(), executorId,
                TaskState.TASK_LOST, "The agent restarted and could not read this task's checkpoint ("
                        + task.reason() + "); the task was killed if it still ran",
                Reason.REASON_AGENT_RESTARTED).build());
    }

    /**
     * Checkpoints the kill request, so a restarted agent finishes it and reports TASK_KILLED, then signals (once the
     * container exists: a container still starting is signalled when its start ends, {@link TaskLauncher}).
     */
    void requestKill(TaskRun run, Duration grace) {
        if (run.killGracePeriod == null) {
            run.killGracePeriod = grace;
            checkpointUpdates(run.task.getTaskId());
        }
        checkpoints.afterCommit(() -> {
            if (run.container != null) {
                run.container.kill(grace);
            }
        });
    }

    /**
     * Writes a task's latest status, unacknowledged updates and kill request to the checkpoint. Called by
     * {@link StatusUpdates} before it sends anything, and for a kill request. A failed write is logged and the agent
     * carries on: the task is not harmed, but that change would not survive an agent restart.
     *
     * <p>Every record survives the agent's crash (the page cache does), but only a task's end is forced to disk to
     * survive a power cut: after a reboot the task's processes are gone whatever was recorded, so a record that it
     * starts, runs or is to be killed tells a restarted agent nothing it needs (it reports the task ended with its
     * launcher), while how the task ended (its state, its exit code) is known nowhere else. Two fsyncs instead of
     * four per short task's updates ({@code task.info}, written at launch, stays forced).
     */
    void checkpointUpdates(TaskID taskId) {
        TaskRun run = workload.task(taskId);
        if (run == null) {
            return; // an unreadable task's TASK_LOST: its broken record stays until the update is acknowledged
        }
        // Written with this burst's other records; sends and kills wait for it (checkpoints.afterCommit).
        if (run.isTerminal()) {
            checkpoints.write(store.updatesKey(run), updatesRecord(run), failedUpdatesRecord(taskId));
        } else {
            checkpoints.writeUnforced(store.updatesKey(run), updatesRecord(run), failedUpdatesRecord(taskId));
        }
    }

    private Supplier<byte[]> updatesRecord(TaskRun run) {
        return () -> store.updatesRecord(run, updates.pending(run.task.getTaskId()));
    }

    private static Consumer<java.io.IOException> failedUpdatesRecord(TaskID taskId) {
        return e -> LOG.error("Task {}: cannot checkpoint its status updates ({}); they would not survive a restart",
                taskId.getValue(), e.getMessage());
    }

    private TaskStatus.Builder newStatus(TaskID taskId, ExecutorID executorId, TaskState state, String message,
                                         Reason reason) {
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(taskId)
                .setState(state)
                .setSource(Limitation.isLimitation(reason) ? TaskStatus.Source.SOURCE_AGENT // the agent ended it
                        : TaskStatus.Source.SOURCE_EXECUTOR)
                .setAgentId(agentId.get())
                .setExecutorId(executorId)
                .setTimestamp(timers.nowMillis() / 1000.0)
                .setUuid(randomUuid());
        if (message != null) {
            status.setMessage(message);
        }
        if (reason != null) {
            status.setReason(reason);
        }
        return status;
    }

    private static ByteString randomUuid() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16);
        bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return ByteString.copyFrom(bytes.array());
    }
}
