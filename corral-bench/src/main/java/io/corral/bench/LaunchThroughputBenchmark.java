package io.corral.bench;

import io.corral.agent.AgentServer;
import io.corral.bench.charts.EventTimes;
import io.corral.bench.charts.LatencyChart;
import io.corral.bench.charts.ResultsDirectory;
import io.corral.bench.charts.ThroughputChart;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.SchedulerListener;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * Tasks per second that {@code corral run}-style launches sustain on one agent: each launch is a whole short-lived
 * framework (SUBSCRIBE, wait for an offer, ACCEPT one {@code true} task, wait for TASK_FINISHED with acknowledgements,
 * TEARDOWN), through the real scheduler API over loopback HTTP, with the task a real OS process. Several such
 * frameworks run at once ({@code concurrency}).
 *
 * <p>Usage: {@code bench/launch-throughput [launches] [concurrency]} (defaults 400 and 8); {@code BENCH_TRACE=1}
 * prints the timeline of every launch. The cluster (ZooKeeper,
 * one master, one agent) runs inside this JVM; the numbers include everything but JVM start-up. The measured run
 * also draws {@code launch-throughput-throughput.png} (launches finished per second) and
 * {@code launch-throughput-per-launch.png} (a launch's time, as percentiles), with the CSV behind each, into the
 * directory {@link ResultsDirectory} picks ({@code BENCH_RESULTS}).
 */
public final class LaunchThroughputBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final boolean TRACE = System.getenv("BENCH_TRACE") != null;

    public static void main(String[] args) throws Exception {
        int launches = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path workDir = Files.createTempDirectory("corral-bench");
        ResultsDirectory results = ResultsDirectory.create("launch-throughput", Clock.systemUTC());
        try (TestingServer zookeeper = new TestingServer(true)) {
            ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
            MasterServer master = MasterServer.start(MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0,
                    Duration.ofSeconds(2), MasterConfig.defaults()), () -> { });
            AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                    workDir.resolve("agent"), "cpus:64;mem:65536;disk:10000;ports:[31000-32000]",
                    Duration.ofSeconds(10), Duration.ofSeconds(45)));
            String url = "http://127.0.0.1:" + master.port();
            try {
                System.out.printf("warm-up: %d launches%n", Math.min(50, launches));
                run(url, Math.min(50, launches), concurrency);
                System.out.printf("measuring: %d launches, %d at a time, one agent%n", launches, concurrency);
                Result result = run(url, launches, concurrency);
                System.out.printf("%d tasks in %.2f s: %.1f tasks/s; per launch p50 %d ms, p99 %d ms%n",
                        launches, result.seconds, launches / result.seconds, result.percentile(50),
                        result.percentile(99));
                ThroughputChart.write(results, "launch-throughput-throughput", String.format(
                        "corral-run-style launches, one agent: %,d launches, %d at a time", launches, concurrency),
                        result.startNanos, Map.of("launches finished", result.ends));
                LatencyChart.write(results, "launch-throughput-per-launch", String.format(
                        "One corral-run-style launch, subscribe to teardown (%d at a time)", concurrency),
                        Map.of("per launch", result.latenciesMillis.stream().map(ms -> ms * 1_000_000).toList()));
            } finally {
                agent.stop(true);
                master.close();
            }
        }
    }

    private record Result(double seconds, List<Long> latenciesMillis, long startNanos, EventTimes ends) {
        long percentile(int p) {
            List<Long> sorted = new ArrayList<>(latenciesMillis);
            Collections.sort(sorted);
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
        }
    }

    private static Result run(String url, int launches, int concurrency) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        AtomicInteger next = new AtomicInteger();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        EventTimes ends = new EventTimes();
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            futures.add(workers.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < launches) {
                    long t0 = System.nanoTime();
                    launchOne(url, "bench-" + i);
                    long t1 = System.nanoTime();
                    latencies.add((t1 - t0) / 1_000_000);
                    ends.record(t1);
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get();
        }
        workers.shutdown();
        return new Result((System.nanoTime() - start) / 1e9, latencies, start, ends);
    }

    /** One corral-run-style framework: subscribe, launch `true`, await TASK_FINISHED, tear down. */
    private static void launchOne(String url, String name) throws Exception {
        CompletableFuture<TaskStatus> finished = new CompletableFuture<>();
        SchedulerClient[] self = new SchedulerClient[1];
        SchedulerListener listener = new SchedulerListener() {
            private boolean launched;
            final long t0 = System.nanoTime();

            @Override
            public void subscribed(FrameworkID id, MasterInfo master) {
                trace(name, "subscribed", t0);
            }

            @Override
            public void offers(List<Offer> offers) {
                for (Offer offer : offers) {
                    if (launched) {
                        self[0].decline(List.of(offer.getId()), 3600);
                        continue;
                    }
                    launched = true;
                    trace(name, "offer", t0);
                    self[0].launch(List.of(offer.getId()), List.of(task(name, offer)));
                    self[0].suppress();
                }
            }

            @Override
            public void update(TaskStatus status) {
                trace(name, status.getState().name(), t0);
                if (status.getState() == TaskState.TASK_FINISHED || status.getState() == TaskState.TASK_FAILED
                        || status.getState() == TaskState.TASK_ERROR || status.getState() == TaskState.TASK_LOST) {
                    finished.complete(status);
                }
            }
        };
        FrameworkInfo info = FrameworkInfo.newBuilder().setUser(System.getProperty("user.name"))
                .setName("bench").setFailoverTimeout(0).build();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(url), info, listener)
                .encoding(Encoding.PROTOBUF).autoAcknowledge(true).build()) {
            self[0] = client;
            client.start();
            TaskStatus status = finished.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (status.getState() != TaskState.TASK_FINISHED) {
                throw new IllegalStateException(name + " ended " + status.getState() + ": " + status.getMessage());
            }
            client.teardown().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** With BENCH_TRACE set, prints when each step of a launch happened, in ms since it started. */
    private static void trace(String launch, String step, long startNanos) {
        if (TRACE) {
            System.err.printf("%s %s +%d ms%n", launch, step, (System.nanoTime() - startNanos) / 1_000_000);
        }
    }

    private static TaskInfo task(String name, Offer offer) {
        return TaskInfo.newBuilder()
                .setName(name)
                .setTaskId(TaskID.newBuilder().setValue(name))
                .setAgentId(offer.getAgentId())
                .setCommand(CommandInfo.newBuilder().setValue("true"))
                .addAllResources(ResourceSet.parse("cpus:0.1;mem:32")
                        .withAllocationRole(offer.getAllocationInfo().getRole()).toList())
                .build();
    }
}
