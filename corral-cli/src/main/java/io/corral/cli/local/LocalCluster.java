package io.corral.cli.local;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A whole Corral cluster on this machine: starts the ZooKeeper servers, then (once they serve) the masters and
 * agents, follows the leading master, keeps {@code cluster.json} and the {@link LocalRegistry} record current, tells
 * the user what happens, and stops everything on {@link #stop()}.
 *
 * <p>Threading: all state lives on one single-threaded loop, shared with the {@link Supervisor}; the leader feed's
 * callbacks are handed over to it. {@link #start()}, {@link #ready()} and {@link #stop()} may be called from any
 * thread; {@code stop} blocks until every process is gone.
 */
public final class LocalCluster {
    /** How long a process gets to exit after SIGTERM before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final LocalTopology topology;
    private final Path workDir;
    private final LocalRegistry registry;
    private final LeaderFeed.Factory leaderFeeds;
    private final PrintStream out;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final Supervisor supervisor;
    private final Instant startedAt;
    private final long pid = ProcessHandle.current().pid();
    private final CompletableFuture<String> firstLeader = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    // Confined to the loop.
    private List<ProcessStatus> statuses = List.of();
    private String state = "STARTING";
    private String leaderUrl;
    private LeaderFeed leaderFeed;
    private boolean serversStarted;
    private String lastProgress = "";
    private boolean stopping;

    public LocalCluster(LocalTopology topology, Path workDir, ChildLauncher launcher, ReadinessProbe readiness,
                        RestartBackoff backoff, LeaderFeed.Factory leaderFeeds, LocalRegistry registry,
                        PrintStream out, Clock clock) {
        this.topology = topology;
        this.workDir = workDir;
        this.registry = registry;
        this.leaderFeeds = leaderFeeds;
        this.out = out;
        this.clock = clock;
        this.startedAt = clock.instant();
        this.loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "corral-local");
            thread.setDaemon(true);
            return thread;
        });
        this.supervisor = new Supervisor(loop, launcher, readiness, backoff, clock, this::processChanged);
    }

    /** Starts the ZooKeeper servers; the rest follows once they serve. */
    public void start() {
        try {
            Files.createDirectories(workDir.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the work directory " + workDir, e);
        }
        loop.execute(() -> {
            writeClusterFile();
            publishRecord();
            out.println("Starting " + describeSize() + " in " + workDir);
            topology.zooKeepers().forEach(supervisor::start);
        });
    }

    /** Completes with the first leader's URL once it serves. */
    public CompletableFuture<String> ready() {
        return firstLeader;
    }

    /** Completes once {@link #stop()} has finished. */
    public CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Stops agents, then masters, then ZooKeeper, each with its descendants. Idempotent; blocks until done. */
    public void stop() {
        CompletableFuture<Void> stopping = CompletableFuture.supplyAsync(this::beginStop, loop)
                .thenCompose(first -> first
                        ? supervisor.stopAll(LocalTopology.stopOrder(), STOP_GRACE)
                                .thenRunAsync(this::finishStop, loop)
                        : stopped);
        try {
            stopping.get(STOP_GRACE.toSeconds() * 3 + 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            out.println("Could not stop cleanly: " + e);
        }
        loop.shutdown();
    }

    private boolean beginStop() {
        if (stopping) {
            return false;
        }
        stopping = true;
        state = "STOPPING";
        out.println("Stopping agents, then masters, then ZooKeeper...");
        if (leaderFeed != null) {
            leaderFeed.close();
        }
        writeClusterFile();
        return true;
    }

    private void finishStop() {
        state = "STOPPED";
        leaderUrl = null;
        writeClusterFile();
        registry.remove(pid);
        out.println("Stopped. Logs are in " + workDir.resolve("logs"));
        stopped.complete(null);
    }

    private void processChanged(ProcessStatus changed, List<ProcessStatus> all, String event) {
        statuses = all;
        writeClusterFile();
        if (stopping) {
            return;
        }
        if (!serversStarted && allUp(topology.zooKeepers())) {
            startServers();
        }
        if (firstLeader.isDone()) {
            reportEvent(changed, event);
        } else {
            reportProgress();
        }
    }

    private void startServers() {
        serversStarted = true;
        topology.masters().forEach(supervisor::start);
        topology.agents().forEach(supervisor::start);
        leaderFeed = leaderFeeds.open(topology.zkUrl(), leader -> loop.execute(() -> leaderChanged(leader)));
    }

    private void leaderChanged(Optional<String> address) {
        if (stopping) {
            return;
        }
        leaderUrl = address.map(a -> "http://" + a + "/").orElse(null);
        writeClusterFile();
        publishRecord();
        if (address.isEmpty()) {
            out.println("Leader: none (waiting for an election)");
            return;
        }
        out.println("Leader: " + leaderUrl + " (" + masterName(address.get()) + ")");
        if (!firstLeader.isDone()) {
            state = "RUNNING";
            writeClusterFile();
            out.println("ZooKeeper: " + topology.zkUrl());
            out.printf("Ready in %.1fs. Logs: %s   Status: corral local status --work-dir %s%n",
                    elapsedSeconds(), workDir.resolve("logs"), workDir);
            out.println("Press Ctrl-C to stop the cluster.");
            firstLeader.complete(leaderUrl);
        }
    }

    private void reportProgress() {
        String up = namesIn(ProcessState.UP);
        String waiting = statuses.stream().filter(s -> s.state() != ProcessState.UP)
                .map(s -> s.spec().name() + (s.state() == ProcessState.BACKOFF ? " (restarting)" : ""))
                .collect(Collectors.joining(" "));
        String progress = "up: " + (up.isEmpty() ? "-" : up) + (waiting.isEmpty() ? "" : "   starting: " + waiting);
        if (serversStarted && waiting.isEmpty()) {
            progress += "   waiting for a leading master";
        }
        if (!progress.equals(lastProgress)) {
            lastProgress = progress;
            out.printf("  [%4.1fs] %s%n", elapsedSeconds(), progress);
        }
    }

    private void reportEvent(ProcessStatus changed, String event) {
        if (changed.state() == ProcessState.BACKOFF || changed.restarts() > 0) {
            out.println(changed.spec().name() + ": " + event + (changed.pid() == null ? "" : " (pid " + changed.pid() + ")"));
        }
    }

    private boolean allUp(List<ProcessSpec> specs) {
        return specs.stream().allMatch(spec -> statuses.stream()
                .anyMatch(s -> s.spec().name().equals(spec.name()) && s.state() == ProcessState.UP));
    }

    private String namesIn(ProcessState wanted) {
        return statuses.stream().filter(s -> s.state() == wanted).map(s -> s.spec().name())
                .collect(Collectors.joining(" "));
    }

    private String masterName(String address) {
        return topology.masters().stream().filter(m -> m.address().equals(address)).map(ProcessSpec::name)
                .findFirst().orElse("not started by this corral local");
    }

    private void writeClusterFile() {
        List<ClusterFile.Process> processes = new ArrayList<>();
        for (ProcessSpec spec : topology.all()) {
            Optional<ProcessStatus> status = statuses.stream().filter(s -> s.spec().name().equals(spec.name()))
                    .findFirst();
            processes.add(new ClusterFile.Process(spec.role(), spec.name(),
                    status.map(ProcessStatus::pid).orElse(null), spec.address(), spec.logFile().toString(),
                    status.map(ProcessStatus::restarts).orElse(0),
                    status.map(s -> s.state().name()).orElse("NOT_STARTED")));
        }
        new ClusterFile(ClusterFile.FORMAT_VERSION, pid, workDir.toString(), startedAt.toString(), state,
                topology.zkUrl(), leaderUrl, processes).writeTo(ClusterFile.in(workDir));
    }

    private void publishRecord() {
        registry.publish(new LocalClusterRecord(pid, workDir.toString(), topology.zkUrl(), leaderUrl,
                startedAt.toString()));
    }

    private String describeSize() {
        return String.format("a local cluster: %d ZooKeeper server%s, %d master%s, %d agent%s",
                topology.zooKeepers().size(), plural(topology.zooKeepers()), topology.masters().size(),
                plural(topology.masters()), topology.agents().size(), plural(topology.agents()));
    }

    private static String plural(List<?> list) {
        return list.size() == 1 ? "" : "s";
    }

    private double elapsedSeconds() {
        return Duration.between(startedAt, clock.instant()).toMillis() / 1000.0;
    }
}
