package io.corral.bench.placement;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.corral.bench.charts.FillChart;
import io.corral.bench.charts.ResultsDirectory;
import io.corral.master.AllocationTimes;
import io.corral.master.Master;
import io.corral.master.MasterConfig;
import io.corral.master.Registry;
import io.corral.master.allocator.HierarchicalDrfAllocator;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.MasterContender;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.registry.RegistryStore;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * Tasks placed per second in-process (issue 9's third allocator target): an empty cluster of agents with 32 cpus and
 * 128 GiB each is filled with 1-cpu / 1 GiB tasks by first-fit frameworks whose demand is far beyond it. Everything
 * between the allocator and the agents is the real master: allocation cycles, offers, ACCEPTs through the master's
 * spine (validation, the task table, LAUNCH events to the agents), on its event loop, with its registry on a real
 * ZooKeeper server in this JVM. Only HTTP is left out: frameworks hand their calls to the loop, agents count the
 * LAUNCH events they are sent.
 *
 * <p>A round builds a new master, registers the agents and subscribes the frameworks while allocation is paused, then
 * resumes it and times until every cpu of the cluster holds a task. It reports tasks per second, the process's CPU time
 * in that span, the offers, ACCEPTs and DECLINEs, allocation cycles, and whether every framework got the same number
 * of tasks within one. Warm-up rounds run first and are reported as such. The measured rounds are drawn as tasks placed
 * against milliseconds since the start ({@code placement-fill.png} and its CSV, in the results directory).
 *
 * <p>Usage: {@code bench/placement [--agents=2000] [--frameworks=200] [--rounds=5] [--warmup=2]}
 *
 * <p>Threading: the main thread drives the rounds; each master runs its loop; the frameworks answer on one thread.
 */
public final class PlacementBenchmark {
    static final int AGENT_CPUS = 32;
    private static final String AGENT_RESOURCES = "cpus:" + AGENT_CPUS + ";mem:131072;disk:102400";
    private static final Duration WAIT = Duration.ofMinutes(5);

    /** One round's figures. */
    record Round(long tasks, double seconds, double cpuSeconds, long offers, long accepts, long declines,
                 long allocationRuns, long fewest, long most, long[] placedNanos) {
        double tasksPerSecond() {
            return tasks / seconds;
        }

        boolean fair() {
            return most - fewest <= 1;
        }
    }

    public static void main(String[] args) throws Exception {
        int agents = option(args, "agents", 2000);
        int frameworks = option(args, "frameworks", 200);
        int rounds = option(args, "rounds", 5);
        int warmup = option(args, "warmup", 2);
        System.out.printf("placement: %,d agents (%s) x %,d frameworks, 1-cpu / 1 GiB tasks: %,d tasks a round;"
                        + " %d warm-up and %d measured rounds; %d cores, max heap %d MiB%n", agents, AGENT_RESOURCES,
                frameworks, (long) agents * AGENT_CPUS, warmup, rounds, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        ResultsDirectory results = ResultsDirectory.create("placement", Clock.systemUTC());
        List<Round> measured = new ArrayList<>();
        try (TestingServer zookeeper = new TestingServer(true);
             CuratorFramework zk = ZkClients.connect(ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/"),
                     Duration.ofSeconds(30), Duration.ofSeconds(30))) {
            for (int r = 1; r <= warmup + rounds; r++) {
                String label = r <= warmup ? "warm-up " + r : "round " + (r - warmup);
                Round round = round(zk, r, agents, frameworks);
                print(label, round);
                if (r > warmup) {
                    measured.add(round);
                }
            }
        }
        summarize(measured);
        Map<String, long[]> fills = new LinkedHashMap<>();
        for (int r = 0; r < measured.size(); r++) {
            fills.put("round " + (r + 1), measured.get(r).placedNanos());
        }
        if (!fills.isEmpty()) {
            FillChart.write(results, "placement-fill", String.format(Locale.ROOT,
                    "Placement: %,d agents x %,d frameworks, tasks placed during each fill", agents, frameworks),
                    "tasks placed", fills);
        }
    }

    private static Round round(CuratorFramework zk, int number, int agentCount, int frameworkCount)
            throws Exception {
        String root = "/placement-" + number;
        MasterInfo info = MasterInfos.create("placement-" + number, "localhost", "127.0.0.1", 5050, "1.11.0");
        ExecutorService frameworkThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "placement-frameworks");
            thread.setDaemon(true);
            return thread;
        });
        try (MasterContender contender = new MasterContender(zk, root, MesosJson.print(info).getBytes(UTF_8));
             RegistryStore store = new RegistryStore(zk, root);
             EventLoop loop = new EventLoop("placement-master");
             SystemTimers timers = new SystemTimers(loop, "placement-timers")) {
            contender.start();
            store.claimLeadership(contender.ownNodePath(), info).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            // Its frameworks share one (absent) principal: as many as asked for may register.
            MasterConfig config = MasterConfig.defaults().withMaxFrameworksPerPrincipal(
                    Math.max(MasterConfig.DEFAULT_MAX_FRAMEWORKS_PER_PRINCIPAL, frameworkCount));
            Master master = new Master(info, config, loop, timers, new HierarchicalDrfAllocator(),
                    new Random(number), Registry.of(store), AllocationTimes.unregistered());
            try {
                master.submit(() -> {
                    master.start();
                    master.setPaused(true); // the cluster is built first; the round starts when allocation resumes
                    return null;
                }).join();
                Placements placements = new Placements((long) agentCount * AGENT_CPUS);
                registerAgents(master, agentCount, placements);
                List<FirstFitFramework> frameworks = subscribeFrameworks(master, frameworkCount, frameworkThread);
                long runsBefore = master.view().join().allocationRuns();
                long cpuBefore = processCpuNanos();
                long start = System.nanoTime();
                master.execute(() -> master.setPaused(false));
                long end = placements.full.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
                long runs = master.view().join().allocationRuns() - runsBefore;
                long[] perFramework = frameworks.stream().mapToLong(f -> placements.of(f.id().getValue())).toArray();
                long[] placedNanos = Arrays.stream(placements.times.snapshot()).map(at -> at - start).toArray();
                return new Round(placements.total(), (end - start) / 1e9, cpuSeconds,
                        frameworks.stream().mapToLong(f -> f.offers.sum()).sum(),
                        frameworks.stream().mapToLong(f -> f.accepts.sum()).sum(),
                        frameworks.stream().mapToLong(f -> f.declines.sum()).sum(), runs,
                        Arrays.stream(perFramework).min().orElse(0), Arrays.stream(perFramework).max().orElse(0),
                        placedNanos);
            } finally {
                master.close();
                frameworkThread.shutdownNow();
            }
        }
    }

    private static void registerAgents(Master master, int count, Placements placements) {
        List<CompletableFuture<Void>> registered = new ArrayList<>(count);
        List<org.apache.mesos.v1.Protos.Resource> resources = ResourceSet.parse(AGENT_RESOURCES).toList();
        for (int i = 0; i < count; i++) {
            AgentInfo agent = AgentInfo.newBuilder().setHostname("placement-agent-" + i).setPort(5051)
                    .addAllResources(resources).build();
            AgentCall.Register register = new AgentCall.Register(AgentProtocol.VERSION, agent, List.of(), List.of());
            String stream = "agent-stream-" + i;
            registered.add(master.submit(() -> master.agents().register(register,
                    agentId -> new CountingAgent(stream, placements))).thenCompose(durable -> durable));
        }
        CompletableFuture.allOf(registered.toArray(CompletableFuture[]::new)).join();
    }

    private static List<FirstFitFramework> subscribeFrameworks(Master master, int count, ExecutorService thread) {
        List<FirstFitFramework> frameworks = new ArrayList<>(count);
        List<CompletableFuture<Void>> subscribed = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            FirstFitFramework framework = new FirstFitFramework("placement-f" + i, master, thread);
            frameworks.add(framework);
            Call subscribe = Call.newBuilder().setType(Call.Type.SUBSCRIBE).setSubscribe(Call.Subscribe.newBuilder()
                    .setFrameworkInfo(FrameworkInfo.newBuilder().setUser("placement").setName(framework.name())))
                    .build();
            subscribed.add(master.submit(() -> master.frameworks().subscribe(subscribe, Optional.empty(),
                    frameworkId -> framework)).thenCompose(durable -> durable));
        }
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).join();
        return frameworks;
    }

    private static void print(String label, Round round) {
        System.out.printf("%s: %,d tasks in %.3f s: %,.0f tasks/s; CPU %.2f s; %,d offers, %,d ACCEPTs, %,d DECLINEs,"
                        + " %,d allocation cycles; tasks per framework %d-%d (%s)%n", label, round.tasks(),
                round.seconds(), round.tasksPerSecond(), round.cpuSeconds(), round.offers(), round.accepts(),
                round.declines(), round.allocationRuns(), round.fewest(), round.most(),
                round.fair() ? "equal within one task" : "NOT equal within one task");
    }

    private static void summarize(List<Round> measured) {
        if (measured.isEmpty()) {
            return;
        }
        double[] rates = measured.stream().mapToDouble(Round::tasksPerSecond).sorted().toArray();
        System.out.printf("placement: %d measured rounds: median %,.0f tasks/s (min %,.0f, max %,.0f); every round"
                        + " fair: %s%n", rates.length, rates[rates.length / 2], rates[0], rates[rates.length - 1],
                measured.stream().allMatch(Round::fair));
    }

    private static int option(String[] args, String name, int fallback) {
        String prefix = "--" + name + "=";
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return Integer.parseInt(arg.substring(prefix.length()));
            }
        }
        return fallback;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
