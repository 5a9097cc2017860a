package io.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.agent.AgentServer;
import io.corral.bench.charts.EventTimes;
import io.corral.bench.charts.ResultsDirectory;
import io.corral.bench.charts.ThroughputChart;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.SchedulerListener;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * An agent restarted under N running tasks (issue 8: "restart with 1,000 running tasks"): one framework launches N
 * long {@code sleep} tasks (0.01 cpu, 8 MB each, in their cgroups when the machine has them) on one agent; the agent
 * is stopped without killing them and started again on the same work dir. Reports:
 * <ul>
 *   <li>the heap that N running tasks cost this JVM (master and agent together, after a full GC) and the resident
 *       memory of the tasks' launchers, the only process Corral keeps per task;</li>
 *   <li>how long the new agent takes to recover its checkpoints and containers ({@code AgentServer.start}), and until
 *       the master lists the agent active again with all N tasks TASK_RUNNING;</li>
 *   <li>whether any task was lost: the framework must hear no terminal update, and the master must list exactly N
 *       running tasks.</li>
 * </ul>
 * The agent restarts inside this JVM, so its tasks' launchers stay this JVM's children; a real agent's launchers
 * outlive it as orphans. Recovery finds them the same way (pid, start time, cgroup).
 *
 * <p>The launch phase is drawn as {@code agent-restart-launch-throughput.png} (tasks reaching TASK_RUNNING per
 * second), with its CSV, in the directory {@link ResultsDirectory} picks ({@code BENCH_RESULTS}).
 *
 * <p>Usage: {@code bench/agent-restart [tasks]} (default 1000).
 *
 * <p>Threading: the scheduler client calls back on its reader thread; the main thread waits and polls the master.
 */
public final class AgentRestartBenchmark {
    private static final double TASK_CPUS = 0.01;
    private static final double TASK_MEM = 8;
    private static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(15);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        String resources = String.format("cpus:%.2f;mem:%d;disk:10000", tasks * TASK_CPUS + 1, tasks * 8 + 1024);
        List<String> isolation = BenchSupport.isolation();
        Path workDir = Files.createTempDirectory("corral-restart");
        ResultsDirectory results = ResultsDirectory.create("agent-restart", Clock.systemUTC());
        try (TestingServer zookeeper = new TestingServer(true)) {
            ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
            MasterServer master = MasterServer.start(MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0,
                    Duration.ofSeconds(10), MasterConfig.defaults()), () -> { });
            String url = "http://127.0.0.1:" + master.port();
            long heapBefore = heapAfterGc();
            AgentServer agent = startAgent(zk, workDir, resources, isolation);
            SleepingFramework framework = new SleepingFramework(tasks);
            FrameworkInfo info = FrameworkInfo.newBuilder().setUser(System.getProperty("user.name"))
                    .setName("agent-restart").setFailoverTimeout(3600).build();
            try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(url), info, framework)
                    .encoding(Encoding.PROTOBUF).autoAcknowledge(true).build()) {
                framework.client = client;
                System.out.printf("one agent (%s), isolation %s, %d running 0.01-cpu/8 MB `sleep` tasks%n",
                        resources, isolation.isEmpty() ? "none" : isolation, tasks);
                long launchStart = System.nanoTime();
                client.start();
                if (!framework.allRunning.await(LAUNCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + framework.running.size() + " of " + tasks
                            + " tasks were running after " + LAUNCH_TIMEOUT);
                }
                System.out.printf("launched: %d tasks RUNNING in %.1f s%n", tasks, seconds(launchStart));
                ThroughputChart.write(results, "agent-restart-launch-throughput", String.format(
                        "Launching %,d sleep tasks on one agent (before its restart)", tasks), launchStart,
                        Map.of("TASK_RUNNING", framework.runningAt));
                long heapRunning = heapAfterGc();
                System.out.printf("memory: %.1f KiB of heap per running task (master and agent together, after a"
                                + " full GC: %d -> %d MiB); launchers' memory: %s%n",
                        (heapRunning - heapBefore) / 1024.0 / tasks, heapBefore >> 20, heapRunning >> 20,
                        launcherMemory(workDir));

                agent.stopForRestart(); // the tasks keep running; the master is told
                long restart = System.nanoTime();
                agent = startAgent(zk, workDir, resources, isolation);
                double started = seconds(restart);
                double whole = awaitAllRunningAgain(url, tasks, restart);
                System.out.printf("restart: the agent recovered in %.2f s (start returned); the master listed it"
                                + " active with all %d tasks RUNNING %.2f s after the restart began%n",
                        started, tasks, whole);
                System.out.printf("lost: %d terminal updates heard by the framework during the restart%n",
                        framework.ended.get());
                client.teardown().get(60, TimeUnit.SECONDS);
            } finally {
                agent.stop(true);
                master.close();
            }
        }
    }

    private static AgentServer startAgent(ZkUrl zk, Path workDir, String resources, List<String> isolation)
            throws Exception {
        return AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0, workDir.resolve("agent"),
                resources, Duration.ofSeconds(10), Duration.ofSeconds(45), isolation));
    }

    /** Polls {@code /master/state} until one active agent runs {@code tasks} RUNNING tasks; seconds since start. */
    private static double awaitAllRunningAgain(String url, int tasks, long since) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url + "/master/state"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode state = JSON.readTree(response.body());
            int active = 0;
            for (JsonNode agent : state.path("slaves")) {
                active += agent.path("active").asBoolean() ? 1 : 0;
            }
            int running = 0;
            for (JsonNode framework : state.path("frameworks")) {
                for (JsonNode task : framework.path("tasks")) {
                    running += task.path("state").asText().equals("TASK_RUNNING") ? 1 : 0;
                }
            }
            if (active == 1 && running == tasks) {
                return seconds(since);
            }
            last = active + " active agents, " + running + " running tasks";
            TimeUnit.MILLISECONDS.sleep(50); // a polling interval of the benchmark, not a test's wait
        }
        throw new IllegalStateException("after " + RECOVERY_TIMEOUT + " the master lists " + last);
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * The memory of the per-task launchers, found by the {@code launcher.pid} of every run directory under the agent's
     * work dir (whichever launcher server started them): how many run, the resident set of one ({@code VmRSS}, which
     * counts the C library's pages every launcher shares) and the mean proportional set ({@code Pss}: shared pages
     * divided among their sharers), the memory a launcher really adds.
     */
    private static String launcherMemory(Path workDir) {
        List<Long> pids;
        try (Stream<Path> files = Files.walk(workDir)) {
            pids = files.filter(file -> file.getFileName().toString().equals("launcher.pid"))
                    .map(AgentRestartBenchmark::launcherPid).filter(pid -> pid > 0)
                    .filter(pid -> Files.exists(Path.of("/proc", Long.toString(pid)))).toList();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
        if (pids.isEmpty()) {
            return "no launcher found";
        }
        long pssSum = pids.stream().mapToLong(pid -> procKib(pid, "smaps_rollup", "Pss:")).sum();
        return String.format("%d launchers; one's VmRSS %d KiB, mean Pss %d KiB", pids.size(),
                procKib(pids.get(0), "status", "VmRSS:"), pssSum / pids.size());
    }

    private static long launcherPid(Path record) {
        try {
            return Long.parseLong(Files.readString(record).trim().split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A "{@code Name: N kB}" line of {@code /proc/<pid>/<file>}, in KiB; 0 when unreadable. */
    private static long procKib(long pid, String file, String name) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), file)).stream()
                    .filter(line -> line.startsWith(name)).findFirst()
                    .map(line -> Long.parseLong(line.substring(name.length()).replace("kB", "").strip()))
                    .orElse(0L);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }


    /** Packs offers with {@code sleep 3600} tasks until {@code count} are launched; counts RUNNING and ends. */
    private static final class SleepingFramework implements SchedulerListener {
        final int count;
        final CountDownLatch allRunning = new CountDownLatch(1);
        final Set<String> running = ConcurrentHashMap.newKeySet();
        /** When each task first reached TASK_RUNNING. */
        final EventTimes runningAt = new EventTimes();
        final AtomicInteger ended = new AtomicInteger();
        volatile SchedulerClient client;
        int launched;

        SleepingFramework(int count) {
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
                List<TaskInfo> batch = BenchSupport.tasks(offer, "sleep-", launched, fit, "sleep 3600", TASK_CPUS,
                        TASK_MEM);
                launched += fit;
                BenchSupport.launch(client, offer, batch);
                if (launched >= count) {
                    client.suppress();
                }
            }
        }


        @Override
        public void update(TaskStatus status) {
            String id = status.getTaskId().getValue();
            if (status.getState() == TaskState.TASK_RUNNING && running.add(id)) {
                runningAt.record(System.nanoTime());
                if (running.size() == count) {
                    allRunning.countDown();
                }
            }
            switch (status.getState()) {
                case TASK_RUNNING, TASK_STARTING, TASK_STAGING -> { }
                default -> {
                    ended.incrementAndGet();
                    System.err.printf("%s %s: %s%n", id, status.getState(), status.getMessage());
                }
            }
        }
    }

    private AgentRestartBenchmark() {
    }
}
