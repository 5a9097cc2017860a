package io.corral.bench.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the simulator starts with its own class path (a master, the ZooKeeper ensemble), talked to over standard
 * streams: the child prints {@code <READY> <value>} once it serves, then answers one line per command line; it exits
 * when its standard input ends, so none outlives the simulator. Its standard error goes to a log file.
 *
 * <p>Threading: one caller at a time (the simulator's main thread).
 */
final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final String readyValue;

    private ChildJvm(String name, Process process, String ready) throws IOException {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String line = out.readLine();
        List<String> before = new ArrayList<>();
        while (line != null && !line.startsWith(ready + " ")) { // JVM flags may print first (a JFR recording's start)
            before.add(line);
            line = out.readLine();
        }
        if (line == null) {
            process.destroyForcibly();
            throw new IOException(name + " did not start (printed " + before + "); see its log");
        }
        this.readyValue = line.substring(ready.length() + 1).strip();
    }

    /**
     * Starts {@code mainClass} with {@code jvmOptions} and {@code args}; returns once it printed {@code ready}.
     * {@code extraOptionsVariable} names an environment variable whose flags are added (e.g. a JFR recording).
     */
    static ChildJvm start(String name, List<String> jvmOptions, String extraOptionsVariable, Class<?> mainClass,
                          List<String> args, Path log, String ready) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        String extra = System.getenv(extraOptionsVariable);
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        return new ChildJvm(name, process, ready);
    }

    String name() {
        return name;
    }

    /** What followed the ready word (a port, a connect string). */
    String readyValue() {
        return readyValue;
    }

    /** Sends {@code command} and returns what followed {@code answer} in the reply line. */
    String ask(String command, String answer) throws IOException {
        in.println(command);
        String line = out.readLine();
        if (line == null || !line.startsWith(answer + " ")) {
            throw new IOException(name + " answered " + line + " to " + command);
        }
        return line.substring(answer.length() + 1).strip();
    }

    long pid() {
        return process.pid();
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
