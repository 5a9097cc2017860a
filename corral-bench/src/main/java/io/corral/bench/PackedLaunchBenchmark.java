package io.corral.bench;

import io.corral.agent.AgentServer;
import io.corral.bench.charts.EventTimes;
import io.corral.bench.charts.LatencyChart;
import io.corral.bench.charts.ResultsDirectory;
import io.corral.bench.charts.ThroughputChart;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.SchedulerListener;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * Launch throughput of ONE agent under ONE framework that packs every offer: as many 0.01-cpu / 8 MB {@code true}
 * tasks as fit go into one ACCEPT (with a 0 s filter, so what is left is offered again at once), every update is
 * acknowledged. Real ZooKeeper (Curator's TestingServer), a real master and agent in this JVM over loopback HTTP
 * (protobuf), a real process per task, each in its own cgroups (cpu, memory, pids, and the freezer) when the
 * machine has cgroups.
 *
 * <p>Reports tasks per second from the first ACCEPT to the last TASK_FINISHED, and launch-to-TASK_RUNNING
 * (ACCEPT sent to the RUNNING update received) p50 / p99 / max. Each measured round also draws
 * {@code packed-launch-round-<n>-throughput.png} (TASK_RUNNING and TASK_FINISHED per second) and
 * {@code packed-launch-round-<n>-launch-to-running.png} (its percentiles), with the CSV behind each, into the
 * directory {@link ResultsDirectory} picks ({@code BENCH_RESULTS}).
 *
 * <p>Usage: {@code bench/packed-launch [tasks] [rounds] [agent resources]} (defaults: 2000 tasks, 2 measured rounds
 * after a 200-task warm-up, {@code cpus:4;mem:8192;disk:10000}, so up to 400 tasks run at once).
 * {@code BENCH_ISOLATION=none} runs without cgroups. With {@code BENCH_MASTER=<url>} (and {@code BENCH_CREDENTIAL=<a
 * principal's JSON credential file>} unless that master is {@code --insecure}) the framework runs against that
 * cluster instead, e.g. {@code bin/corral local} ({@code bench/local-launch}), and the agent resources argument is
 * ignored.
 *
 * <p>Threading: the scheduler client calls back on its reader thread; the main thread waits on a latch.
 */
public final class PackedLaunchBenchmark {
    private static final double TASK_CPUS = 0.01;
    private static final double TASK_MEM = 8;
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String resources = args.length > 2 ? args[2] : "cpus:4;mem:8192;disk:10000";
        ResultsDirectory results = ResultsDirectory.create("packed-launch", Clock.systemUTC());
        String external = System.getenv("BENCH_MASTER");
        if (external != null && !external.isBlank()) {
            String credentialFile = System.getenv("BENCH_CREDENTIAL");
            Optional<Credential> credential = credentialFile == null || credentialFile.isBlank() ? Optional.empty()
                    : Optional.of(Credential.read(Path.of(credentialFile)));
            System.out.printf("the cluster at %s%s, %d-task rounds of 0.01-cpu/8 MB `true` tasks%n", external,
                    credential.map(c -> " as " + c.principal()).orElse(""), tasks);
            rounds(external, credential, tasks, rounds, results);
            return;
        }
        List<String> isolation = BenchSupport.isolation();
        Path workDir = Files.createTempDirectory("corral-packed");
        try (TestingServer zookeeper = new TestingServer(true)) {
            ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
            MasterServer master = MasterServer.start(MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0,
                    Duration.ofSeconds(2), MasterConfig.defaults()), () -> { });
            AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                    workDir.resolve("agent"), resources, Duration.ofSeconds(10), Duration.ofSeconds(45),
                    isolation));
            String url = "http://127.0.0.1:" + master.port();
            try {
                System.out.printf("one agent (%s), isolation %s, %d-task rounds of 0.01-cpu/8 MB `true` tasks%n",
                        resources, isolation.isEmpty() ? "none" : isolation, tasks);
                rounds(url, Optional.empty(), tasks, rounds, results);
            } finally {
                agent.stop(true);
                master.close();
            }
        }
    }


    /** A 200-task warm-up round, then {@code rounds} measured ones, each drawn. */
    private static void rounds(String url, Optional<Credential> credential, int tasks, int rounds,
                               ResultsDirectory results) throws Exception {
        round(url, credential, "warm", Math.min(200, tasks));
        for (int r = 1; r <= rounds; r++) {
            round(url, credential, "round-" + r, tasks).draw(results);
        }
    }

    private static PackingFramework round(String url, Optional<Credential> credential, String name, int count)
            throws Exception {
        PackingFramework framework = new PackingFramework(name, count);
        FrameworkInfo info = FrameworkInfo.newBuilder().setUser(System.getProperty("user.name"))
                .setName("packed-" + name).setFailoverTimeout(0).build();
        SchedulerClient.Builder builder = SchedulerClient.builder(new FixedMasterLocator(url), info, framework)
                .encoding(Encoding.PROTOBUF).autoAcknowledge(true);
        credential.ifPresent(builder::credential);
        try (SchedulerClient client = builder.build()) {
            framework.client = client;
            client.start();
            if (!framework.done.await(ROUND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + ": only " + framework.finished.get() + " of " + count
                        + " tasks finished within " + ROUND_TIMEOUT);
            }
            framework.print();
            client.teardown().get(30, TimeUnit.SECONDS);
        }
        return framework;
    }

    /** The framework: packs offers until {@code count} tasks are launched, counts them to TASK_FINISHED. */
    private static final class PackingFramework implements SchedulerListener {
        final String name;
        final int count;
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicInteger finished = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final Map<String, Long> launchedAt = new ConcurrentHashMap<>();
        final Map<String, Long> runningAfter = new ConcurrentHashMap<>();
        final EventTimes runningAt = new EventTimes();
        final EventTimes finishedAt = new EventTimes();
        volatile SchedulerClient client;
        volatile long firstLaunch;
        volatile long lastFinished;
        int launched;
        int accepts;

        PackingFramework(String name, int count) {
            this.name = name;
            this.count = count;
        }

        @Override
        public void subscribed(FrameworkID id, MasterInfo master) {
        }

        @Override
        public void offers(List<Offer> offers) {
            for (Offer offer : offers) {
                int fit = Math.min(count - launched, BenchSupport.tasksThatFit(offer, TASK_CPUS, TASK_MEM));
                if (fit <= 0) {
                    client.decline(List.of(offer.getId()), launched >= count ? 3600 : 0);
                    continue;
                }
                List<TaskInfo> batch = BenchSupport.tasks(offer, name + "-", launched, fit, "true", TASK_CPUS,
                        TASK_MEM);
                long now = System.nanoTime();
                if (launched == 0) {
                    firstLaunch = now;
                }
                batch.forEach(task -> launchedAt.put(task.getTaskId().getValue(), now));
                launched += fit;
                accepts++;
                BenchSupport.launch(client, offer, batch);
                if (launched >= count) {
                    client.suppress();
                }
            }
        }


        @Override
        public void update(TaskStatus status) {
            String id = status.getTaskId().getValue();
            Long at = launchedAt.get(id);
            if (status.getState() == TaskState.TASK_RUNNING && at != null) {
                long now = System.nanoTime();
                if (runningAfter.putIfAbsent(id, now - at) == null) {
                    runningAt.record(now);
                }
            }
            boolean terminal = switch (status.getState()) {
                case TASK_FINISHED -> true;
                case TASK_FAILED, TASK_ERROR, TASK_LOST, TASK_KILLED, TASK_DROPPED -> {
                    failed.incrementAndGet();
                    System.err.printf("%s %s: %s%n", id, status.getState(), status.getMessage());
                    yield true;
                }
                default -> false;
            };
            if (terminal) {
                finishedAt.record(System.nanoTime());
            }
            if (terminal && finished.incrementAndGet() >= count) {
                lastFinished = System.nanoTime();
                done.countDown();
            }
        }

        void print() {
            double seconds = (lastFinished - firstLaunch) / 1e9;
            long[] running = runningAfter.values().stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("%s: %d tasks (%d failed) in %.2f s: %.1f tasks/s to TASK_FINISHED, %d ACCEPTs;"
                            + " launch-to-RUNNING p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    name, count, failed.get(), seconds, count / seconds, accepts, millis(running, 50),
                    millis(running, 99), running.length == 0 ? 0 : running[running.length - 1] / 1e6);
        }

        /** The round's throughput over time and its launch-to-RUNNING percentiles, as charts. */
        void draw(ResultsDirectory results) throws java.io.IOException {
            Map<String, EventTimes> throughput = new LinkedHashMap<>();
            throughput.put("TASK_RUNNING", runningAt);
            throughput.put("TASK_FINISHED", finishedAt);
            ThroughputChart.write(results, "packed-launch-" + name + "-throughput",
                    String.format("Packed launches, one agent: %,d tasks, %s", count, name), firstLaunch, throughput);
            LatencyChart.write(results, "packed-launch-" + name + "-launch-to-running",
                    String.format("Packed launches: ACCEPT to TASK_RUNNING, %,d tasks, %s", count, name),
                    Map.of("launch-to-RUNNING", new ArrayList<>(runningAfter.values())));
        }

        private static double millis(long[] sorted, int percentile) {
            if (sorted.length == 0) {
                return 0;
            }
            int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }

    private PackedLaunchBenchmark() {
    }
}
