package io.corral.bench;

import io.corral.agent.containerizer.CgroupPidsIsolator;
import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * This machine's own limit, the yardstick for the containerizer: how fast plain Java starts {@code true} in a fresh
 * cgroup of its own with the same limits the agent writes (cpu, memory, pids), waits for it and removes the cgroup,
 * from the same number of threads. Without native code a process can only be put in a cgroup before its program runs
 * by a shell that joins first, so each spawn is {@code sh -c 'echo $$ > <cgroup.procs>... && exec true'}: one fork
 * and two execs, against the agent's two forks and three execs per task. Without cgroups, a plain {@code true}.
 *
 * <p>Threading: {@link #run} blocks its caller; the spawns run on the executor given.
 */
final class SpawnBaseline {
    static final double TASK_CPUS = 0.1;
    static final int TASK_MEMORY_MB = 32;

    private final Cgroups cgroups;
    private final Set<Controller> controllers;

    /** @param cgroups the cgroups to spawn into; null for plain spawns */
    SpawnBaseline(Cgroups cgroups) {
        this.cgroups = cgroups;
        this.controllers = cgroups == null ? Set.of() : controllers(cgroups);
    }

    private static Set<Controller> controllers(Cgroups cgroups) {
        Set<Controller> wanted = new LinkedHashSet<>();
        for (Controller controller : List.of(Controller.CPU, Controller.MEMORY, Controller.PIDS)) {
            if (cgroups.has(controller)) {
                wanted.add(controller);
            }
        }
        return wanted;
    }

    String describe() {
        return cgroups == null ? "plain `true`" : "`sh -c 'echo $$ > cgroup.procs && exec true'` into a fresh cgroup ("
                + controllers + ") with limits";
    }

    /** Spawns {@code count} processes from the executor's threads; returns the seconds it took. */
    double run(ExecutorService threads, String prefix, int count) throws Exception {
        long start = System.nanoTime();
        List<Future<?>> spawns = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + i;
            spawns.add(threads.submit(() -> {
                spawn(id);
                return null;
            }));
        }
        for (Future<?> spawn : spawns) {
            spawn.get(5, TimeUnit.MINUTES);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private void spawn(String id) throws IOException, InterruptedException {
        if (cgroups == null) {
            waitFor(new ProcessBuilder("true").redirectOutput(Redirect.DISCARD).start());
            return;
        }
        Set<Path> procsFiles = new LinkedHashSet<>(); // v2: one cgroup for every controller
        for (Controller controller : controllers) {
            cgroups.create(controller, id);
            procsFiles.add(cgroups.procsFile(controller, id));
        }
        limit(id);
        StringBuilder join = new StringBuilder();
        procsFiles.forEach(file -> join.append("echo $$ > ").append(file).append(" && "));
        waitFor(new ProcessBuilder("sh", "-c", join + "exec true").redirectOutput(Redirect.DISCARD).start());
        for (Controller controller : controllers) {
            cgroups.destroy(controller, id);
        }
    }

    private void limit(String id) throws IOException {
        if (controllers.contains(Controller.CPU)) {
            cgroups.setCpus(id, TASK_CPUS);
        }
        if (controllers.contains(Controller.MEMORY)) {
            cgroups.setMemoryLimit(id, (long) TASK_MEMORY_MB << 20);
        }
        if (controllers.contains(Controller.PIDS)) {
            cgroups.setPidsLimit(id, CgroupPidsIsolator.DEFAULT_LIMIT);
        }
    }

    /** Removes the baseline's own cgroups (each spawn's are gone already). */
    void close() {
        controllers.forEach(controller -> cgroups.removeRootIfEmpty(controller));
    }

    private static void waitFor(Process process) throws IOException, InterruptedException {
        if (process.waitFor() != 0) {
            throw new IOException("the spawned process failed with " + process.exitValue() + ": "
                    + new String(process.getErrorStream().readAllBytes()));
        }
    }
}
