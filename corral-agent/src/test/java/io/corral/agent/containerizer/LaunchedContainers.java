package io.corral.agent.containerizer;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The containers a test launched, so that its clean-up can kill what is left and wait for each launcher to be gone
 * before JUnit removes the test's directory: a launcher writes its task's exit status into the run directory after
 * the task dies, and a write racing the removal fails the test. Thread-safe (tests launch from several threads).
 */
final class LaunchedContainers {

    /** A launcher as the kernel knew it at launch: its start time tells it from a later process given its pid. */
    private record Launched(long taskPid, LauncherRecord launcher) {}

    private final List<Launched> launched = new ArrayList<>();

    RunningContainer add(RunningContainer container) {
        long pid = container.launcherPid();
        long startTicks = ProcStat.read(pid).map(ProcStat::startTicks).orElse(-1L);
        synchronized (this) {
            launched.add(new Launched(container.pid(), new LauncherRecord(pid, startTicks, ProcStat.bootId())));
        }
        return container;
    }

    /** Kills every task still running, then waits for each launcher to exit (a zombie has: it only awaits reaping). */
    void killAndAwaitLaunchers() {
        List<Launched> containers;
        synchronized (this) {
            containers = List.copyOf(launched);
        }
        containers.forEach(c -> ProcessHandle.of(c.taskPid()).ifPresent(ProcessHandle::destroyForcibly));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> containers.stream().noneMatch(c -> c.launcher().isRunning()));
    }
}
