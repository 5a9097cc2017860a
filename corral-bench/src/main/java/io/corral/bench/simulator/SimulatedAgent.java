package io.corral.bench.simulator;

import com.google.protobuf.ByteString;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.StreamingPost;
import io.corral.protocol.recordio.RecordIODecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * One simulated agent: it speaks the agent protocol ({@code docs/agent-protocol.md}) as {@code io.corral.agent}'s
 * {@code MasterLink} and {@code Agent} do, without running anything. It registers (re-registering with its id and
 * its tasks after the first time), reads its event stream, answers PING with PONG, and answers LAUNCH with
 * TASK_STARTING then TASK_RUNNING (then TASK_FINISHED for a task labelled {@link #FINISH_LABEL}), KILL with
 * TASK_KILLED. Its status updates follow the agent's reliability rules: per task only the oldest unacknowledged
 * update is in flight, resent after 10 s, 20 s ... up to 10 min until the master hands back its acknowledgement, and
 * every pending head is resent at once after (re-)registering. A stream that ends, or stays silent 45 s, is reopened
 * after a random backoff in [0, 1 s * 2^n] (at most 1 min), cut short when ZooKeeper names another leader; as in
 * {@code MasterLink}, the count n starts over with each new leader (failures against the dead one do not count), and
 * a master that answers 503 (recovering) is asked again within a second without n growing.
 *
 * <p>It holds no thread: the fleet's I/O threads deliver its stream, the fleet's timer calls {@link #tick}.
 *
 * <p>Threading: every method may be called from any thread; the agent's state is guarded by {@code this}. HTTP
 * calls are only started under the lock (they are asynchronous), never waited for.
 */
final class SimulatedAgent {
    /** A task with this label key (any value) ends TASK_FINISHED once its TASK_RUNNING is acknowledged. */
    static final String FINISH_LABEL = "corral.simulator/finish";
    private static final long FIRST_RETRY_NANOS = Duration.ofSeconds(10).toNanos();
    private static final long MAX_RETRY_NANOS = Duration.ofMinutes(10).toNanos();
    static final Duration SILENCE_LIMIT = Duration.ofSeconds(45);
    private static final long SILENCE_LIMIT_NANOS = SILENCE_LIMIT.toNanos();
    /** Most of a refusal's body kept for the report. */
    private static final int MAX_REFUSAL_CHARS = 4096;
    private static final long BACKOFF_FACTOR_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long MAX_BACKOFF_NANOS = Duration.ofMinutes(1).toNanos();
    private static final long NOT_READY_RETRY_NANOS = Duration.ofSeconds(1).toNanos();

    /** A task the agent "runs": its updates not yet acknowledged, oldest first. */
    private static final class SimTask {
        final FrameworkID frameworkId;
        final TaskInfo task;
        final boolean finishes;
        final Deque<TaskStatus> pending = new ArrayDeque<>(3);
        TaskStatus latest;
        long sentAtNanos;
        long retryNanos = FIRST_RETRY_NANOS;

        SimTask(FrameworkID frameworkId, TaskInfo task) {
            this.frameworkId = frameworkId;
            this.task = task;
            this.finishes = task.getLabels().getLabelsList().stream().map(Label::getKey).anyMatch(FINISH_LABEL::equals);
        }

        boolean isTerminal() {
            return switch (latest.getState()) {
                case TASK_STAGING, TASK_STARTING, TASK_RUNNING, TASK_KILLING -> false;
                default -> true;
            };
        }
    }

    private final AgentFleet fleet;
    private final int index;
    private final Random random;
    private final AgentInfo.Builder info;
    private final Map<String, SimTask> tasks = new LinkedHashMap<>();
    /**
     * The tasks with updates not yet acknowledged, oldest first: the resends scan these, not every task (the timer
     * thread scanning a million tasks once a second took 6-10% of the simulator's CPU in a million-task launch).
     */
    private final Set<SimTask> unacknowledged = new LinkedHashSet<>();
    private final Map<String, FrameworkInfo> frameworks = new HashMap<>();
    private Stream current;
    /** Updates to send, together in one call (UPDATES), at the end of the batch of events or retries at hand. */
    private final List<AgentCall.Update> outgoing = new ArrayList<>();
    private int failures;
    /** The master the last registration went to: another one starts the backoff over. */
    private String lastTried;
    private long reconnectAtNanos;
    private boolean announced;
    /** The fleet's re-registration round this agent last registered in (see {@link AgentFleet#startRound}). */
    private int round;

    /** @param firstConnectNanos when to register first (System.nanoTime): agents of a cluster start one by one */
    SimulatedAgent(AgentFleet fleet, int index, AgentInfo info, long seed, long firstConnectNanos) {
        this.fleet = fleet;
        this.index = index;
        this.info = info.toBuilder();
        this.random = new Random(seed);
        this.reconnectAtNanos = firstConnectNanos;
    }

    int index() {
        return index;
    }

    synchronized String id() {
        return info.hasId() ? info.getId().getValue() : null;
    }

    synchronized boolean isRegistered() {
        return current != null && current.registered;
    }

    synchronized int liveTasks() {
        int live = 0;
        for (SimTask task : tasks.values()) {
            live += task.isTerminal() ? 0 : 1;
        }
        return live;
    }

    /**
     * The fleet's timer, a few times a second: reconnect when due, watch silence, and when {@code retries} (about once
     * a second) resend unacknowledged updates.
     */
    synchronized void tick(long now, boolean retries) {
        if (current == null) {
            if (now - reconnectAtNanos >= 0) {
                fleet.leader().ifPresent(this::connect);
            }
            return;
        }
        if (now - current.lastHeardNanos > SILENCE_LIMIT_NANOS) {
            fleet.stats.silences.increment();
            endStream(current, true);
            return;
        }
        if (!current.registered || !retries) {
            return;
        }
        for (SimTask task : unacknowledged) {
            TaskStatus head = task.pending.peek();
            if (now - task.sentAtNanos > task.retryNanos) {
                task.retryNanos = Math.min(MAX_RETRY_NANOS, task.retryNanos * 2);
                fleet.stats.resent.increment();
                send(task, head, now);
            }
        }
        flushUpdates();
    }

    /** ZooKeeper names {@code leader}: drop a stream to another master and connect now (the backoff cut short). */
    synchronized void leaderChanged(String leader) {
        if (current != null && !current.address.equals(leader)) {
            endStream(current, true);
        }
        if (current == null && announced) {
            connect(leader);
        }
    }

    private void connect(String address) {
        if (!address.equals(lastTried)) {
            failures = 0;
            lastTried = address;
        }
        Stream stream = new Stream(address);
        current = stream;
        List<AgentCall.RunningTask> running = new ArrayList<>(tasks.size());
        for (SimTask task : tasks.values()) {
            running.add(new AgentCall.RunningTask(task.frameworkId, task.task, task.latest));
        }
        AgentCall register = AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info.build(), running,
                List.copyOf(frameworks.values())));
        fleet.openStream(address, register, stream);
    }

    private synchronized void streamFailed(Stream stream, Throwable failure) {
        if (failure != null && !stream.cancelled) {
            fleet.stats.streamFailures.increment();
        }
        endStream(stream, false);
    }

    /** Forgets {@code stream} (cancelling it if asked) and schedules the next registration with backoff. */
    private void endStream(Stream stream, boolean cancel) {
        if (current != stream) {
            return;
        }
        current = null;
        if (cancel) {
            stream.cancel();
        }
        long cap;
        if (stream.status == 503) { // the master is recovering: ask again within a second, as MasterLink does
            cap = NOT_READY_RETRY_NANOS;
        } else {
            failures = stream.registered ? 0 : failures + 1;
            cap = Math.min(MAX_BACKOFF_NANOS, BACKOFF_FACTOR_NANOS << Math.min(failures, 10));
        }
        reconnectAtNanos = System.nanoTime() + (long) (random.nextDouble() * cap);
        if (stream.registered) {
            fleet.stats.disconnections.increment();
        }
    }

    private synchronized void handle(Stream stream, AgentEvent event) {
        if (current != stream) {
            return;
        }
        switch (event.type()) {
            case REGISTERED -> registered(stream, event.registered());
            case LAUNCH -> launch(event.launch().frameworkInfo(), event.launch().task());
            case KILL -> kill(event.kill());
            case ACKNOWLEDGE -> acknowledge(event.acknowledge());
            case SHUTDOWN_FRAMEWORK -> shutdownFramework(event.shutdownFramework().frameworkId());
            case PING -> {
                fleet.stats.pongs.increment();
                fleet.call(stream.address, stream.streamId, AgentCall.pong(info.getId()));
            }
            case ERROR -> fleet.stats.errors.increment();
            default -> { } // no executors, volumes or groups in the simulation
        }
    }

    private void registered(Stream stream, AgentEvent.Registered registered) {
        if (!info.hasId()) {
            info.setId(registered.agentId());
        }
        stream.registered = true;
        failures = 0;
        if (!announced) {
            announced = true;
            fleet.announce(this, registered.agentId().getValue());
        }
        round = fleet.registered(round);
        long now = System.nanoTime();
        for (SimTask task : unacknowledged) {
            send(task, task.pending.peek(), now);
        }
    }

    private void launch(FrameworkInfo framework, TaskInfo task) {
        fleet.stats.launches.increment();
        fleet.stats.launchedAtNanos.putIfAbsent(task.getTaskId().getValue(), System.nanoTime());
        frameworks.put(framework.getId().getValue(), framework);
        String key = key(framework.getId(), task.getTaskId().getValue());
        if (tasks.containsKey(key)) {
            fleet.stats.duplicateLaunches.increment(); // the master must never launch a task twice
            return;
        }
        SimTask run = new SimTask(framework.getId(), task);
        tasks.put(key, run);
        enqueue(run, TaskState.TASK_STARTING);
        enqueue(run, TaskState.TASK_RUNNING);
    }

    private void kill(AgentEvent.Kill kill) {
        SimTask task = tasks.get(key(kill.frameworkId(), kill.taskId().getValue()));
        if (task != null && !task.isTerminal()) {
            enqueue(task, TaskState.TASK_KILLED);
        }
    }

    private void acknowledge(AgentEvent.Acknowledge ack) {
        String key = key(ack.frameworkId(), ack.taskId().getValue());
        SimTask task = tasks.get(key);
        if (task == null) {
            return;
        }
        TaskStatus head = task.pending.peek();
        if (head == null || !Base64.getEncoder().encodeToString(head.getUuid().toByteArray()).equals(ack.uuid())) {
            return; // an acknowledgement of an update already dropped: as the agent, ignore it
        }
        fleet.stats.acknowledged.increment();
        task.pending.poll();
        if (task.pending.isEmpty()) {
            unacknowledged.remove(task);
        }
        task.retryNanos = FIRST_RETRY_NANOS;
        if (head.getState() == TaskState.TASK_RUNNING && task.finishes) {
            enqueue(task, TaskState.TASK_FINISHED);
            return;
        }
        TaskStatus next = task.pending.peek();
        if (next != null) {
            send(task, next, System.nanoTime());
        } else if (task.isTerminal()) {
            tasks.remove(key);
        }
    }

    private void shutdownFramework(FrameworkID framework) {
        Iterator<SimTask> each = tasks.values().iterator();
        while (each.hasNext()) {
            SimTask task = each.next();
            if (task.frameworkId.equals(framework)) {
                each.remove();
                unacknowledged.remove(task);
            }
        }
        frameworks.remove(framework.getValue());
    }

    private void enqueue(SimTask task, TaskState state) {
        TaskStatus status = TaskStatus.newBuilder()
                .setTaskId(task.task.getTaskId())
                .setState(state)
                .setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                .setAgentId(info.getId())
                .setExecutorId(ExecutorID.newBuilder().setValue(task.task.getTaskId().getValue()))
                .setTimestamp(System.currentTimeMillis() / 1000.0)
                .setUuid(uuid())
                .build();
        task.latest = status;
        task.pending.add(status);
        unacknowledged.add(task);
        if (task.pending.size() == 1 && current != null && current.registered) {
            send(task, status, System.nanoTime());
        }
    }

    private void send(SimTask task, TaskStatus status, long now) {
        task.sentAtNanos = now;
        fleet.stats.updates.increment();
        outgoing.add(new AgentCall.Update(task.frameworkId, status));
    }

    /** Sends the updates gathered since the last time, as the agent does: one call for all of them. */
    private synchronized void flushUpdates() {
        if (outgoing.isEmpty()) {
            return;
        }
        if (current != null && current.registered) {
            for (AgentCall call : AgentCall.updateCalls(info.getId(), outgoing, true)) {
                fleet.call(current.address, current.streamId, call);
            }
        }
        outgoing.clear(); // without a stream: resent after the next registration, as every pending head is
    }

    private ByteString uuid() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    private static String key(FrameworkID framework, String taskId) {
        return framework.getValue() + '\n' + taskId;
    }

    /**
     * One registration's event stream: the answer to REGISTER, RecordIO records of {@link AgentEvent}s, read and
     * decoded on one of the fleet's I/O threads as the real agent reads its own.
     */
    final class Stream implements StreamingPost.Receiver {
        final String address;
        private final RecordIODecoder decoder = new RecordIODecoder();
        private volatile StreamingPost post;
        private volatile boolean cancelled;
        volatile String streamId;
        volatile int status;
        volatile long lastHeardNanos = System.nanoTime();
        /** Guarded by the agent. */
        boolean registered;
        /** A refusal's body; touched on the I/O thread only. */
        private final StringBuilder refusal = new StringBuilder();

        Stream(String address) {
            this.address = address;
        }

        /** The exchange carrying this stream has begun. */
        void opened(StreamingPost exchange) {
            post = exchange;
            if (cancelled) {
                exchange.close();
            }
        }

        void cancel() {
            cancelled = true;
            StreamingPost exchange = post;
            if (exchange != null) {
                exchange.close();
            }
        }

        @Override
        public void onHead(int statusCode, HttpHeaders headers) {
            lastHeardNanos = System.nanoTime();
            status = statusCode;
            streamId = headers.get(AgentProtocol.STREAM_ID_HEADER);
        }

        @Override
        public void onContent(ByteBuf content) {
            lastHeardNanos = System.nanoTime();
            if (status != 200) {
                if (refusal.length() < MAX_REFUSAL_CHARS) {
                    refusal.append(content.toString(StandardCharsets.UTF_8));
                }
                return;
            }
            for (byte[] record : decoder.feed(ByteBufUtil.getBytes(content))) {
                handle(this, AgentProtocol.decodeEvent(record, AgentFleet.ENCODING));
            }
        }

        /** The events of one read are handled: their updates go in one call, as before the next read. */
        @Override
        public void onReadComplete() {
            flushUpdates();
        }

        @Override
        public void onEnd(Throwable failure) {
            if (failure == null && status != 200) {
                fleet.refused(status, refusal.toString());
            }
            streamFailed(this, failure);
        }
    }
}
