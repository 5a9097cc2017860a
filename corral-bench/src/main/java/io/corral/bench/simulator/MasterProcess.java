package io.corral.bench.simulator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link SimulatorMaster} child JVM, killed with SIGKILL for a failover (a {@code kill -9}: no clean ZooKeeper
 * close, so its session must expire before another master leads). Its log goes to a file.
 *
 * <p>Threading: one caller at a time (the simulator's main thread).
 */
final class MasterProcess implements AutoCloseable {
    private final ChildJvm jvm;
    private final int port;

    private MasterProcess(ChildJvm jvm) {
        this.jvm = jvm;
        this.port = Integer.parseInt(jvm.readyValue());
    }

    /**
     * Starts a master with {@code heap} (e.g. "2g") on {@code zkUrl}; returns once it serves HTTP. MASTER_JAVA_OPTS
     * adds JVM flags (e.g. a JFR recording of the master, to profile it).
     */
    static MasterProcess start(String name, String zkUrl, Duration zkSession, String heap, Path log)
            throws IOException {
        // G1, as `corral master` runs with the JVM's defaults, and with bin/corral's one option for a master:
        // survivors of a young collection promoted at once. The parallel collector, used here before to measure
        // the heap without G1's region padding, paused the master for 1.2-1.8 s (young) and 4.1 s (full) while
        // 10,000 agents registered on these 2 cores, and the master's 5 s ZooKeeper session expired. The heap is
        // fixed and touched at start, as CORRAL_MASTER_HEAP gives `corral master`: growing into fresh pages took a
        // sixth of the leader's CPU during a million-task launch (every master's JVM commits all of it). In huge pages
        // where the kernel offers them, as bin/corral maps such a heap.
        List<String> flags = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch",
                "-XX:+UseG1GC", "-XX:MaxTenuringThreshold=0"));
        if (hugePagesOffered()) {
            flags.add("-XX:+UseTransparentHugePages");
        }
        return new MasterProcess(ChildJvm.start(name, flags, "MASTER_JAVA_OPTS", SimulatorMaster.class,
                List.of(zkUrl, Long.toString(zkSession.toMillis())), log, "PORT"));
    }

    /** Whether the kernel maps a heap in transparent huge pages when asked ({@code always} or {@code madvise}). */
    static boolean hugePagesOffered() {
        try {
            String enabled = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return enabled.contains("[always]") || enabled.contains("[madvise]");
        } catch (IOException noSuchFile) { // not Linux, or a kernel without them
            return false;
        }
    }

    String name() {
        return jvm.name();
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return jvm.pid();
    }

    /** The master's heap in use after a full GC, in bytes. */
    long heapAfterGc() throws IOException {
        return Long.parseLong(jvm.ask("heap", "HEAP"));
    }

    boolean isAlive() {
        return jvm.isAlive();
    }

    /** SIGKILL without waiting (a shutdown hook's last resort). */
    void destroy() {
        jvm.destroy();
    }

    /** SIGKILL, as {@code kill -9}; waits until the process is gone. */
    void kill9() throws InterruptedException {
        jvm.kill9();
    }

    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }
}
