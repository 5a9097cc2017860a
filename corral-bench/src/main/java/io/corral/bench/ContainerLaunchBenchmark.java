package io.corral.bench;

import io.corral.agent.containerizer.ContainerExit;
import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.containerizer.RunningContainer;
import io.corral.agent.containerizer.SpawnMechanism;
import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.protocol.resources.ResourceSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Resource;

/**
 * The containerizer alone, no master, no agent loop: {@code ProcessContainerizer.launch} of a {@code true} task of 0.1
 * cpus and 32 MB from {@code threads} threads at once, {@code launches} per round, each in a cgroup of its own with
 * those limits ({@code cgroups/cpu,cgroups/mem,cgroups/pids}) where this process may write cgroups, unless
 * {@code BENCH_ISOLATION=none}. Prints per round the launches per second (first call to last return), the time until
 * every task's exit was known, the launch call's p50/p99, and the CPU per launch of this JVM and every process it
 * started (its own CPU and its reaped children's, plus that of its children still alive, e.g. the launcher server
 * with the launchers it reaped), from {@code /proc}. Then the same number of spawns of this machine's own limit
 * ({@link SpawnBaseline}: plain Java starting {@code true} in a fresh cgroup), and the containerizer's rate as a
 * share of it.
 *
 * <p>Usage: {@code bench/container-launch [launches] [threads] [rounds]} (defaults 400, 4, 3; round 0 warms up).
 */
public final class ContainerLaunchBenchmark {

    private static final CommandInfo TRUE = CommandInfo.newBuilder().setValue("true").build();
    private static final List<Resource> TASK_RESOURCES = ResourceSet.parse("cpus:" + SpawnBaseline.TASK_CPUS
            + ";mem:" + SpawnBaseline.TASK_MEMORY_MB).toList();
    /** USER_HZ: the unit of /proc's CPU times on every Linux the agent runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private ContainerLaunchBenchmark() {}

    public static void main(String[] args) throws Exception {
        int launches = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        SpawnMechanism.preferVfork(); // as the agent does
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(1);
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        Path root = Files.createTempDirectory("corral-container-launch");
        List<String> isolation = BenchSupport.isolation();
        String cgroupRoot = "corral-bench-" + ProcessHandle.current().pid();
        ProcessContainerizer containerizer = new ProcessContainerizer(timers, IsolationOptions.of(isolation)
                .build(Cgroups.DEFAULT_MOUNT, cgroupRoot, root.resolve("disk"), null));
        System.out.printf("%d launches of `true` per round from %d threads, isolation %s%n", launches, threads,
                isolation.isEmpty() ? "none" : String.join(",", isolation));
        double best = 0;
        try {
            for (int round = 0; round < rounds; round++) {
                best = Math.max(best, runRound(containerizer, callers, root, round, launches));
            }
            SpawnBaseline baseline = new SpawnBaseline(isolation.isEmpty() ? null
                    : Cgroups.detect(Cgroups.DEFAULT_MOUNT, cgroupRoot + "-baseline"));
            double limit = runBaseline(baseline, callers, launches);
            System.out.printf("the containerizer's best round: %.0f launches/s, %.0f%% of this machine's limit%n",
                    best, 100 * best / limit);
        } finally {
            containerizer.close();
            containerizer.releaseIsolation();
            callers.shutdownNow();
            timers.shutdownNow();
            deleteRecursively(root);
        }
    }

    /** Two rounds of the baseline (the first warms up); returns the second's spawns per second. */
    private static double runBaseline(SpawnBaseline baseline, ExecutorService callers, int spawns) throws Exception {
        double perSecond = 0;
        for (int round = 0; round < 2; round++) {
            double cpuBefore = treeCpuSeconds();
            double seconds = baseline.run(callers, "b" + round + "-", spawns);
            perSecond = spawns / seconds;
            System.out.printf("baseline-%d%s, %s: %d spawns in %.2f s (%.0f/s); CPU %.1f ms per spawn%n", round,
                    round == 0 ? " (warm-up)" : "", baseline.describe(), spawns, seconds, perSecond,
                    (treeCpuSeconds() - cpuBefore) * 1000 / spawns);
        }
        baseline.close();
        return perSecond;
    }

    /** Returns the round's launches per second. */
    private static double runRound(ProcessContainerizer containerizer, ExecutorService callers, Path root, int round,
                                   int launches) throws Exception {
        double cpuBefore = treeCpuSeconds();
        long start = System.nanoTime();
        List<Future<Long>> calls = new ArrayList<>();
        List<CompletableFuture<ContainerExit>> exits = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < launches; i++) {
            String id = "r" + round + "-" + i;
            calls.add(callers.submit(() -> {
                long callStart = System.nanoTime();
                RunningContainer container = containerizer.launch(new ContainerSpec(id, id, "bench", id, TRUE,
                        root.resolve(id).resolve("sandbox"), root.resolve(id).resolve("run"), Map.of(),
                        TASK_RESOURCES));
                exits.add(container.exit());
                return System.nanoTime() - callStart;
            }));
        }
        long[] nanos = new long[launches];
        for (int i = 0; i < launches; i++) {
            nanos[i] = calls.get(i).get(5, TimeUnit.MINUTES);
        }
        double launched = (System.nanoTime() - start) / 1e9;
        CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.MINUTES);
        double ended = (System.nanoTime() - start) / 1e9;
        double cpu = treeCpuSeconds() - cpuBefore;
        Arrays.sort(nanos);
        System.out.printf("round-%d%s: %d launches in %.2f s (%.0f/s), every exit known after %.2f s; launch p50 %.1f"
                        + " ms, p99 %.1f ms; CPU %.1f ms per launch%n", round, round == 0 ? " (warm-up)" : "",
                launches, launched, launches / launched, ended, nanos[launches / 2] / 1e6,
                nanos[launches * 99 / 100] / 1e6, cpu * 1000 / launches);
        return launches / launched;
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** CPU seconds of this JVM, its reaped children, and its live children with theirs. */
    private static double treeCpuSeconds() {
        long ticks = cpuTicks(ProcessHandle.current().pid());
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            ticks += cpuTicks(child.pid());
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** utime + stime + cutime + cstime of a process; 0 when it is gone. */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // fields[0] is field 3 (state): utime..cstime are fields 14..17
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
                    + Long.parseLong(fields[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
