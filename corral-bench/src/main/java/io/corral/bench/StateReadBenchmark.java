package io.corral.bench;

import io.corral.master.Maintenance;
import io.corral.master.MasterCounts;
import io.corral.master.MasterView;
import io.corral.master.http.OperatorStateJson;
import io.corral.master.http.SharedReads;
import io.corral.master.http.StateJson;
import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import io.corral.protocol.http.ResponseBody;
import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.maintenance.Protos.Schedule;

/**
 * {@code /master/state} of a large cluster under concurrent readers, without the simulator's agents and frameworks:
 * a published {@link MasterView} of {@code agents} agents and {@code tasks} running tasks (ten frameworks) is rendered
 * as the leading master renders it ({@link StateJson} on a pool of 2 reader threads, readers of the same question
 * sharing renderings through {@link SharedReads}), by 20 readers in a loop for {@code seconds} seconds.
 *
 * <p>Each rendering asks for a new view in which {@code churn} tasks changed since the last one (a status replaced),
 * as a master publishes a new view for readers after events, so only those tasks are rendered again. Prints one
 * rendering's size and time alone, then (after 5 s of the same as warm-up) the readers' latency p50/p99/max and
 * renderings per second. {@code --unshared} makes every reader render for itself, as the master did before;
 * {@code --operator} reads the operator API's {@code GET_STATE} (JSON, {@link OperatorStateJson}) instead;
 * {@code --gzip} renders for readers who take gzip, compressed as it is written, as the master answers them.
 *
 * <p>Usage: {@code bench/state-read [agents] [tasks] [seconds] [churn] [--unshared] [--operator] [--gzip]},
 * defaults 10000 100000 15 1000.
 */
public final class StateReadBenchmark {
    private static final int READERS = 20;
    private static final int FRAMEWORKS = 10;

    private StateReadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        run(args);
        System.exit(0);
    }

    /** The benchmark without leaving the JVM (the smoke test runs it tiny). */
    static void run(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        boolean unshared = false;
        boolean operator = false;
        boolean gzip = false;
        for (String arg : args) {
            switch (arg) {
                case "--operator" -> operator = true;
                case "--unshared" -> unshared = true;
                case "--gzip" -> gzip = true;
                default -> positional.add(arg);
            }
        }
        // What a reader reads: /master/state, or with --operator the operator API's GET_STATE as JSON
        boolean compressed = gzip;
        Function<MasterView, ResponseBody> render = operator
                ? view -> OperatorStateJson.getState(view, compressed)
                : view -> StateJson.render(view, Map.of(), compressed);
        int agents = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 10_000;
        int tasks = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 100_000;
        int seconds = positional.size() > 2 ? Integer.parseInt(positional.get(2)) : 15;
        int churn = positional.size() > 3 ? Integer.parseInt(positional.get(3)) : 1_000;
        ClusterViews cluster = new ClusterViews(agents, tasks);
        MasterView first = cluster.publish(0);
        long start = System.nanoTime();
        ResponseBody once = render.apply(first);
        double firstMillis = (System.nanoTime() - start) / 1e6;
        System.out.printf("state of %,d agents and %,d tasks: %,.1f MB%s; first rendering %.0f ms%n", agents, tasks,
                once.length() / 1e6, gzip ? ", compressed as it is written" : "", firstMillis);
        for (int i = 0; i < 5; i++) { // a leading master has rendered its state before: warm the JIT up likewise
            render.apply(cluster.publish(tasks));
        }
        start = System.nanoTime();
        render.apply(cluster.publish(tasks));
        double allChanged = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        render.apply(cluster.publish(churn));
        System.out.printf("one rendering, warm: %.0f ms with every task changed, %.0f ms with %,d changed%n",
                allChanged, (System.nanoTime() - start) / 1e6, churn);
        readers(cluster, render, Math.min(5, seconds), churn, unshared, false); // warm-up: the JIT compiles the steady path
        readers(cluster, render, seconds, churn, unshared, true);
    }

    private static void readers(ClusterViews cluster, Function<MasterView, ResponseBody> render, int seconds, int churn,
                                boolean unshared, boolean report) throws Exception {
        ExecutorService renderers = Executors.newFixedThreadPool(2); // as MasterServer's "master-reader" pool
        SharedReads<ResponseBody> shared = new SharedReads<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long[] renderings = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            Thread reader = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long asked = System.nanoTime();
                    Supplier<CompletableFuture<ResponseBody>> rendering = () -> CompletableFuture
                            .supplyAsync(() -> {
                                synchronized (renderings) {
                                    renderings[0]++;
                                }
                                return render.apply(cluster.publish(churn));
                            }, renderers);
                    (unshared ? rendering.get() : shared.read("state", rendering)).join();
                    latencies.add(System.nanoTime() - asked);
                }
            }, "reader-" + r);
            threads.add(reader);
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        renderers.shutdown();
        if (!report) {
            return;
        }
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("%d readers for %d s (%s, %,d tasks changed per view): %,d reads, %,d renderings"
                        + " (%.1f/s); latency p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", READERS, seconds,
                unshared ? "each renders for itself" : "shared renderings", churn, sorted.size(), renderings[0],
                renderings[0] / (double) seconds, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.get(sorted.size() - 1) / 1e6);
    }

    private static double percentile(List<Long> sorted, double p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    /**
     * The cluster's views as a master publishes them: agents and frameworks made once, tasks kept as views and
     * replaced only when they change, so an unchanged task keeps its view (and what readers derived from it).
     *
     * <p>Threading: {@link #publish} is synchronized; the views it returns are immutable.
     */
    private static final class ClusterViews {
        private final List<AgentView> agents = new ArrayList<>();
        private final List<FrameworkInfo> frameworks = new ArrayList<>();
        private final List<List<TaskView>> tasks = new ArrayList<>();
        /**
         * Each framework's used resources, as the master's framework keeps them: summed once here, since a change of
         * status does not change them (the master's tally changes when a task starts or ends).
         */
        private final List<ResourceSet> allocated = new ArrayList<>();
        private final MasterInfo master = MasterInfo.newBuilder().setId("bench-master").setIp(0x7f000001)
                .setPort(5050).setHostname("localhost").setVersion("corral").setPid("master@127.0.0.1:5050").build();
        private long version;
        private int nextChange;

        ClusterViews(int agentCount, int taskCount) {
            ResourceSet total = ResourceSet.parse("cpus:32;mem:131072;disk:100000;ports:[31000-32000]");
            for (int a = 0; a < agentCount; a++) {
                AgentInfo info = AgentInfo.newBuilder().setId(AgentID.newBuilder().setValue("agent-" + a))
                        .setHostname("host-" + a).setPort(5051).addAllResources(total.toList()).build();
                agents.add(new AgentView(info, total, ResourceSet.empty(), ResourceSet.empty(), true, 0,
                        1_700_000_000_000L, taskCount / Math.max(1, agentCount), false, Optional.empty()));
            }
            for (int f = 0; f < FRAMEWORKS; f++) {
                frameworks.add(FrameworkInfo.newBuilder().setId(FrameworkID.newBuilder().setValue("framework-" + f))
                        .setName("bench-" + f).setUser("nobody").setRole("*").build());
                tasks.add(new ArrayList<>());
            }
            for (int t = 0; t < taskCount; t++) {
                FrameworkInfo framework = frameworks.get(t % FRAMEWORKS);
                tasks.get(t % FRAMEWORKS).add(task(framework, t, "agent-" + (t % Math.max(1, agentCount))));
            }
            for (List<TaskView> ofFramework : tasks) {
                allocated.add(ResourceSet.sumAtMost(ofFramework.stream().map(TaskView::resources).toList()));
            }
        }

        private static TaskView task(FrameworkInfo framework, int number, String agent) {
            ResourceSet resources = ResourceSet.parse("cpus:0.1;mem:32");
            TaskInfo info = TaskInfo.newBuilder().setName("task " + number)
                    .setTaskId(TaskID.newBuilder().setValue("task-" + number))
                    .setAgentId(AgentID.newBuilder().setValue(agent)).addAllResources(resources.toList())
                    .setCommand(CommandInfo.newBuilder().setValue("sleep 3600")).build();
            List<TaskStatus> statuses = List.of(status(info, TaskState.TASK_STARTING, 1.7e9),
                    status(info, TaskState.TASK_RUNNING, 1.7e9 + 0.1));
            return new TaskView(info, framework.getId(), resources, TaskState.TASK_RUNNING, statuses, null);
        }

        /** A status as an agent sends it: with the task's executor (a command task's is named after it) and a uuid. */
        private static TaskStatus status(TaskInfo task, TaskState state, double timestamp) {
            java.util.UUID uuid = java.util.UUID.randomUUID();
            byte[] uuidBytes = java.nio.ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits()).array();
            return TaskStatus.newBuilder().setTaskId(task.getTaskId()).setAgentId(task.getAgentId()).setState(state)
                    .setExecutorId(org.apache.mesos.v1.Protos.ExecutorID.newBuilder()
                            .setValue(task.getTaskId().getValue()))
                    .setTimestamp(timestamp).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                    .setUuid(com.google.protobuf.ByteString.copyFrom(uuidBytes)).build();
        }

        /** A new view in which {@code changed} tasks got a new status (a health check's, say). */
        synchronized MasterView publish(int changed) {
            int total = tasks.stream().mapToInt(List::size).sum();
            for (int i = 0; i < changed && total > 0; i++) {
                int index = nextChange++ % total;
                List<TaskView> ofFramework = tasks.get(index % FRAMEWORKS);
                TaskView old = ofFramework.get(index / FRAMEWORKS);
                List<TaskStatus> statuses = new ArrayList<>(old.statuses());
                statuses.set(statuses.size() - 1, statuses.get(statuses.size() - 1).toBuilder()
                        .setTimestamp(1.7e9 + version).setHealthy(true).build());
                ofFramework.set(index / FRAMEWORKS, new TaskView(old.info(), old.frameworkId(), old.resources(),
                        old.state(), statuses, null));
            }
            List<FrameworkView> views = new ArrayList<>();
            for (int f = 0; f < FRAMEWORKS; f++) {
                views.add(new FrameworkView(frameworks.get(f), "*", true, 1_700_000_000_000L, tasks.get(f),
                        List.of(), List.of(), List.of(), allocated.get(f)));
            }
            return new MasterView(++version, version, master, 1_700_000_000_000L, agents, views, List.of(),
                    List.of(), MasterCounts.TaskCounters.NONE, MasterCounts.AgentCounters.NONE, 0, 0, 0, Map.of(),
                    false, new Maintenance.MaintenanceView(Schedule.getDefaultInstance(),
                    ClusterStatus.getDefaultInstance()));
        }
    }
}
