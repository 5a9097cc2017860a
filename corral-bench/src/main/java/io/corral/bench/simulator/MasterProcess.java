package io.corral.bench.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SimulatorMaster} child JVM: started with this JVM's class path, killed with SIGKILL for a failover (a
 * {@code kill -9}: no clean ZooKeeper close, so its session must expire before another master leads). Its log goes
 * to a file.
 *
 * <p>Threading: one caller at a time (the simulator's main thread).
 */
final class MasterProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final int port;

    private MasterProcess(String name, Process process) throws IOException {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = out.readLine();
        List<String> before = new ArrayList<>();
        while (line != null && !line.startsWith("PORT ")) { // JVM flags may print first (a JFR recording's start)
            before.add(line);
            line = out.readLine();
        }
        if (line == null) {
            process.destroyForcibly();
            throw new IOException(name + " did not start (printed " + before + "); see its log");
        }
        this.port = Integer.parseInt(line.substring("PORT ".length()).strip());
    }

    /** Starts a master with {@code heap} (e.g. "2g") on {@code zkUrl}; returns once it serves HTTP. */
    static MasterProcess start(String name, String zkUrl, Duration zkSession, String heap, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseParallelGC"); // the heap used after a full GC is what is measured: no G1 regions to pad it
        String extra = System.getenv("MASTER_JAVA_OPTS"); // e.g. a JFR recording of the master, to profile it
        if (extra != null && !extra.isBlank()) {
            command.addAll(java.util.List.of(extra.trim().split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SimulatorMaster.class.getName());
        command.add(zkUrl);
        command.add(Long.toString(zkSession.toMillis()));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new MasterProcess(name, process);
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** The master's heap in use after a full GC, in bytes. */
    long heapAfterGc() throws IOException {
        in.println("heap");
        String line = out.readLine();
        if (line == null || !line.startsWith("HEAP ")) {
            throw new IOException(name + " answered " + line + " to heap");
        }
        return Long.parseLong(line.substring("HEAP ".length()).strip());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL without waiting (a shutdown hook's last resort). */
    void destroy() {
        process.destroyForcibly();
    }

    /** SIGKILL, as {@code kill -9}; waits until the process is gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            in.close(); // it exits when its standard input ends
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
