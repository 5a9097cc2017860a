package io.corral.cli.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a set of child processes running: starts them, notices when one accepts connections (UP) and when one dies
 * (for any reason, {@code kill -9} included), and restarts it with the same identity after a {@link RestartBackoff}
 * delay. {@link #stopAll} stops them in role order, each together with its descendants.
 *
 * <p>Threading: all state is confined to the single-threaded {@code loop} given to the constructor. Public methods
 * may be called from any thread; they post their work to the loop. The {@link Listener} is called on the loop.
 */
public final class Supervisor {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(200);

    /** Told about every change; called on the supervisor's loop, so it must not block for long. */
    public interface Listener {
        /** {@code changed} moved to a new state; {@code all} is every process, in start order. */
        void processChanged(ProcessStatus changed, List<ProcessStatus> all, String event);
    }

    private final ScheduledExecutorService loop;
    private final ChildLauncher launcher;
    private final ReadinessProbe readiness;
    private final RestartBackoff backoff;
    private final Clock clock;
    private final Listener listener;
    private final Map<String, Child> children = new LinkedHashMap<>();
    private boolean stopping;

    public Supervisor(ScheduledExecutorService loop, ChildLauncher launcher, ReadinessProbe readiness,
                      RestartBackoff backoff, Clock clock, Listener listener) {
        this.loop = loop;
        this.launcher = launcher;
        this.readiness = readiness;
        this.backoff = backoff;
        this.clock = clock;
        this.listener = listener;
    }

    /** Starts {@code spec} and keeps it running until {@link #stopAll}. */
    public void start(ProcessSpec spec) {
        loop.execute(() -> {
            if (stopping) {
                return;
            }
            if (children.containsKey(spec.name())) {
                throw new IllegalArgumentException("a process named " + spec.name() + " is already supervised");
            }
            Child child = new Child(spec);
            children.put(spec.name(), child);
            launch(child);
        });
    }

    /** A snapshot of every process, in start order. */
    public CompletableFuture<List<ProcessStatus>> statuses() {
        return CompletableFuture.supplyAsync(this::snapshot, loop);
    }

    /**
     * Stops every process and its descendants, role by role in {@code roleOrder} (roles not listed go last), and stops
     * restarting them. Completes when all are gone.
     *
     * @param grace how long each role's processes get to exit after SIGTERM before they are killed
     */
    public CompletableFuture<Void> stopAll(List<String> roleOrder, Duration grace) {
        return CompletableFuture.runAsync(() -> {
            stopping = true;
            children.values().forEach(Child::cancelTimers);
            for (List<Child> group : groupsInOrder(roleOrder)) {
                stopGroup(group, grace);
            }
        }, loop);
    }

    private void stopGroup(List<Child> group, Duration grace) {
        List<ProcessHandle> roots = new ArrayList<>();
        for (Child child : group) {
            if (child.process != null && child.process.isAlive()) {
                roots.add(child.process.toHandle());
            }
            changeState(child, ProcessState.STOPPING, "stopping");
        }
        List<ProcessHandle> survivors = ProcessTree.stop(roots, grace);
        if (!survivors.isEmpty()) {
            log.warn("Could not stop processes {}", survivors.stream().map(ProcessHandle::pid).toList());
        }
        for (Child child : group) {
            child.process = null;
            changeState(child, ProcessState.STOPPED, "stopped");
        }
    }

    private List<List<Child>> groupsInOrder(List<String> roleOrder) {
        List<List<Child>> groups = new ArrayList<>();
        for (String role : roleOrder) {
            groups.add(children.values().stream().filter(c -> c.spec.role().equals(role)).toList());
        }
        groups.add(children.values().stream().filter(c -> !roleOrder.contains(c.spec.role())).toList());
        return groups;
    }

    private void launch(Child child) {
        child.incarnation++;
        try {
            Process process = launcher.launch(child.spec, child.incarnation);
            child.process = process;
            child.startedAt = clock.instant();
            process.onExit().thenRunAsync(() -> exited(child, process), loop);
            changeState(child, ProcessState.STARTING, child.incarnation == 1 ? "started" : "restarted");
            probeUntilUp(child, process);
        } catch (IOException e) {
            log.warn("Cannot start {}: {}", child.spec.name(), e.getMessage());
            child.quickDeaths++;
            scheduleRestart(child, "could not start: " + e.getMessage());
        }
    }

    private void probeUntilUp(Child child, Process process) {
        child.probe = loop.schedule(() -> {
            if (child.process != process || !process.isAlive() || stopping) {
                return;
            }
            if (readiness.isUp(child.spec)) {
                changeState(child, ProcessState.UP, "up");
            } else {
                probeUntilUp(child, process);
            }
        }, PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void exited(Child child, Process process) {
        if (child.process != process || stopping) {
            return; // an older incarnation, or stopAll is taking care of it
        }
        child.process = null;
        child.cancelTimers();
        Duration uptime = Duration.between(child.startedAt, clock.instant());
        child.quickDeaths = backoff.wasStable(uptime) ? 1 : child.quickDeaths + 1;
        scheduleRestart(child, "exited with code " + process.exitValue() + " after " + uptime.toSeconds() + "s");
    }

    private void scheduleRestart(Child child, String why) {
        Duration delay = backoff.delay(Math.max(1, child.quickDeaths));
        appendToLog(child, "=== corral local: " + child.spec.name() + " " + why + "; restarting in "
                + delay.toMillis() + " ms");
        changeState(child, ProcessState.BACKOFF, why + "; restarting in " + describe(delay));
        child.restart = loop.schedule(() -> {
            if (!stopping) {
                child.restarts++;
                launch(child);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void changeState(Child child, ProcessState state, String event) {
        child.state = state;
        try {
            listener.processChanged(child.status(), snapshot(), event);
        } catch (RuntimeException e) {
            log.warn("Supervisor listener failed on {} {}", child.spec.name(), event, e);
        }
    }

    private List<ProcessStatus> snapshot() {
        return children.values().stream().map(Child::status).toList();
    }

    private static void appendToLog(Child child, String line) {
        try {
            ChildLauncher.appendLine(child.spec.logFile(), line);
        } catch (IOException e) {
            log.debug("Cannot write to {}", child.spec.logFile(), e);
        }
    }

    private static String describe(Duration delay) {
        return delay.toMillis() % 1000 == 0 ? delay.toSeconds() + "s" : delay.toMillis() + "ms";
    }

    /** The supervisor's bookkeeping for one process; touched only on the loop. */
    private static final class Child {
        final ProcessSpec spec;
        Process process;
        Instant startedAt;
        ProcessState state = ProcessState.STARTING;
        int incarnation;
        int restarts;
        int quickDeaths;
        ScheduledFuture<?> probe;
        ScheduledFuture<?> restart;

        Child(ProcessSpec spec) {
            this.spec = spec;
        }

        ProcessStatus status() {
            return new ProcessStatus(spec, process == null ? null : process.pid(), restarts, state);
        }

        void cancelTimers() {
            if (probe != null) {
                probe.cancel(false);
            }
            if (restart != null) {
                restart.cancel(false);
            }
        }
    }
}
