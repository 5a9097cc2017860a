package io.corral.bench.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.bench.charts.EventTimes;
import io.corral.bench.charts.LatencyChart;
import io.corral.bench.charts.ResultsDirectory;
import io.corral.bench.charts.ThroughputChart;
import io.corral.scheduler.ZooKeeperMasterLocator;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.zookeeper.data.Stat;

/**
 * The master at scale (issue 9, "A simulator and the master at scale"): the real master ({@link SimulatorMaster}, in
 * JVMs of its own, a second one contending as standby), a real ZooKeeper (curator-test, in a JVM of its own: one
 * server or an ensemble of three), and thousands of {@link SimulatedAgent}s and a few {@link SimulatedFramework}s in
 * this JVM speaking the real protocols over loopback HTTP. It measures, in order:
 * <ol>
 *   <li>with {@code --warm-clients=N}, before the measured master starts, the simulator's own agents and frameworks
 *       warmed on a master of their own ({@link #warmClients}): N tasks launched and finished, then that master, its
 *       agents and frameworks stopped, so that a cold master meets warm clients, as in a real cluster;</li>
 *   <li>agents registering (REGISTER, presence znode);</li>
 *   <li>with {@code --warmup=N}, a warm-up ({@link #warmUp}): N tasks launched and finished through frameworks of
 *       their own, then torn down, so that the launch measured next runs on compiled code;</li>
 *   <li>task launches through the scheduler API to the simulated agents, until every task is TASK_RUNNING with every
 *       update acknowledged: tasks/s and launch-to-RUNNING p50/p99;</li>
 *   <li>the master's heap per agent and per task (after a full GC in the master's JVM), and what ZooKeeper holds;</li>
 *   <li>{@code /master/state} and the operator API's GET_STATE under concurrent readers (p50/p99), and the
 *       allocation cycle time (the master's {@code corral_allocator_allocation_run_seconds} on {@code /metrics})
 *       while idle and while being read (with {@code --alternations=N}, also in N rounds of idle then reading);</li>
 *   <li>a {@code kill -9} (SIGKILL) of the leading master's JVM: time to the first offer from the new leader, until
 *       every agent re-registered with it, and the tasks it then lists: none lost, none twice.</li>
 * </ol>
 *
 * <p>Charts, with the CSV behind each, go to the directory {@link ResultsDirectory} picks ({@code BENCH_RESULTS}, or
 * {@code --results=DIR}): {@code simulator-launch-throughput.png} (tasks reaching TASK_RUNNING per second),
 * {@code simulator-launch-to-running.png} and {@code simulator-state-reads.png} (percentiles of launch-to-RUNNING
 * and of {@code /master/state} and GET_STATE reads).
 *
 * <p>Usage: {@code bench/simulate [--agents=1000] [--tasks=10000] [--frameworks=10] [--readers=20]
 * [--read-seconds=15] [--zk-servers=1|3] [--failover=true] [--master-heap=2g] [--ramp=1000] [--sessions=4]
 * [--master-session=2] [--memory=true] [--warmup=0] [--warm-clients=0] [--alternations=0] [--results=DIR]} (the
 * masters' ZooKeeper session timeout in seconds; whether to measure the leader's heap, whose full collections stop
 * it for seconds at 10,000 agents; the tasks of the warm-up, and of the clients' warm-up; rounds of idle and
 * GET_STATE reading, {@code --read-seconds} each, taken in turn after the readers' phases; where the charts go).
 *
 * <p>Threading: the main thread drives the phases and polls; the fleet, frameworks and readers run on their own.
 */
public final class Simulator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = "/corral";
    /** Where the clients' warm-up master ({@code --warm-clients}) keeps its state: apart from the measured cluster. */
    private static final String WARM_ROOT = "/corral-warm-clients";
    /** Agents of the clients' warm-up: enough calls for the JIT, few enough to register in a second or two. */
    private static final int WARM_AGENTS = 1_000;
    /** Its master's heap: the warm-up's tasks finish, so it holds little. */
    private static final String WARM_MASTER_HEAP = "3g";
    private static final List<Resource> AGENT_RESOURCES = List.of(AgentFleet.scalar("cpus", 32),
            AgentFleet.scalar("mem", 131_072), AgentFleet.scalar("disk", 1_000_000));
    private static final double TASK_CPUS = 0.1;
    private static final double TASK_MEM = 32;
    /** The windows in which the allocation cycle is watched until it settles, before its idle baseline. */
    private static final Duration SETTLE_WINDOW = Duration.ofSeconds(5);
    /** How often the allocation cycles are polled from the master's metrics to time each. */
    private static final Duration CYCLE_POLL = Duration.ofMillis(100);
    /**
     * ACCEPTs the simulated frameworks' code builds and encodes before the launch ({@link
     * SimulatedFramework#rehearseAccepts}): enough calls for the JIT to compile the path.
     */
    private static final int REHEARSED_OFFERS = 2_000;
    /** The launch's first seconds, reported one by one. */
    private static final int START_SECONDS = 20;

    private final Map<String, String> options;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The masters that must not exit: a master that lost its ZooKeeper session ends the simulation at once. */
    private final List<MasterProcess> mustLive = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Simulator(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options are --name=value, not '" + arg + "'");
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        new Simulator(options).run();
    }

    private int intOption(String name, int otherwise) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(otherwise)));
    }

    private void run() throws Exception {
        int agents = intOption("agents", 1000);
        int tasks = intOption("tasks", 10_000);
        int frameworkCount = intOption("frameworks", 10);
        int readers = intOption("readers", 20);
        Duration readTime = Duration.ofSeconds(intOption("read-seconds", 15));
        int zkServers = intOption("zk-servers", 1);
        boolean failover = Boolean.parseBoolean(options.getOrDefault("failover", "true"));
        boolean memory = Boolean.parseBoolean(options.getOrDefault("memory", "true"));
        String masterHeap = options.getOrDefault("master-heap", "2g");
        int ramp = intOption("ramp", 1000);
        int sessions = intOption("sessions", 4);
        Duration masterSession = Duration.ofSeconds(intOption("master-session", 2));
        int warmup = intOption("warmup", 0);
        int warmClients = intOption("warm-clients", 0);
        int alternations = intOption("alternations", 0);
        Path logs = Files.createTempDirectory("corral-simulator");
        ResultsDirectory results = ResultsDirectory.create("simulator", Clock.systemUTC(), options.get("results"));

        ChildJvm zookeeper = ChildJvm.start("zookeeper", List.of("-Xmx1g"), "ZOOKEEPER_JAVA_OPTS",
                SimulatorZooKeeper.class, List.of(Integer.toString(zkServers)), logs.resolve("zookeeper.log"),
                "CONNECT");
        Runtime.getRuntime().addShutdownHook(new Thread(zookeeper::destroy));
        String connect = zookeeper.readyValue();
        String zkUrl = "zk://" + connect + ROOT;
        List<SimulatedFramework> frameworks = new ArrayList<>();
        List<MasterProcess> masters = new ArrayList<>();
        try (zookeeper;
             AgentFleet fleet = new AgentFleet(ZkUrl.parse(zkUrl), sessions, Duration.ofSeconds(10));
             ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(zkUrl);
             // Closed first (resources close in reverse): agents stopping before their frameworks would end their
             // presence while frameworks still listen, and the run's output would end with news of tasks lost.
             AutoCloseable frameworksFirst = () -> frameworks.forEach(SimulatedFramework::close)) {
            System.out.printf("simulator: %d agents, %d tasks (%.1f cpu, %.0f MB each), %d frameworks; ZooKeeper: %d"
                            + " server(s) in a JVM of their own; masters: %s in JVMs of their own (-Xmx%s, ZooKeeper"
                            + " session %d s); %d cores, load average %.1f; logs in %s%n",
                    agents, tasks, TASK_CPUS, TASK_MEM, frameworkCount, zkServers, failover ? "2 (one standby)" : "1",
                    masterHeap, masterSession.toSeconds(), Runtime.getRuntime().availableProcessors(),
                    loadAverage(), logs);
            // A benchmark stopped with Ctrl-C or kill must not leave its masters running.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> masters.forEach(MasterProcess::destroy)));
            if (warmClients > 0) {
                warmClients(connect, frameworkCount, warmClients, Math.min(agents, WARM_AGENTS), sessions, logs,
                        masters);
            }
            MasterProcess first = MasterProcess.start("master-1", zkUrl, masterSession, masterHeap,
                    logs.resolve("master-1.log"));
            masters.add(first);
            mustLive.add(first);
            await("master-1 leading", Duration.ofSeconds(60), () -> fleet.leader()
                    .map(address -> address.endsWith(":" + first.port())).orElse(false) && health(first));
            if (failover) {
                masters.add(MasterProcess.start("master-2", zkUrl, masterSession, masterHeap,
                        logs.resolve("master-2.log")));
                mustLive.add(masters.get(1));
            }
            long heapEmpty = memory ? first.heapAfterGc() : 0;

            // 1. Agents register.
            int perAgent = (tasks + agents - 1) / agents;
            long start = System.nanoTime();
            fleet.add(agents, AGENT_RESOURCES, ramp);
            await(agents + " agents registered", Duration.ofMinutes(10), () -> fleet.registeredNow() == agents,
                    () -> fleet.registeredNow() + " registered; last refusal: " + fleet.lastRefusal());
            System.out.printf("agents: %d registered in %.1f s (paced at %d a second; presence znodes in %d ZooKeeper"
                    + " sessions)%n", agents, seconds(start), ramp, sessions);
            // Launch only once every presence znode exists: while agents still appear, the master lists every
            // agent's presence at each child notification (ZooKeeper says only "changed"), work that belongs to the
            // agents' start, not to the launch measured next.
            if (!fleet.awaitPresences(Duration.ofMinutes(5))) {
                throw new IllegalStateException("the agents' presence znodes were not all created within 5 minutes");
            }
            System.out.printf("agents: every presence znode created %.1f s after the first registration%n",
                    seconds(start));
            long heapAgents = memory ? first.heapAfterGc() : 0;

            // 2. Launches through the scheduler API (after a warm-up, when asked).
            if (warmup > 0) {
                warmUp(locator, frameworkCount, warmup, agents, fleet, "warm-up");
            }
            long rehearsal = System.nanoTime();
            SimulatedFramework.rehearseAccepts(REHEARSED_OFFERS, perAgent, TASK_CPUS, TASK_MEM);
            System.out.printf("frameworks: %d ACCEPTs of %d tasks built and encoded in %.1f s, then dropped (the"
                    + " simulator's own code compiled before the launch)%n", REHEARSED_OFFERS, perAgent,
                    seconds(rehearsal));
            int quota = tasks / frameworkCount;
            for (int f = 0; f < frameworkCount; f++) {
                frameworks.add(new SimulatedFramework("sim-f" + f, quota + (f < tasks % frameworkCount ? 1 : 0),
                        perAgent, TASK_CPUS, TASK_MEM, false));
            }
            frameworks.forEach(framework -> framework.start(locator));
            await(tasks + " tasks RUNNING", Duration.ofMinutes(30), () -> running(frameworks) >= tasks,
                    () -> running(frameworks) + " running");
            long lostDuringLaunch = frameworks.stream().mapToLong(f -> f.otherTerminal.sum()).sum();
            long firstAccept = frameworks.stream().mapToLong(f -> f.firstAcceptNanos.get()).filter(n -> n != 0).min()
                    .orElseThrow();
            long lastRunning = frameworks.stream().mapToLong(f -> f.lastRunningNanos.get()).max().orElseThrow();
            List<Long> launchToRunning = new ArrayList<>();
            frameworks.forEach(f -> launchToRunning.addAll(f.launchToRunningNanos.values()));
            Collections.sort(launchToRunning);
            double launchSeconds = (lastRunning - firstAccept) / 1e9;
            System.out.printf("launch: %d tasks RUNNING in %.1f s from the first ACCEPT: %.0f tasks/s (every"
                            + " STARTING and RUNNING acknowledged); launch-to-RUNNING p50 %.0f ms, p99 %.0f ms;"
                            + " load average %.1f; %d other updates (TASK_LOST...) heard meanwhile%n", tasks,
                    launchSeconds, tasks / launchSeconds, StateReaders.percentileMs(launchToRunning, 0.5),
                    StateReaders.percentileMs(launchToRunning, 0.99), loadAverage(), lostDuringLaunch);
            printLaunchPath(frameworks, fleet);
            EventTimes running = EventTimes.merged(frameworks.stream().map(f -> f.runningAt).toList());
            long[] runningNanos = running.snapshot();
            printLaunchByTenths(firstAccept, runningNanos);
            printLaunchStart(firstAccept, frameworks, fleet, runningNanos);
            ThroughputChart.write(results, "simulator-launch-throughput", String.format(
                    "Simulator: %,d agents, %,d tasks, %d frameworks", agents, tasks, frameworkCount), firstAccept,
                    Map.of("TASK_RUNNING", running));
            LatencyChart.write(results, "simulator-launch-to-running", String.format(
                    "Simulator: ACCEPT to TASK_RUNNING, %,d agents, %,d tasks", agents, tasks),
                    Map.of("launch-to-RUNNING", launchToRunning));
            await("agents' updates all acknowledged", Duration.ofMinutes(2),
                    () -> fleet.stats.acknowledged.sum() >= 2L * tasks + 3L * warmup);

            // 3. Memory and ZooKeeper.
            if (memory) {
                printMemory(heapEmpty, heapAgents, first.heapAfterGc(), agents, tasks);
            } else {
                System.out.println("memory: not measured (--memory=false)");
            }
            reportZooKeeper(zkUrl);

            // 4. State under readers, and allocation meanwhile.
            if (readers > 0) {
                readState(first, readers, readTime, results, agents, tasks, alternations);
            } else {
                System.out.println("state: not read (--readers=0)");
            }

            // 5. kill -9 of the leader.
            if (failover) {
                failover(first, masters.get(1), fleet, frameworks, agents, tasks);
            }
            System.out.printf("agents' protocol: %d launches (%d twice), %d updates sent (%d resent), %d acknowledged,"
                            + " %d pongs, %d failed calls, %d stream failures, %d refused registrations%s%n",
                    fleet.stats.launches.sum(), fleet.stats.duplicateLaunches.sum(), fleet.stats.updates.sum(),
                    fleet.stats.resent.sum(), fleet.stats.acknowledged.sum(), fleet.stats.pongs.sum(),
                    fleet.stats.callFailures.sum(), fleet.stats.streamFailures.sum(), fleet.stats.refusals.sum(),
                    fleet.lastRefusal().isEmpty() ? "" : " (last: " + fleet.lastRefusal().strip() + ")");
            System.out.println("simulation done");
        } finally {
            for (MasterProcess master : masters) {
                master.close();
            }
        }
    }

    private static void printMemory(long heapEmpty, long heapAgents, long heapTasks, int agents, int tasks) {
        System.out.printf("memory: master heap after a full GC: %.1f MiB empty, %.1f MiB with %d agents, %.1f MiB"
                        + " with %d tasks too: %.1f KiB per agent, %.2f KiB per task%n", heapEmpty / 1048576.0,
                heapAgents / 1048576.0, agents, heapTasks / 1048576.0, tasks,
                (heapAgents - heapEmpty) / 1024.0 / agents, (heapTasks - heapAgents) / 1024.0 / tasks);
    }

    private void failover(MasterProcess leader, MasterProcess standby, AgentFleet fleet,
                          List<SimulatedFramework> frameworks, int agents, int tasks) throws Exception {
        Set<String> expected = new HashSet<>();
        frameworks.forEach(f -> expected.addAll(f.running));
        long terminalBefore = frameworks.stream().mapToLong(f -> f.otherTerminal.sum()).sum();
        frameworks.forEach(SimulatedFramework::markOffers);
        long offersBefore = frameworks.stream().mapToLong(f -> f.offersSeen.sum()).sum();
        long offerEventsBefore = frameworks.stream().mapToLong(f -> f.offerEvents.sum()).sum();
        fleet.startRound();
        mustLive.remove(leader);
        java.time.LocalTime killedAt = java.time.LocalTime.now();
        long killed = System.nanoTime();
        leader.kill9();
        System.out.printf("failover: kill -9 of the leader (%s, pid %d) at %s (to compare with the masters' logs;"
                + " it was gone %d ms later)%n", leader.name(), leader.pid(), killedAt,
                (System.nanoTime() - killed) / 1_000_000);
        await("an offer from the new leader", Duration.ofMinutes(5),
                () -> frameworks.stream().anyMatch(f -> f.firstOfferAfterMarkNanos.get() != 0));
        long firstOffer = frameworks.stream().mapToLong(f -> f.firstOfferAfterMarkNanos.get()).filter(n -> n != 0)
                .min().orElseThrow();
        await("every agent re-registered", Duration.ofMinutes(5), () -> fleet.roundCompletedNanos() != 0,
                () -> fleet.registeredInRound() + " of " + agents + " re-registered");
        System.out.printf("failover: first offer from the new leader %.2f s after the kill; all %d agents"
                        + " re-registered %.2f s after it; load average %.1f%n", (firstOffer - killed) / 1e9, agents,
                (fleet.roundCompletedNanos() - killed) / 1e9, loadAverage());
        System.out.printf("failover: agents re-registered after the kill: half %.2f s, 90%% %.2f s, 99%% %.2f s%n",
                (fleet.roundReachedNanos(0.5) - killed) / 1e9, (fleet.roundReachedNanos(0.9) - killed) / 1e9,
                (fleet.roundReachedNanos(0.99) - killed) / 1e9);
        System.out.printf("failover: agents re-registered in each second after the kill: %s (the simulator told its"
                + " agents of the new leader in %d ms)%n", fleet.roundPerSecond(killed),
                fleet.lastToldNanos() / 1_000_000);
        System.out.printf("failover: the frameworks got %d offers in %d OFFERS events from the kill until every agent"
                        + " was back (each declines what it is offered, for an hour)%n",
                frameworks.stream().mapToLong(f -> f.offersSeen.sum()).sum() - offersBefore,
                frameworks.stream().mapToLong(f -> f.offerEvents.sum()).sum() - offerEventsBefore);
        // What the new leader lists: every task once, RUNNING, on the agent it ran on.
        Map<String, Integer> listed = new HashMap<>();
        int runningListed = 0;
        JsonNode state = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(standby.url() + "/master/state"))
                .build(), HttpResponse.BodyHandlers.ofByteArray()).body());
        for (JsonNode framework : state.path("frameworks")) {
            for (JsonNode task : framework.path("tasks")) {
                listed.merge(task.path("id").asText(), 1, Integer::sum);
                runningListed += task.path("state").asText().equals("TASK_RUNNING") ? 1 : 0;
            }
        }
        long duplicated = listed.values().stream().filter(n -> n > 1).count();
        long lost = expected.stream().filter(id -> !listed.containsKey(id)).count();
        long terminalAfter = frameworks.stream().mapToLong(f -> f.otherTerminal.sum()).sum();
        System.out.printf("failover: the new leader lists %d tasks (%d RUNNING) of the %d running before: %d lost,"
                        + " %d duplicated; frameworks heard %d terminal updates since the kill%n", listed.size(),
                runningListed, tasks, lost, duplicated, terminalAfter - terminalBefore);
    }

    /**
     * Allocation cycles while {@code work} runs, at least {@code time} long: their count and mean from the master's
     * metrics before and after, and each cycle's time from polling the metrics every {@link #CYCLE_POLL} (cycles
     * come once a second, so a poll's difference is nearly always one cycle; two are shared out evenly). The
     * median is the figure to compare: one cycle stopped by a collection pause moves the mean of fifteen by 5-10%.
     */
    private Allocation allocationDuring(MasterProcess master, Duration time, Work work) throws Exception {
        double[] before = allocationRuns(master);
        List<Double> cyclesMs = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean polling = new AtomicBoolean(true);
        Thread poller = new Thread(() -> pollCycles(master, before, polling, cyclesMs), "allocation-poller");
        poller.setDaemon(true);
        poller.start();
        long start = System.nanoTime();
        Object done = work.run();
        if (done == null) {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, time.toNanos() - (System.nanoTime() - start)));
        }
        polling.set(false);
        poller.join();
        double[] after = allocationRuns(master);
        long cycles = Math.round(after[0] - before[0]);
        List<Double> times;
        synchronized (cyclesMs) {
            times = List.copyOf(cyclesMs);
        }
        return new Allocation(cycles, cycles == 0 ? 0 : (after[1] - before[1]) * 1000 / cycles, median(times),
                seconds(start), times);
    }

    /** Adds each allocation cycle's time to {@code cyclesMs}, from {@code first} on, while {@code polling}. */
    private void pollCycles(MasterProcess master, double[] first, AtomicBoolean polling, List<Double> cyclesMs) {
        double[] last = first;
        while (polling.get()) {
            try {
                TimeUnit.NANOSECONDS.sleep(CYCLE_POLL.toNanos());
                double[] now = allocationRuns(master);
                long cycles = Math.round(now[0] - last[0]);
                for (long c = 0; c < cycles; c++) {
                    cyclesMs.add((now[1] - last[1]) * 1000 / cycles);
                }
                last = now;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // a poll that failed: the next one takes its cycles with its own
            }
        }
    }

    private interface Work {
        Object run() throws Exception;
    }

    /** Allocation cycles: how many, their mean and median time, over how long, and each one's time (ms). */
    private record Allocation(long cycles, double meanMs, double medianMs, double seconds, List<Double> cyclesMs) {
        @Override
        public String toString() {
            return String.format("%d cycles in %.1f s, mean %.2f ms, median %.2f ms a cycle", cycles, seconds, meanMs,
                    medianMs);
        }
    }

    /** {@code corral_allocator_allocation_run_seconds} count and sum from the master's Prometheus metrics. */
    private double[] allocationRuns(MasterProcess master) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(master.url() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double count = 0;
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("corral_allocator_allocation_run_seconds_count")) {
                count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("corral_allocator_allocation_run_seconds_sum")) {
                sum = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new double[] {count, sum};
    }

    private static void printReads(String what, int readers, Duration time, StateReaders.Result result) {
        System.out.printf("state: %s, %d readers for %d s: %d reads (%d failed) of %.1f MB (%.1f MB on the wire),"
                        + " p50 %.0f ms, p99 %.0f ms, max %.0f ms; load average %.1f%n", what, readers,
                time.toSeconds(), result.reads(), result.failures(), result.bytesPerRead() / 1e6,
                result.wireBytesPerRead() / 1e6, result.p50Ms(), result.p99Ms(), result.maxMs(), loadAverage());
    }

    /** Znodes and bytes of data under the root, per top-level child (registry, presence, leader election...). */
    private static void reportZooKeeper(String zkUrl) throws Exception {
        try (CuratorFramework zk = ZkClients.connect(ZkUrl.parse(zkUrl), Duration.ofSeconds(30),
                Duration.ofSeconds(15))) {
            StringBuilder line = new StringBuilder();
            long totalNodes = 0;
            long totalBytes = 0;
            for (String child : zk.getChildren().forPath(ROOT)) {
                long[] size = new long[2];
                walk(zk, ROOT + "/" + child, size);
                totalNodes += size[0];
                totalBytes += size[1];
                line.append(String.format("; %s: %d znodes, %.1f KiB", child, size[0], size[1] / 1024.0));
            }
            System.out.printf("zookeeper: %d znodes, %.1f KiB of data under %s%s%n", totalNodes, totalBytes / 1024.0,
                    ROOT, line);
        }
    }

    private static void walk(CuratorFramework zk, String path, long[] size) throws Exception {
        Stat stat = zk.checkExists().forPath(path);
        if (stat == null) {
            return;
        }
        size[0]++;
        size[1] += stat.getDataLength();
        if (stat.getNumChildren() > 0) {
            for (String child : zk.getChildren().forPath(path)) {
                walk(zk, path + "/" + child, size);
            }
        }
    }

    private boolean health(MasterProcess master) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(master.url() + "/master/state")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Launches {@code tasks} tasks that finish once running (STARTING, RUNNING, FINISHED, each acknowledged) through
     * {@code frameworkCount} frameworks of their own, then tears those frameworks down, so the master forgets them.
     * Both JVMs have then compiled the launch path, as a master that has served a while has: from cold, the two
     * compilers took about a third of the two cores during the first minute of a million-task launch.
     */
    private void warmUp(ZooKeeperMasterLocator locator, int frameworkCount, int tasks, int agents, AgentFleet fleet,
                        String label) throws Exception {
        List<SimulatedFramework> warm = new ArrayList<>();
        for (int f = 0; f < frameworkCount; f++) {
            warm.add(new SimulatedFramework("sim-warmup-f" + f, tasks / frameworkCount
                    + (f < tasks % frameworkCount ? 1 : 0), (tasks + agents - 1) / agents, TASK_CPUS, TASK_MEM, true));
        }
        long start = System.nanoTime();
        warm.forEach(framework -> framework.start(locator));
        await(tasks + " warm-up tasks FINISHED", Duration.ofMinutes(30), () -> finished(warm) >= tasks,
                () -> finished(warm) + " finished");
        double seconds = seconds(start);
        // Every update acknowledged at the agents before the TEARDOWN, which could overtake the last
        // acknowledgements on another of the SDK's connections.
        await("warm-up updates acknowledged", Duration.ofMinutes(2),
                () -> fleet.stats.acknowledged.sum() >= 3L * tasks);
        for (SimulatedFramework framework : warm) {
            framework.tearDown();
        }
        System.out.printf("%s: %d tasks launched and FINISHED in %.1f s (%.0f tasks/s), by %d frameworks now"
                + " torn down%n", label, tasks, seconds, tasks / seconds, frameworkCount);
    }

    /**
     * Warms this JVM's clients, not the measured master: a master of its own (its own JVM and ZooKeeper root),
     * {@code agentCount} agents and {@code frameworkCount} frameworks launch and finish {@code tasks} tasks through
     * it ({@link #warmUp}); then all of them stop, and the measured master starts cold. In a real cluster the agents
     * and frameworks are long-running processes on machines of their own, so a master just started meets warm
     * clients; here they share one JVM with two cores, and compiling their code took about a third of this JVM's CPU
     * in a cold launch's first minute, beside the cold master's own compiling.
     */
    private void warmClients(String connect, int frameworkCount, int tasks, int agentCount, int sessions, Path logs,
                             List<MasterProcess> masters) throws Exception {
        String zkUrl = "zk://" + connect + WARM_ROOT;
        MasterProcess master = MasterProcess.start("warm-clients-master", zkUrl, Duration.ofSeconds(10),
                WARM_MASTER_HEAP, logs.resolve("warm-clients-master.log"));
        masters.add(master); // destroyed by the shutdown hook if the run stops here
        mustLive.add(master);
        try (AgentFleet fleet = new AgentFleet(ZkUrl.parse(zkUrl), sessions, Duration.ofSeconds(10));
             ZooKeeperMasterLocator locator = ZooKeeperMasterLocator.connect(zkUrl)) {
            await("the clients' warm-up master leading", Duration.ofSeconds(60), () -> fleet.leader()
                    .map(address -> address.endsWith(":" + master.port())).orElse(false) && health(master));
            fleet.add(agentCount, AGENT_RESOURCES, WARM_AGENTS);
            await(agentCount + " warm-up agents registered", Duration.ofMinutes(5),
                    () -> fleet.registeredNow() == agentCount);
            if (!fleet.awaitPresences(Duration.ofMinutes(5))) {
                throw new IllegalStateException("the warm-up agents' presence znodes were not all created");
            }
            warmUp(locator, frameworkCount, tasks, agentCount, fleet, String.format("clients' warm-up (%d agents and"
                    + " a master of their own, stopped after it; the measured master starts cold)", agentCount));
        } finally {
            mustLive.remove(master);
            masters.remove(master);
            master.close();
        }
    }

    private static int finished(List<SimulatedFramework> frameworks) {
        return frameworks.stream().mapToInt(f -> f.finished.size()).sum();
    }

    private static int running(List<SimulatedFramework> frameworks) {
        return frameworks.stream().mapToInt(f -> f.running.size()).sum();
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, condition, () -> "");
    }

    /** Polls {@code condition} every 20 ms (a benchmark's polling interval, not a test's wait). */
    private void await(String what, Duration timeout, BooleanSupplier condition,
                       java.util.function.Supplier<String> progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            for (MasterProcess master : mustLive) {
                if (!master.isAlive()) {
                    throw new IllegalStateException(master.name() + " exited while waiting for " + what
                            + " (it lost its ZooKeeper session? see its log); " + progress.get());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not reached within " + timeout + ": " + what + "; "
                        + progress.get());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /**
     * {@code /master/state}, then GET_STATE, read by {@code readers} for {@code readTime} each, with the allocation
     * cycles meanwhile against {@code readTime} of no readers before them and {@code readTime} after them: the idle
     * cycle drifts over a run (from 40 to 60 ms between runs of 10,000 agents), so the readers' phases are compared
     * with the mean of the idle phase on each side.
     */
    private void readState(MasterProcess first, int readers, Duration readTime, ResultsDirectory results, int agents,
                           int tasks, int alternations) throws Exception {
        settleAllocation(first);
        Allocation idle = allocationDuring(first, readTime, () -> null);
        System.out.printf("allocation idle: %s%n", idle);
        StateReaders.Result[] result = new StateReaders.Result[1];
        StateReaders.Request masterState = StateReaders.get(first.url() + "/master/state");
        System.out.printf("state: /master/state, the first read after the launch alone: %.0f ms%n",
                StateReaders.once(masterState));
        Allocation duringState = allocationDuring(first, readTime,
                () -> result[0] = StateReaders.read(masterState, readers, readTime));
        printReads("/master/state", readers, readTime, result[0]);
        Map<String, List<Long>> reads = new LinkedHashMap<>();
        reads.put("/master/state", result[0].latenciesNanos());
        StateReaders.Request getState = StateReaders.getState(first.url());
        System.out.printf("state: GET_STATE, the first read alone: %.0f ms%n", StateReaders.once(getState));
        Allocation duringGetState = allocationDuring(first, readTime,
                () -> result[0] = StateReaders.read(getState, readers, readTime));
        printReads("GET_STATE", readers, readTime, result[0]);
        reads.put("GET_STATE", result[0].latenciesNanos());
        LatencyChart.write(results, "simulator-state-reads", String.format(
                "Simulator: state reads, %d readers, %,d agents, %,d tasks", readers, agents, tasks), reads);
        Allocation idleAfter = allocationDuring(first, readTime, () -> null);
        System.out.printf("allocation idle after the reads: %s%n", idleAfter);
        printAllocation("/master/state", duringState, idle, idleAfter);
        printAllocation("GET_STATE", duringGetState, idle, idleAfter);
        if (alternations > 0) {
            alternateReads(first, getState, readers, readTime, alternations);
        }
    }

    /**
     * The allocation cycle under GET_STATE readers against idle, alternated: {@code rounds} pairs of {@code phase}
     * idle then {@code phase} of reading, every cycle pooled by kind. The idle cycle drifts over a run's minutes (from
     * 38 to 50 ms between the idle phases before and after the reads in one run), by more than the 10% the readers
     * may cost; short phases taken in turn put both kinds under the same drift.
     */
    private void alternateReads(MasterProcess master, StateReaders.Request getState, int readers, Duration phase,
                                int rounds) throws Exception {
        List<Double> idle = new ArrayList<>();
        List<Double> reading = new ArrayList<>();
        List<String> byRound = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Allocation quiet = allocationDuring(master, phase, () -> null);
            Allocation read = allocationDuring(master, phase, () -> StateReaders.read(getState, readers, phase));
            idle.addAll(quiet.cyclesMs());
            reading.addAll(read.cyclesMs());
            byRound.add(quiet.cyclesMs().isEmpty() || read.cyclesMs().isEmpty() ? "-"
                    : String.format("%+.0f%%", 100 * (read.medianMs() / quiet.medianMs() - 1)));
        }
        double idleMedian = median(idle);
        double readingMedian = median(reading);
        System.out.printf("allocation alternated, %d x (%d s idle, %d s of GET_STATE reads): median %.2f ms idle (%d"
                        + " cycles), %.2f ms reading (%d cycles): %+.0f%%; by round: %s%n", rounds,
                phase.toSeconds(), phase.toSeconds(), idleMedian, idle.size(), readingMedian, reading.size(),
                100 * (readingMedian / idleMedian - 1), String.join(" ", byRound));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    }

    /**
     * Waits until the allocation cycle no longer drifts, so the idle phase is a baseline: right after a launch the
     * cycles still offer what the launch left and the frameworks decline it (at 10,000 agents the first seconds'
     * cycles took 90-300 ms, the settled ones 37-40 ms, which made readers look free). Settled when the medians of
     * two {@link #SETTLE_WINDOW}s in a row differ by at most 10% (or 1 ms, for the tiny cycles of a small cluster), or
     * after a minute.
     */
    private void settleAllocation(MasterProcess master) throws Exception {
        long start = System.nanoTime();
        Allocation last = allocationDuring(master, SETTLE_WINDOW, () -> null);
        while (seconds(start) < 60) {
            Allocation next = allocationDuring(master, SETTLE_WINDOW, () -> null);
            boolean settled = Math.abs(next.medianMs() - last.medianMs()) <= Math.max(1, 0.10 * last.medianMs());
            last = next;
            if (settled) {
                break;
            }
        }
        System.out.printf("allocation settled after %.0f s: the last %d s %s%n", seconds(start),
                SETTLE_WINDOW.toSeconds(), last);
    }

    /** The allocation cycles during {@code what}'s reads against the idle phases around them. */
    private static void printAllocation(String what, Allocation during, Allocation idleBefore, Allocation idleAfter) {
        double meanBaseline = (idleBefore.meanMs() + idleAfter.meanMs()) / 2;
        double medianBaseline = (idleBefore.medianMs() + idleAfter.medianMs()) / 2;
        System.out.printf("allocation during %s reads: %s (median %+.0f%%, mean %+.0f%% against idle before and after;"
                        + " median %+.0f%% against idle before)%n", what, during,
                100 * (during.medianMs() / medianBaseline - 1), 100 * (during.meanMs() / meanBaseline - 1),
                100 * (during.medianMs() / idleBefore.medianMs() - 1));
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /**
     * Whether the launch rate holds: tasks per second over each tenth of the tasks, in the order they reached
     * TASK_RUNNING (the first tenth counted from the first ACCEPT). A rate that falls from tenth to tenth is a master
     * slowing as it fills; one that rises is mostly the JVMs still compiling at the start.
     */
    private static void printLaunchByTenths(long firstAcceptNanos, long[] runningNanos) {
        if (runningNanos.length < 10) {
            return;
        }
        List<String> rates = new ArrayList<>();
        long from = firstAcceptNanos;
        for (int tenth = 1; tenth <= 10; tenth++) {
            int fromIndex = runningNanos.length * (tenth - 1) / 10;
            int toIndex = runningNanos.length * tenth / 10;
            long until = runningNanos[toIndex - 1];
            rates.add(String.format("%,.0f", (toIndex - fromIndex) / Math.max((until - from) / 1e9, 1e-3)));
            from = until;
        }
        System.out.printf("launch by tenths of the tasks: %s tasks/s%n", String.join(" ", rates));
    }

    /**
     * Where launch-to-RUNNING goes: ACCEPT sent to LAUNCH at the agent (the framework's calls, the master's decision,
     * the agent's stream), then LAUNCH to RUNNING at the framework (STARTING and its acknowledgement, RUNNING).
     */
    private static void printLaunchPath(List<SimulatedFramework> frameworks, AgentFleet fleet) {
        List<Long> toAgent = new ArrayList<>();
        List<Long> toRunning = new ArrayList<>();
        for (SimulatedFramework framework : frameworks) {
            framework.acceptedAtNanos.forEach((id, accepted) -> {
                Long launched = fleet.stats.launchedAtNanos.get(id);
                Long total = framework.launchToRunningNanos.get(id);
                if (launched != null && total != null) {
                    toAgent.add(launched - accepted);
                    toRunning.add(accepted + total - launched);
                }
            });
        }
        Collections.sort(toAgent);
        Collections.sort(toRunning);
        System.out.printf("launch path: ACCEPT to LAUNCH at the agent p50 %.0f ms, p99 %.0f ms; LAUNCH to RUNNING at"
                        + " the framework p50 %.0f ms, p99 %.0f ms%n", StateReaders.percentileMs(toAgent, 0.5),
                StateReaders.percentileMs(toAgent, 0.99), StateReaders.percentileMs(toRunning, 0.5),
                StateReaders.percentileMs(toRunning, 0.99));
    }

    /**
     * The launch's first {@link #START_SECONDS} seconds, second by second: tasks in ACCEPTs sent, LAUNCHes reaching
     * agents, tasks reaching RUNNING (from the times kept per task). Where the slow start of a launch goes.
     */
    private static void printLaunchStart(long firstAcceptNanos, List<SimulatedFramework> frameworks,
                                         AgentFleet fleet, long[] runningNanos) {
        long[] accepted = new long[START_SECONDS];
        long[] launched = new long[START_SECONDS];
        long[] running = new long[START_SECONDS];
        for (SimulatedFramework framework : frameworks) {
            framework.acceptedAtNanos.forEach((id, at) -> {
                countSecond(accepted, firstAcceptNanos, at);
                Long launchedAt = fleet.stats.launchedAtNanos.get(id);
                if (launchedAt != null) {
                    countSecond(launched, firstAcceptNanos, launchedAt);
                }
            });
        }
        for (long at : runningNanos) {
            countSecond(running, firstAcceptNanos, at);
        }
        List<String> seconds = new ArrayList<>();
        for (int second = 0; second < START_SECONDS; second++) {
            seconds.add(String.format("%d/%d/%d", accepted[second], launched[second], running[second]));
        }
        System.out.printf("launch's first %d s, tasks ACCEPTed/LAUNCHed at agents/RUNNING in each second: %s%n",
                START_SECONDS, String.join(" ", seconds));
    }

    private static void countSecond(long[] perSecond, long fromNanos, long atNanos) {
        long second = (atNanos - fromNanos) / 1_000_000_000L;
        if (second >= 0 && second < perSecond.length) {
            perSecond[(int) second]++;
        }
    }
}
