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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A whole Corral cluster on this machine: starts the ZooKeeper servers, masters and agents, follows the leading master, keeps {@code cluster.json} and the {@link LocalRegistry} record current, tells
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
    private final LocalSecrets secrets;
    private final LeaderFeed.Factory leaderFeeds;
    private final PrintStream out;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final Supervisor supervisor;
    private final Instant startedAt;
    private final long pid = ProcessHandle.current().pid();
    private final CompletableFuture<String> firstLeader = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final CompletableFuture<Void> rootProtected = new CompletableFuture<>();
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    // Confined to the loop.
    private List<ProcessStatus> statuses = List.of();
    private String state = "STARTING";
    private String leaderUrl;
    private LeaderFeed leaderFeed;
    private String lastProgress = "";
    private boolean stopping;

    public LocalCluster(LocalTopology topology, Path workDir, ChildLauncher launcher, ReadinessProbe readiness,
                        RestartBackoff backoff, LeaderFeed.Factory leaderFeeds, LocalRegistry registry,
                        PrintStream out, Clock clock) {
        this(topology, workDir, launcher, readiness, backoff, leaderFeeds, registry, out, clock, LocalSecrets.insecure());
    }

    public LocalCluster(LocalTopology topology, Path workDir, ChildLauncher launcher, ReadinessProbe readiness,
                        RestartBackoff backoff, LeaderFeed.Factory leaderFeeds, LocalRegistry registry,
                        PrintStream out, Clock clock, LocalSecrets secrets) {
        this.secrets = secrets;
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

    /** Starts every process and returns; {@link #ready()} tells when a leader serves. */
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
            out.println(secrets.isInsecure()
                    ? "INSECURE: --insecure was given; anyone on this machine can act as any framework, agent or"
                    + " operator"
                    : "Credentials in " + workDir.resolve("secrets") + " (operator.json is what corral commands"
                    + " here use; framework.json and framework-2.json are for frameworks)");
            secrets.tlsCa().ifPresent(ca -> out.println("TLS: every master and agent serves HTTPS only, ZooKeeper"
                    + " serves TLS only; their CA is " + ca + " (corral commands here trust it by themselves;"
                    + " others: --tls-ca and --zk-tls-ca, or CORRAL_TLS_CA and CORRAL_ZK_TLS_CA)"));
            // All at once: JVM start-up is most of the wait, and masters and agents keep retrying ZooKeeper until
            // its quorum serves. Starting them only after ZooKeeper serves made start-up about twice as slow.
            topology.all().forEach(supervisor::start);
            leaderFeed = leaderFeeds.open(topology.zkUrl(), leader -> loop.execute(() -> leaderChanged(leader)));
            if (secrets.isInsecure()) {
                rootProtected.complete(null);
            } else {
                RootZnodeGuard.start(io.corral.zookeeper.ZkUrl.parse(secrets.zkArgument(topology.zkUrl()))
                        .withTls(secrets.zkTls())).done().whenComplete((ok, error) -> {
                            if (error == null) {
                                rootProtected.complete(null);
                            } else {
                                rootProtected.completeExceptionally(error);
                            }
                        });
            }
        });
    }

    /**
     * Completes once the root znode {@code /} of the ensemble is closed to everyone but Corral ({@link RootZnodeGuard}),
     * at once for an {@code --insecure} cluster, whose ZooKeeper stays open.
     */
    public CompletableFuture<Void> rootProtected() {
        return rootProtected;
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
        if (stopRequested.compareAndSet(false, true)) {
            CompletableFuture.runAsync(this::beginStop, loop)
                    .thenCompose(ignored -> supervisor.stopAll(LocalTopology.stopOrder(), STOP_GRACE))
                    .thenRunAsync(this::finishStop, loop)
                    .whenComplete((ignored, error) -> {
                        loop.shutdown();
                        if (error != null) {
                            stopped.completeExceptionally(error);
                        }
                    });
        }
        try {
            stopped.get(STOP_GRACE.toSeconds() * 3 + 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            out.println("Could not stop cleanly: " + e);
        }
    }

    private void beginStop() {
        stopping = true;
        state = "STOPPING";
        out.println("Stopping agents, then masters, then ZooKeeper...");
        if (leaderFeed != null) {
            leaderFeed.close();
        }
        writeClusterFile();
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
        if (firstLeader.isDone()) {
            reportEvent(changed, event);
        } else {
            reportProgress();
        }
    }

    private void leaderChanged(Optional<String> address) {
        if (stopping) {
            return;
        }
        leaderUrl = address.map(a -> (secrets.tlsCa().isPresent() ? "https" : "http") + "://" + a + "/")
                .orElse(null);
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
        List<String> up = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        for (ProcessSpec spec : topology.all()) {
            Optional<ProcessStatus> status = statusOf(spec);
            if (status.map(s -> s.state() == ProcessState.UP).orElse(false)) {
                up.add(spec.name());
            } else {
                boolean restarting = status.map(s -> s.state() == ProcessState.BACKOFF).orElse(false);
                waiting.add(spec.name() + (restarting ? " (restarting)" : ""));
            }
        }
        String progress = "up: " + (up.isEmpty() ? "-" : String.join(" ", up))
                + (waiting.isEmpty() ? "   waiting for a leading master" : "   starting: " + String.join(" ", waiting));
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

    private Optional<ProcessStatus> statusOf(ProcessSpec spec) {
        return statuses.stream().filter(s -> s.spec().name().equals(spec.name())).findFirst();
    }

    private String masterName(String address) {
        return topology.masters().stream().filter(m -> m.address().equals(address)).map(ProcessSpec::name)
                .findFirst().orElse("not started by this corral local");
    }

    private void writeClusterFile() {
        List<ClusterFile.Process> processes = new ArrayList<>();
        for (ProcessSpec spec : topology.all()) {
            Optional<ProcessStatus> status = statusOf(spec);
            processes.add(new ClusterFile.Process(spec.role(), spec.name(),
                    status.map(ProcessStatus::pid).orElse(null), spec.address(), spec.logFile().toString(),
                    status.map(ProcessStatus::restarts).orElse(0),
                    status.map(s -> s.state().name()).orElse("NOT_STARTED")));
        }
        new ClusterFile(ClusterFile.FORMAT_VERSION, pid, workDir.toString(), startedAt.toString(), state,
                topology.zkUrl(), leaderUrl, processes).writeTo(ClusterFile.in(workDir));
    }

    private void publishRecord() {
        registry.publish(new LocalClusterRecord(pid, workDir.toString(), secrets.zkArgument(topology.zkUrl()),
                leaderUrl, startedAt.toString(), secrets.credentialOf("operator").map(Path::toString).orElse(null),
                secrets.tlsCa().map(Path::toString).orElse(null),
                secrets.zkTls().map(tls -> tls.caBundle().toString()).orElse(null)));
    }

    private String describeSize() {
        return String.format("a local cluster: %d ZooKeeper server%s, %d master%s, %d agent%s%s",
                topology.zooKeepers().size(), plural(topology.zooKeepers()), topology.masters().size(),
                plural(topology.masters()), topology.agents().size(), plural(topology.agents()),
                topology.frameworks().isEmpty() ? ""
                        : ", " + topology.frameworks().size() + " framework process" + (topology.frameworks().size() == 1
                        ? "" : "es") + " (Services: corral app, Jobs: corral job)");
    }

    private static String plural(List<?> list) {
        return list.size() == 1 ? "" : "s";
    }

    private double elapsedSeconds() {
        return Duration.between(startedAt, clock.instant()).toMillis() / 1000.0;
    }
}
