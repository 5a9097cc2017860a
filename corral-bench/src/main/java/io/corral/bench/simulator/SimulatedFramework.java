package io.corral.bench.simulator;

import io.corral.protocol.http.Encoding;
import io.corral.protocol.resources.ResourceSet;
import io.corral.scheduler.MasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.SchedulerListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.Labels;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * A framework of the simulation, on the real SDK ({@link SchedulerClient}, protobuf, every update acknowledged): it
 * launches its share of tasks by accepting offers, at most {@code perOffer} tasks an offer (so tasks spread over
 * the agents as a real cluster's do), then declines every offer for an hour: a cluster whose frameworks hold what
 * they need, and whose allocator keeps cycling over filtered offers. After a failover it resubscribes to the new
 * leader (ZooKeeper locator) and declines again, which is how the first offer of the new leader is seen.
 *
 * <p>Threading: the SDK calls the listener on its event thread; counters and the task sets are thread-safe and read
 * by the simulator's main thread.
 */
final class SimulatedFramework implements SchedulerListener {
    private static final CommandInfo SLEEP = CommandInfo.newBuilder().setValue("sleep 3600").build();
    private static final Labels FINISH = Labels.newBuilder().addLabels(Label.newBuilder()
            .setKey(SimulatedAgent.FINISH_LABEL).setValue("true")).build();

    private final String name;
    private final int quota;
    private final int perOffer;
    private final double taskCpus;
    private final double taskMem;
    private final boolean finish;
    private volatile SchedulerClient client;
    /** Tasks placed and not lost before running; only the event thread uses these. */
    private int launched;
    private int nextId;
    /** Whether it declined offers for an hour because its quota was placed (a REVIVE undoes it). */
    private boolean declinedForGood;

    // The per-task maps are sized for the quota: growing a million-entry map took 4% of the thread the SDK
    // delivers updates on, in the launch being measured.
    final Set<String> running;
    final Set<String> finished;
    final LongAdder runningUpdates = new LongAdder();
    final LongAdder otherTerminal = new LongAdder();
    final LongAdder offersSeen = new LongAdder();
    /** OFFERS events received (each may carry many offers). */
    final LongAdder offerEvents = new LongAdder();
    final ConcurrentHashMap<String, Long> acceptedAtNanos;
    final ConcurrentHashMap<String, Long> launchToRunningNanos;
    final AtomicLong firstAcceptNanos = new AtomicLong();
    final AtomicLong lastRunningNanos = new AtomicLong();
    /** When each task first reached TASK_RUNNING (for the throughput chart). */
    final io.corral.bench.charts.EventTimes runningAt = new io.corral.bench.charts.EventTimes();
    /** When the first offer after {@link #markOffers} came (System.nanoTime), 0 until then. */
    final AtomicLong firstOfferAfterMarkNanos = new AtomicLong();
    private volatile boolean awaitingOffer;
    final AtomicInteger subscriptions = new AtomicInteger();

    /**
     * @param finish whether its tasks end TASK_FINISHED once running (labelled {@link SimulatedAgent#FINISH_LABEL})
     */
    SimulatedFramework(String name, int quota, int perOffer, double taskCpus, double taskMem, boolean finish) {
        this.name = name;
        this.quota = quota;
        this.perOffer = perOffer;
        this.taskCpus = taskCpus;
        this.taskMem = taskMem;
        this.finish = finish;
        this.running = ConcurrentHashMap.newKeySet(quota);
        this.finished = ConcurrentHashMap.newKeySet(finish ? quota : 16);
        this.acceptedAtNanos = new ConcurrentHashMap<>(quota);
        this.launchToRunningNanos = new ConcurrentHashMap<>(quota);
    }

    void start(MasterLocator locator) {
        FrameworkInfo info = FrameworkInfo.newBuilder().setUser("corral-sim").setName(name)
                .setFailoverTimeout(3600).build();
        client = SchedulerClient.builder(locator, info, this).encoding(Encoding.PROTOBUF).autoAcknowledge(true)
                .build();
        client.start();
    }

    int quota() {
        return quota;
    }

    /** From now on, records when the next offer comes. */
    void markOffers() {
        firstOfferAfterMarkNanos.set(0);
        awaitingOffer = true;
    }

    /** Ends the framework at the master (TEARDOWN: its tasks are killed, it is forgotten), then closes it. */
    void tearDown() throws Exception {
        SchedulerClient c = client;
        if (c != null) {
            c.teardown().get(30, TimeUnit.SECONDS);
            c.close();
        }
    }

    void close() {
        SchedulerClient c = client;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void subscribed(FrameworkID frameworkId, MasterInfo master) {
        subscriptions.incrementAndGet();
    }

    @Override
    public void offers(List<Offer> offers) {
        long now = System.nanoTime();
        offersSeen.add(offers.size());
        offerEvents.increment();
        if (awaitingOffer) {
            awaitingOffer = false;
            firstOfferAfterMarkNanos.compareAndSet(0, now);
        }
        List<OfferID> declined = new ArrayList<>();
        List<Taken> taken = new ArrayList<>();
        int placing = launched;
        for (Offer offer : offers) {
            int fit = Math.min(Math.min(quota - placing, perOffer), tasksThatFit(offer));
            if (fit <= 0) {
                declined.add(offer.getId());
                declinedForGood |= placing >= quota;
                continue;
            }
            taken.add(new Taken(offer, fit));
            placing += fit;
        }
        // What it does not need goes back first, for the other frameworks: sent after its ACCEPTs, the DECLINE
        // waited behind up to a thousand of them in the SDK's queue, and the other frameworks for their offers.
        if (!declined.isEmpty()) {
            client.decline(declined, 3600);
        }
        taken.forEach(each -> accept(each.offer(), each.tasks(), now));
    }

    /** An offer this framework accepts, with the number of tasks it launches there. */
    private record Taken(Offer offer, int tasks) {}

    private void accept(Offer offer, int count, long now) {
        Call call = acceptCall(name, nextId, offer, count, taskCpus, taskMem, finish);
        for (TaskInfo task : call.getAccept().getOperations(0).getLaunch().getTaskInfosList()) {
            acceptedAtNanos.put(task.getTaskId().getValue(), now);
        }
        launched += count;
        nextId += count;
        firstAcceptNanos.compareAndSet(0, now);
        client.send(call);
    }

    /**
     * The ACCEPT of {@code offer} that launches {@code count} tasks of {@code cpus} and {@code mem} each, named
     * {@code framework-firstId}, {@code framework-(firstId + 1)}, ...; labelled to finish once running when
     * {@code finish}.
     */
    static Call acceptCall(String framework, int firstId, Offer offer, int count, double cpus, double mem,
                           boolean finish) {
        List<Resource> each = ResourceSet.parse("cpus:" + cpus + ";mem:" + mem)
                .withAllocationRole(offer.getAllocationInfo().getRole()).toList();
        Offer.Operation.Launch.Builder launch = Offer.Operation.Launch.newBuilder();
        for (int i = 0; i < count; i++) {
            String id = framework + "-" + (firstId + i);
            TaskInfo.Builder task = launch.addTaskInfosBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                    .setAgentId(offer.getAgentId()).setCommand(SLEEP).addAllResources(each);
            if (finish) {
                task.setLabels(FINISH);
            }
        }
        return Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder()
                .addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH).setLaunch(launch))
                .setFilters(Filters.newBuilder().setRefuseSeconds(0))).build();
    }

    /**
     * Builds and encodes (as the SDK does) the ACCEPTs of {@code offers} offers of {@code perOffer} tasks each, and
     * drops them: run before a launch, the simulated frameworks' own code is compiled when the launch begins. A
     * framework accepts every offer of the first OFFERS event (10,000 agents: 100,000 tasks each for ten
     * frameworks) in one callback on the SDK's event thread, and run cold while the master's and the simulator's
     * compilers took a third of the two cores, those callbacks held the frameworks' first updates for 8 s.
     */
    static void rehearseAccepts(int offers, int perOffer, double cpus, double mem) {
        long bytes = 0;
        for (int o = 0; o < offers; o++) {
            Offer offer = Offer.newBuilder().setId(OfferID.newBuilder().setValue("o" + o))
                    .setFrameworkId(FrameworkID.newBuilder().setValue("rehearsal"))
                    .setAgentId(AgentID.newBuilder().setValue("a" + o))
                    .setHostname("rehearsal").build();
            bytes += Encoding.PROTOBUF.encode(acceptCall("rehearsal", o * perOffer, offer, perOffer, cpus, mem,
                    false)).length;
        }
        if (bytes == 0) {
            throw new IllegalStateException("no ACCEPT was encoded"); // the rehearsal would have compiled nothing
        }
    }

    private int tasksThatFit(Offer offer) {
        double cpus = 0;
        double mem = 0;
        for (Resource resource : offer.getResourcesList()) {
            if (resource.getName().equals("cpus")) {
                cpus += resource.getScalar().getValue();
            } else if (resource.getName().equals("mem")) {
                mem += resource.getScalar().getValue();
            }
        }
        // Thousandths of a cpu in fixed point, as the master counts them.
        return (int) Math.min(Math.round(cpus * 1000) / Math.round(taskCpus * 1000), (long) (mem / taskMem));
    }

    @Override
    public void update(TaskStatus status) {
        String id = status.getTaskId().getValue();
        long now = System.nanoTime();
        switch (status.getState()) {
            case TASK_RUNNING -> {
                runningUpdates.increment();
                if (running.add(id)) {
                    Long accepted = acceptedAtNanos.get(id);
                    if (accepted != null) {
                        launchToRunningNanos.put(id, now - accepted);
                    }
                    lastRunningNanos.accumulateAndGet(now, Math::max);
                    runningAt.record(now);
                }
            }
            case TASK_STAGING, TASK_STARTING -> { }
            case TASK_FINISHED -> finished.add(id);
            default -> {
                otherTerminal.increment();
                if (!running.contains(id) && acceptedAtNanos.remove(id) != null) {
                    // Lost before it ran (its offer rescinded, its agent gone): place another, as a framework would.
                    launched--;
                    if (declinedForGood) {
                        declinedForGood = false;
                        client.revive();
                    }
                }
                if (otherTerminal.sum() <= 5) {
                    System.err.printf("%s: %s %s %s%n", name, id, status.getState(), status.getMessage());
                }
            }
        }
    }

    @Override
    public void error(String message) {
        System.err.println(name + ": ERROR " + message);
    }
}
