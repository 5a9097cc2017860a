package io.corral.compat.rxjava;

import com.mesosphere.mesos.rx.java.AwaitableSubscription;
import com.mesosphere.mesos.rx.java.SinkOperation;
import com.mesosphere.mesos.rx.java.SinkOperations;
import com.mesosphere.mesos.rx.java.protobuf.ProtobufMesosClientBuilder;
import com.mesosphere.mesos.rx.java.protobuf.SchedulerCalls;
import com.mesosphere.mesos.rx.java.util.UserAgentEntries;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import rx.subjects.PublishSubject;
import rx.subjects.Subject;

/**
 * A small framework written the way mesos-rxjava's own example (Sleepy) is: a protobuf {@code MesosClient} whose
 * stream processor turns each event into calls (ACCEPT/DECLINE for offers, ACKNOWLEDGE for updates with a uuid).
 * Calls the test makes on its own (KILL, TEARDOWN) go through an Rx subject merged into the same sink.
 *
 * <p>It records what it saw so the test can wait for it: the SUBSCRIBED framework id, each task's states, acknowledged
 * updates, and every failure (a call Corral answered with anything but 202, an ERROR event, the stream breaking).
 *
 * <p>Threading: the client delivers events and call results on RxJava's computation threads; every recorded field is
 * a thread-safe collection or atomic, read by the test thread. {@link #open} and {@link #close} belong to the test
 * thread; {@link #launchOnNextOffer}, {@link #kill} and {@link #teardown} may be called from any thread.
 */
final class RxJavaFramework implements AutoCloseable {
    private static final double TASK_CPUS = 0.1;
    private static final double TASK_MEM = 32;
    /** Short, so offers declined while nothing is queued come back quickly. */
    private static final double DECLINE_REFUSE_SECONDS = 1;

    private final URI schedulerUri;
    private final Call subscribeCall;
    private final Subject<SinkOperation<Call>, SinkOperation<Call>> outbox =
            PublishSubject.<SinkOperation<Call>>create().toSerialized();
    private final Queue<TaskRequest> toLaunch = new ConcurrentLinkedQueue<>();

    private final AtomicReference<FrameworkID> frameworkId = new AtomicReference<>();
    private final Map<String, List<TaskState>> statesByTask = new ConcurrentHashMap<>();
    private final Map<String, AgentID> agentByTask = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> updatesWithUuid = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> acknowledged = new ConcurrentHashMap<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private AwaitableSubscription subscription;
    private volatile Function<Offer, List<Offer.Operation>> plan;

    /** A command task to launch on the next offer that fits it. */
    record TaskRequest(String taskId, String command) {
    }

    RxJavaFramework(URI schedulerUri, Call subscribeCall) {
        this.schedulerUri = schedulerUri;
        this.subscribeCall = subscribeCall;
    }

    /** Sends SUBSCRIBE; mesos-rxjava first probes {@code GET /redirect} at the URI's host to find the leader. */
    void open() {
        subscription = ProtobufMesosClientBuilder.schedulerUsingProtos()
                .mesosUri(schedulerUri)
                .applicationUserAgentEntry(UserAgentEntries.literal("corral-compat-tests", "0"))
                .subscribe(subscribeCall)
                .processStream(events -> events
                        .doOnError(e -> failures.add("event stream failed: " + e + hint(e)))
                        .flatMapIterable(this::react)
                        .mergeWith(outbox)
                        .map(Optional::of))
                .build()
                .openStream();
    }

    /**
     * mesos-rxjava throws a bare "Unhandled error" when SUBSCRIBE gets a status that is neither 200 nor 4xx/5xx
     * (it logs the status at WARN as "Unhandled error: context = ...").
     */
    private static String hint(Throwable e) {
        return e instanceof IllegalStateException && "Unhandled error".equals(e.getMessage())
                ? " (SUBSCRIBE got neither 200 nor 4xx/5xx, typically a 307 from a standby that the client's"
                        + " GET /redirect probe did not resolve; see the client's WARN log line for the status)"
                : "";
    }

    void launchOnNextOffer(TaskRequest task) {
        toLaunch.add(task);
    }

    /** The calls one event asks for; also records the event. Runs on an Rx computation thread. */
    private List<SinkOperation<Call>> react(Event event) {
        List<SinkOperation<Call>> calls = new ArrayList<>();
        switch (event.getType()) {
            case SUBSCRIBED -> frameworkId.set(event.getSubscribed().getFrameworkId());
            case OFFERS -> event.getOffers().getOffersList().forEach(offer -> calls.add(answer(offer)));
            case UPDATE -> {
                TaskStatus status = event.getUpdate().getStatus();
                record(status);
                if (status.hasUuid()) {
                    calls.add(acknowledge(status));
                }
            }
            case ERROR -> failures.add("ERROR event: " + event.getError().getMessage());
            default -> {
                // HEARTBEAT, RESCIND, ...: nothing to do
            }
        }
        return calls;
    }

    private void record(TaskStatus status) {
        String taskId = status.getTaskId().getValue();
        statesByTask.computeIfAbsent(taskId, id -> new CopyOnWriteArrayList<>()).add(status.getState());
        agentByTask.put(taskId, status.getAgentId());
    }

    private SinkOperation<Call> acknowledge(TaskStatus status) {
        String taskId = status.getTaskId().getValue();
        updatesWithUuid.computeIfAbsent(taskId, id -> new AtomicInteger()).incrementAndGet();
        Call ack = SchedulerCalls.ackUpdate(frameworkId.get(), status.getUuid(), status.getAgentId(),
                status.getTaskId());
        return SinkOperations.create(ack,
                () -> acknowledged.computeIfAbsent(taskId, id -> new AtomicInteger()).incrementAndGet(),
                e -> failures.add("ACKNOWLEDGE of " + status.getState() + " for " + taskId + " rejected: " + e));
    }

    /**
     * From now on, offers are answered by {@code plan}: the operations it returns are ACCEPTed, an empty list means
     * DECLINE. Queued tasks are then ignored.
     */
    void answerOffersWith(Function<Offer, List<Offer.Operation>> plan) {
        this.plan = plan;
    }

    /** ACCEPT with the plan's operations or the first queued task when the offer fits it, else DECLINE. */
    private SinkOperation<Call> answer(Offer offer) {
        Function<Offer, List<Offer.Operation>> planned = plan;
        if (planned != null) {
            List<Offer.Operation> operations = planned.apply(offer);
            if (!operations.isEmpty()) {
                return SinkOperations.create(Call.newBuilder()
                        .setFrameworkId(frameworkId.get())
                        .setType(Call.Type.ACCEPT)
                        .setAccept(Call.Accept.newBuilder().addOfferIds(offer.getId()).addAllOperations(operations)
                                .setFilters(Filters.newBuilder().setRefuseSeconds(DECLINE_REFUSE_SECONDS)))
                        .build(), () -> { }, e -> failures.add("ACCEPT of " + operations.size()
                        + " operations rejected: " + e));
            }
            return decline(offer);
        }
        Optional<Resource> cpus = scalar(offer, "cpus", TASK_CPUS);
        Optional<Resource> mem = scalar(offer, "mem", TASK_MEM);
        TaskRequest task = cpus.isPresent() && mem.isPresent() ? toLaunch.poll() : null;
        if (task == null) {
            return decline(offer);
        }
        TaskInfo taskInfo = TaskInfo.newBuilder()
                .setName(task.taskId())
                .setTaskId(TaskID.newBuilder().setValue(task.taskId()))
                .setAgentId(offer.getAgentId())
                .setCommand(CommandInfo.newBuilder().setShell(true).setValue(task.command()))
                .addResources(portion(cpus.get(), TASK_CPUS))
                .addResources(portion(mem.get(), TASK_MEM))
                .build();
        Call accept = Call.newBuilder()
                .setFrameworkId(frameworkId.get())
                .setType(Call.Type.ACCEPT)
                .setAccept(Call.Accept.newBuilder()
                        .addOfferIds(offer.getId())
                        .addOperations(Offer.Operation.newBuilder()
                                .setType(Offer.Operation.Type.LAUNCH)
                                .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(taskInfo))))
                .build();
        return SinkOperations.create(accept,
                () -> { },
                e -> failures.add("ACCEPT launching " + task.taskId() + " rejected: " + e));
    }

    /** The offer's scalar resource {@code name} if it holds at least {@code needed}. */
    private static Optional<Resource> scalar(Offer offer, String name, double needed) {
        return offer.getResourcesList().stream()
                .filter(r -> r.getName().equals(name) && r.getType() == Value.Type.SCALAR)
                .filter(r -> r.getScalar().getValue() >= needed)
                .findFirst();
    }

    /**
     * {@code amount} of an offered resource, keeping its role. The Mesos 1.0 protos this client uses predate
     * {@code Resource.allocation_info}, so the master must accept resources without it (as Mesos does for frameworks
     * without the MULTI_ROLE capability).
     */
    private static Resource portion(Resource offered, double amount) {
        return Resource.newBuilder()
                .setName(offered.getName())
                .setType(Value.Type.SCALAR)
                .setRole(offered.getRole())
                .setScalar(Value.Scalar.newBuilder().setValue(amount))
                .build();
    }

    private SinkOperation<Call> decline(Offer offer) {
        return sinkRecordingRejection(Call.newBuilder()
                .setFrameworkId(frameworkId.get())
                .setType(Call.Type.DECLINE)
                .setDecline(Call.Decline.newBuilder()
                        .addOfferIds(offer.getId())
                        .setFilters(Filters.newBuilder().setRefuseSeconds(DECLINE_REFUSE_SECONDS)))
                .build());
    }

    private SinkOperation<Call> sinkRecordingRejection(Call call) {
        return SinkOperations.create(call, e -> failures.add(call.getType() + " rejected: " + e));
    }

    /** Sends KILL for a task this framework has seen an update for. */
    void kill(String taskId) {
        Call.Kill.Builder kill = Call.Kill.newBuilder().setTaskId(TaskID.newBuilder().setValue(taskId));
        Optional.ofNullable(agentByTask.get(taskId)).ifPresent(kill::setAgentId);
        outbox.onNext(sinkRecordingRejection(Call.newBuilder()
                .setFrameworkId(frameworkId.get())
                .setType(Call.Type.KILL)
                .setKill(kill)
                .build()));
    }

    /** Sends TEARDOWN; the future completes when Corral answered 202, or fails with the client's exception. */
    CompletableFuture<Void> teardown() {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        Call teardown = Call.newBuilder().setFrameworkId(frameworkId.get()).setType(Call.Type.TEARDOWN).build();
        outbox.onNext(SinkOperations.create(teardown, () -> answered.complete(null), answered::completeExceptionally));
        return answered;
    }

    Optional<FrameworkID> frameworkId() {
        return Optional.ofNullable(frameworkId.get());
    }

    List<TaskState> states(String taskId) {
        return List.copyOf(statesByTask.getOrDefault(taskId, List.of()));
    }

    /** Every task's states so far, for failure messages. */
    Map<String, List<TaskState>> allStates() {
        return Map.copyOf(statesByTask);
    }

    int updatesWithUuid(String taskId) {
        return updatesWithUuid.getOrDefault(taskId, new AtomicInteger()).get();
    }

    int acknowledged(String taskId) {
        return acknowledged.getOrDefault(taskId, new AtomicInteger()).get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Stops processing and closes the client's connections. */
    @Override
    public void close() {
        if (subscription != null) {
            subscription.unsubscribe();
        }
    }
}
