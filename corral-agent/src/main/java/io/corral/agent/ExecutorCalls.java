package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.task.TaskTransitions;
import io.corral.protocol.task.Transition;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.executor.Protos.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of the conversation with a running custom executor, over Mesos's v1 executor API: its calls
 * ({@code POST /api/v1/executor}: SUBSCRIBE, UPDATE, MESSAGE, HEARTBEAT, checked first by {@link ExecutorApi}) and
 * the events it gets on its subscription ({@link ExecutorSubscription}): SUBSCRIBED, the tasks that waited for it
 * (LAUNCH, LAUNCH_GROUP), KILL, ACKNOWLEDGED and the framework's MESSAGE. Starting the executor is the
 * {@link ExecutorLauncher}'s, its end the {@link ExecutorTermination}'s.
 *
 * <p><b>Threading contract.</b> Owned by the agent's event loop: the HTTP threads post each call there, and a
 * subscription's close is posted there too. The subscriptions are kept in each {@link ExecutorRun}.
 */
final class ExecutorCalls {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorCalls.class);

    private final Workload workload;
    private final TaskJournal journal;
    private final Consumer<Runnable> loop;
    private final Supplier<AgentInfo> info;
    /** Sends to the master if this agent is registered with one; dropped otherwise. */
    private final Consumer<AgentCall> toMaster;

    ExecutorCalls(Workload workload, TaskJournal journal, Consumer<Runnable> loop, Supplier<AgentInfo> info,
                  Consumer<AgentCall> toMaster) {
        this.workload = workload;
        this.journal = journal;
        this.loop = loop;
        this.info = info;
        this.toMaster = toMaster;
    }

    /**
     * A call to {@code /api/v1/executor}, already validated by {@link ExecutorApi} as far as it can be without the
     * agent's state. Answers the exchange, or throws {@link HttpError} for the caller to answer.
     */
    void call(Call call, Encoding responseEncoding, HttpExchange exchange) {
        ExecutorRun executor = workload.executor(new Workload.ExecutorKey(call.getFrameworkId(), call.getExecutorId()));
        if (executor == null || executor.isDefault()) {
            throw new HttpError(400, "Executor '" + call.getExecutorId().getValue() + "' of framework '"
                    + call.getFrameworkId().getValue() + "' is not running on this agent");
        }
        if (call.getType() == Call.Type.SUBSCRIBE) {
            subscribe(executor, call.getSubscribe(), responseEncoding, exchange);
            return;
        }
        if (!executor.isSubscribed()) {
            throw new HttpError(403, "Executor is not subscribed");
        }
        switch (call.getType()) {
            case UPDATE -> update(executor, call.getUpdate().getStatus());
            case MESSAGE -> {
                // As in Mesos, messages are not reliable: without a master this one is dropped.
                toMaster.accept(AgentCall.message(info.get().getId(), executor.frameworkId,
                        executor.info.getExecutorId(),
                        Base64.getEncoder().encodeToString(call.getMessage().getData().toByteArray())));
            }
            default -> { } // HEARTBEAT
        }
        exchange.respond(202, null, new byte[0]);
    }

    /**
     * SUBSCRIBE: the event stream opens with SUBSCRIBED, then every task the executor has not been handed yet. A
     * second subscription replaces the first (a reconnecting executor). The tasks the executor lists as
     * {@code unacknowledged_tasks} (after an agent restart: those it got but has not reported) are not sent again.
     */
    private void subscribe(ExecutorRun executor, Call.Subscribe subscribe, Encoding encoding, HttpExchange exchange) {
        FrameworkInfo framework = workload.framework(executor.frameworkId);
        if (executor.terminationMessage != null || framework == null) {
            throw new HttpError(403, "Executor is terminating");
        }
        if (executor.subscription != null) {
            executor.subscription.close();
        }
        ExecutorSubscription subscription = new ExecutorSubscription(
                exchange.startStream(200, encoding.mediaType(), Map.of()), encoding);
        executor.subscription = subscription;
        if (executor.registrationTimer != null) {
            executor.registrationTimer.cancel();
            executor.registrationTimer = null;
        }
        subscription.stream().onClose(() -> loop.accept(() -> {
            if (executor.subscription == subscription) {
                executor.subscription = null;
                LOG.info("{} disconnected", executor.describe());
            }
        }));
        subscription.subscribed(executor.info, framework, info.get(), executor.containerId);
        Set<TaskID> known = new HashSet<>();
        subscribe.getUnacknowledgedTasksList().forEach(task -> known.add(task.getTaskId()));
        subscribe.getUnacknowledgedUpdatesList().forEach(update -> known.add(update.getStatus().getTaskId()));
        executor.pendingLaunches.removeIf(pending -> pending.tasks().stream().anyMatch(known::contains));
        LOG.info("{} subscribed", executor.describe());
        flushLaunches(executor);
        executor.pendingKills.forEach((taskId, grace) -> {
            TaskRun run = workload.task(taskId);
            if (run != null && !run.isTerminal()) {
                subscription.kill(taskId, grace);
            }
        });
        executor.pendingKills.clear();
    }

    /** Hands the executor every task (LAUNCH) and task group (LAUNCH_GROUP) that waited for its subscription. */
    void flushLaunches(ExecutorRun executor) {
        for (ExecutorRun.PendingLaunch pending : executor.pendingLaunches) {
            List<TaskInfo> infos = pending.tasks().stream().map(workload::task)
                    .filter(run -> run != null && !run.isTerminal()).map(run -> run.task).toList();
            if (infos.isEmpty()) {
                continue;
            }
            if (pending.group()) {
                executor.subscription.launchGroup(infos);
            } else {
                infos.forEach(executor.subscription::launch);
            }
        }
        executor.pendingLaunches.clear();
    }

    /**
     * An executor's status update: forwarded reliably with the executor's own uuid, so the framework's
     * acknowledgement can be handed back to it. A repeat of a pending uuid (an executor resending) is not queued
     * twice; a state the task may not go to (after a terminal one) is refused.
     */
    private void update(ExecutorRun executor, TaskStatus status) {
        TaskID taskId = status.getTaskId();
        TaskRun run = workload.task(taskId);
        if (run == null || !executor.tasks.contains(taskId)) {
            throw new HttpError(400, "Task '" + taskId.getValue() + "' is not a task of this executor");
        }
        if (executor.orphaned || run.orphaned) {
            return; // its framework is gone: nobody would acknowledge it
        }
        if (journal.updates().pending(taskId).stream()
                .anyMatch(pending -> pending.getUuid().equals(status.getUuid()))) {
            return;
        }
        Transition transition = TaskTransitions.decide(run.state(), status.getState());
        if (!transition.isAccepted()) {
            throw new HttpError(400, ((Transition.Rejected) transition).reason());
        }
        executor.pendingLaunches.removeIf(pending -> pending.tasks().contains(taskId));
        journal.reportFromExecutor(run, executor.info.getExecutorId(), status);
    }

    /**
     * A kill of a custom executor's task: a task the executor has not been handed yet is killed here (Mesos does the
     * same); otherwise the executor gets KILL (with the framework's grace period as its kill policy) and reports.
     */
    void kill(TaskRun run, long gracePeriodNanos) {
        ExecutorRun executor = workload.executorOf(run);
        if (executor == null) {
            LOG.info("Kill of task {} ignored: its executor is gone", run.task.getTaskId().getValue());
            return;
        }
        TaskID taskId = run.task.getTaskId();
        if (killQueued(executor, taskId)) {
            return;
        }
        if (!executor.isSubscribed()) {
            // It will subscribe (again) or be destroyed by its registration timeout: the kill waits for it.
            LOG.info("Kill of task {} waits for {} to subscribe", taskId.getValue(), executor.describe());
            executor.pendingKills.put(taskId, gracePeriodNanos);
            return;
        }
        executor.subscription.kill(taskId, gracePeriodNanos);
    }

    /** Kills a task still queued for the executor; a group is killed whole. False when the task is not queued. */
    private boolean killQueued(ExecutorRun executor, TaskID taskId) {
        for (ExecutorRun.PendingLaunch pending : List.copyOf(executor.pendingLaunches)) {
            if (pending.tasks().contains(taskId)) {
                // As Mesos kills a queued task group when one of its tasks is killed.
                executor.pendingLaunches.remove(pending);
                for (TaskID queued : pending.tasks()) {
                    TaskRun queuedRun = workload.task(queued);
                    if (queuedRun != null) {
                        journal.report(queuedRun, TaskState.TASK_KILLED,
                                "Killed before it was handed to its executor", null);
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** The framework acknowledged an update of a custom executor's task: the executor hears it with the uuid. */
    void acknowledged(TaskRun run, ByteString uuid) {
        ExecutorRun executor = workload.executorOf(run);
        if (executor != null && executor.isSubscribed()) {
            executor.subscription.acknowledged(run.task.getTaskId(), uuid);
        }
    }

    /** The framework's MESSAGE for one of its executors; dropped (as by Mesos) when it is not subscribed. */
    void message(AgentEvent.Message message) {
        ExecutorRun executor = workload.executor(new Workload.ExecutorKey(message.frameworkId(),
                message.executorId()));
        if (executor == null || !executor.isSubscribed()) {
            LOG.warn("Dropping a message for executor {} of framework {}: not subscribed here",
                    message.executorId().getValue(), message.frameworkId().getValue());
            return;
        }
        ByteString data;
        try {
            data = ByteString.copyFrom(Base64.getDecoder().decode(message.data()));
        } catch (IllegalArgumentException e) {
            LOG.warn("Dropping a message for executor {}: its data is not base64", message.executorId().getValue());
            return;
        }
        executor.subscription.message(data);
    }
}
