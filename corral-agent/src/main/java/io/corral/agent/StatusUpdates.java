package io.corral.agent;

import com.google.protobuf.ByteString;
import io.corral.protocol.concurrent.Timers;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * Reliable, ordered delivery of a task's status updates to its framework, as Mesos's status update manager does
 * ({@code docs/mesos-compatibility.md}, "Status update delivery"): per task, only the head of the queue is in
 * flight; it is resent after 10 s, then 20 s, 40 s... up to 10 min, until the framework's acknowledgement of its uuid
 * comes back; then the next one goes.
 *
 * <p>Every change to a task's queue is handed to the {@link Journal} (the agent's checkpoint, {@link AgentStore}): a
 * new update before anything of it is sent, so an update the framework may have seen is never lost to an agent crash
 * (a restarted agent {@link #restore}s the queues and resends their heads once registered); an acknowledgement after
 * the fact, since losing one only means an update sent again.
 *
 * <p>Threading: owned by the agent's event loop; timers fire on it.
 */
final class StatusUpdates {
    static final Duration FIRST_RETRY = Duration.ofSeconds(10);
    static final Duration MAX_RETRY = Duration.ofMinutes(10);

    /** Where updates go: (framework, status), sent when a master connection exists, else kept for later. */
    private final BiConsumer<FrameworkID, TaskStatus> sender;
    private final Timers timers;
    private final Journal journal;
    private final Map<TaskID, Stream> streams = new HashMap<>();
    /** Told of every update queued (the HTTP views count terminal ones); see {@link AgentObserver}. */
    private BiConsumer<FrameworkID, TaskStatus> observer = (frameworkId, status) -> { };

    /** Records a task's queue; it reads the queue with {@link #pending}. */
    interface Journal {
        /** An update was queued (or the queue dropped): record the queue before anything of it is sent. */
        void changed(TaskID taskId);

        /**
         * The head was acknowledged: record the shorter queue so a restarted agent does not send it again. Never
         * forced to disk: an acknowledgement lost to a power cut only means the update goes again, which a framework
         * must accept anyway (delivery is at least once).
         */
        void acknowledged(TaskID taskId);
    }

    private final class Stream {
        final FrameworkID frameworkId;
        final Deque<TaskStatus> pending = new ArrayDeque<>();
        Duration backoff = FIRST_RETRY;
        Timers.Cancellable retry;

        Stream(FrameworkID frameworkId) {
            this.frameworkId = frameworkId;
        }

        void sendHead() {
            cancelRetry();
            if (pending.isEmpty()) {
                return;
            }
            sender.accept(frameworkId, pending.peekFirst());
            Duration wait = backoff;
            backoff = backoff.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff.multipliedBy(2);
            retry = timers.schedule(wait, this::sendHead);
        }

        void cancelRetry() {
            if (retry != null) {
                retry.cancel();
                retry = null;
            }
        }
    }

    StatusUpdates(BiConsumer<FrameworkID, TaskStatus> sender, Timers timers, Journal journal) {
        this.sender = sender;
        this.timers = timers;
        this.journal = journal;
    }

    /**
     * Queues an update, journals the queue, and sends the update at once when nothing else of that task is waiting
     * for an acknowledgement.
     */
    void enqueue(FrameworkID frameworkId, TaskStatus status) {
        Stream stream = streams.computeIfAbsent(status.getTaskId(), id -> new Stream(frameworkId));
        stream.pending.addLast(status);
        observer.accept(frameworkId, status);
        journal.changed(status.getTaskId());
        if (stream.pending.size() == 1) {
            stream.backoff = FIRST_RETRY;
            stream.sendHead();
        }
    }

    void observe(BiConsumer<FrameworkID, TaskStatus> observer) {
        this.observer = observer;
    }

    /** The framework acknowledged {@code uuid}: the head is done, the next goes. False if it was not the head. */
    boolean acknowledge(TaskID taskId, ByteString uuid) {
        Stream stream = streams.get(taskId);
        if (stream == null || stream.pending.isEmpty() || !stream.pending.peekFirst().getUuid().equals(uuid)) {
            return false;
        }
        stream.pending.removeFirst();
        stream.backoff = FIRST_RETRY;
        stream.cancelRetry();
        if (stream.pending.isEmpty()) {
            streams.remove(taskId);
        }
        journal.acknowledged(taskId);
        if (!stream.pending.isEmpty()) {
            stream.sendHead();
        }
        return true;
    }

    /**
     * Puts back the queue a task had when the agent stopped, as read from the checkpoint: nothing is sent until the
     * agent registers ({@link #resendAll}) and nothing is journaled (it is the journal's content).
     */
    void restore(FrameworkID frameworkId, TaskID taskId, List<TaskStatus> pending) {
        if (!pending.isEmpty()) {
            streams.computeIfAbsent(taskId, id -> new Stream(frameworkId)).pending.addAll(pending);
        }
    }

    /** The task's unacknowledged updates, oldest first. */
    List<TaskStatus> pending(TaskID taskId) {
        Stream stream = streams.get(taskId);
        return stream == null ? List.of() : List.copyOf(stream.pending);
    }

    /** True while some update of the task waits for its acknowledgement. */
    boolean hasPending(TaskID taskId) {
        return streams.containsKey(taskId);
    }

    /** After (re-)registering with a master, resend every head at once instead of waiting for its timer. */
    void resendAll() {
        for (Stream stream : streams.values()) {
            stream.backoff = FIRST_RETRY;
            stream.sendHead();
        }
    }

    /** Drops every pending update of a framework that was shut down. */
    void dropFramework(FrameworkID frameworkId) {
        List<TaskID> dropped = streams.entrySet().stream()
                .filter(entry -> entry.getValue().frameworkId.equals(frameworkId)).map(Map.Entry::getKey).toList();
        for (TaskID taskId : dropped) {
            streams.remove(taskId).cancelRetry();
            journal.changed(taskId);
        }
    }
}
