package io.corral.agent.containerizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's launcher server: one long-lived process in a session of its own that forks a per-task launcher for each
 * request, so the agent JVM spawns nothing per task. Two programs speak its protocol ({@link Program}): the native
 * {@code corral-forker} ({@link NativeForker}), where a launch costs two small forks and the task's own exec, and
 * {@code corral-forker.sh} (next to this class) on {@code /bin/sh}, where it costs a fork of a shell and the execs of
 * {@code setsid}, {@code env} and the task. Both describe the per-task launcher and write the same run-directory
 * records as {@code corral-launcher.sh} ({@link LauncherRecord}), so a restarted agent recovers its containers the
 * same way, whichever started them.
 *
 * <p>The server is started at the first request, not in any container's cgroup, with an empty environment, and again
 * at the next request whenever it died (a {@code kill -9} touches no task: the per-task launchers are in their
 * own sessions). When the agent dies the server reads end-of-input and exits; its launchers run on. A request is one
 * line, "{@code <token> <run dir>}", sent once the run directory's launch file is written. The answers come back on the
 * server's stdout, shared by the server and every launcher it forked: "{@code ok}" with the launcher's pid and start
 * time and the task's pid, or "{@code fail}" with a reason, and "{@code end <token>}" once the task ended and its
 * exit status is recorded. A launch whose server died before answering is cancelled by creating
 * {@code launcher.pid} first, which the launcher creates exclusively before it starts the task: whichever comes
 * first wins, so a launch the agent gave up on never starts its task.
 *
 * <p>Threading: thread-safe. {@link #request} may be called from many threads; the server process and its request
 * pipe are guarded by {@code this}. One daemon thread per server process reads its answers and completes the
 * futures of {@link Launch}: their callbacks run there, so keep them short.
 */
final class LauncherServer {

    private static final Logger LOG = LoggerFactory.getLogger(LauncherServer.class);
    private static final String SCRIPT = ProcessContainerizer.bundledScript("corral-forker.sh");

    /**
     * Which server runs: the command that starts it and the per-task file in the run directory its launchers read.
     * The shell server ({@code corral-forker.sh}) sources {@code launch.sh} ({@link LaunchFile#render}); the native
     * one ({@link NativeForker}) reads {@code launch.args} ({@link LaunchFile#renderArgs}).
     */
    record Program(CommandLine command, String launchFile, boolean isNative) {
        /** {@code setsid}: the absolute path of util-linux's setsid, which the server starts through. */
        static Program shell(Path setsid) {
            List<String> command = List.of(setsid.toString(), TaskCommandLine.SHELL, "-c", SCRIPT, "corral-forker");
            return new Program(() -> command, "launch.sh", false);
        }

        static Program nativeForker(NativeForker forker) {
            return new Program(() -> List.of(forker.program().toString()), "launch.args", true);
        }
    }

    /** The server's command line, asked at each start (the native program may have to be installed again). */
    interface CommandLine {
        List<String> get() throws IOException;
    }

    /** What a per-task launcher answered: it started the task. */
    record Started(long launcherPid, long startTicks, long taskPid) {}

    /**
     * One request: {@code started} completes with the launcher's answer (exceptionally with an IOException when it
     * could not start the task), {@code ended} when the launcher has recorded the task's exit and is about to exit.
     * Nobody else completes {@code ended} but a caller watching the launcher another way (its pid).
     */
    record Launch(long token, CompletableFuture<Started> started, CompletableFuture<Void> ended) {}

    private record Pending(Path runDir, Process server, CompletableFuture<Started> answer) {}

    private final Program program;
    private final AtomicLong tokens = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

    // Guarded by this.
    private Process server;
    private Writer requests;

    LauncherServer(Program program) {
        this.program = program;
    }

    Program program() {
        return program;
    }

    /**
     * Asks the server (started now if it does not run) to launch what {@code runDir}'s
     * {@linkplain Program#launchFile() launch file} says.
     *
     * @throws IOException when the server cannot be started or takes no request even after a restart
     */
    Launch request(Path runDir) throws IOException {
        String dir = runDir.toAbsolutePath().toString();
        if (dir.indexOf('\n') >= 0 || dir.indexOf('\r') >= 0) {
            throw new IOException("the run directory " + dir + " has a line break, which the launcher server's"
                    + " requests cannot carry");
        }
        long token = tokens.incrementAndGet();
        CompletableFuture<Started> answer = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        running.put(token, ended);
        ended.whenComplete((ignored, error) -> running.remove(token));
        answer.whenComplete((started, error) -> {
            pending.remove(token);
            if (error != null) {
                running.remove(token);
            }
        });
        synchronized (this) {
            for (int attempt = 1; ; attempt++) {
                Process process = serverProcess();
                pending.put(token, new Pending(runDir, process, answer));
                try {
                    requests.write(token + " " + dir + "\n");
                    requests.flush();
                    break;
                } catch (IOException e) {
                    pending.remove(token);
                    LOG.warn("The launcher server (pid {}) took no request ({}); starting a new one", process.pid(),
                            e.getMessage());
                    process.destroyForcibly();
                    server = null;
                    if (attempt == 2) {
                        running.remove(token);
                        throw new IOException("the launcher server takes no requests: " + e.getMessage(), e);
                    }
                }
            }
        }
        return new Launch(token, answer, ended);
    }

    /**
     * Gives up on a launch that got no answer: creates {@code launcher.pid} before its launcher does, if it has not
     * yet. True when the launch is cancelled (its task will never start), false when the launcher got there first.
     */
    static boolean cancel(Path runDir) {
        try {
            Files.writeString(runDir.resolve(LauncherRecord.LAUNCHER_PID), "cancelled\n",
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            return true; // the run directory is gone: no launcher can start a task from it either
        }
    }

    /** The pid of the running server, -1 when none runs (for tests). */
    synchronized long pid() {
        return server != null && server.isAlive() ? server.pid() : -1;
    }

    /** Lets the server go: it reads end-of-input and exits; tasks and their launchers run on. */
    synchronized void close() {
        if (server != null) {
            try {
                requests.close();
            } catch (IOException e) {
                LOG.debug("Closing the launcher server's requests: {}", e.toString());
            }
            server = null;
        }
    }

    /** The running server, started if there is none. Holds this. */
    private Process serverProcess() throws IOException {
        if (server != null && server.isAlive()) {
            return server;
        }
        ProcessBuilder builder = new ProcessBuilder(program.command().get())
                .directory(Path.of("/").toFile())
                .redirectInput(Redirect.PIPE)
                .redirectOutput(Redirect.PIPE)
                .redirectError(Redirect.DISCARD); // each launcher's own errors go to its run dir's launcher.log
        builder.environment().clear();
        Process process = builder.start();
        server = process;
        requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> readAnswers(process), "launcher-server-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        process.onExit().thenRun(() -> serverEnded(process));
        LOG.info("Launcher server started, pid {}", process.pid());
        return process;
    }

    /** Runs on the reader thread until every holder of the server's stdout (it, its launchers) has let go. */
    private void readAnswers(Process process) {
        try (BufferedReader answers = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = answers.readLine(); line != null; line = answers.readLine()) {
                answer(line);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Reading the launcher server's answers (pid {}): {}", process.pid(), e.toString());
        }
        // Nobody can answer any more: neither the server nor a launcher it forked holds the pipe.
        pending.forEach((token, launch) -> {
            if (launch.server() == process) {
                launch.answer().completeExceptionally(new IOException("the launcher server (pid " + process.pid()
                        + ") and its launchers ended without answering"));
            }
        });
    }

    private void answer(String line) {
        String[] fields = line.split(" ", 3);
        try {
            long token = Long.parseLong(fields[1]);
            switch (fields[0]) {
                case "ok" -> {
                    String[] numbers = fields[2].split(" ");
                    complete(token, new Started(Long.parseLong(numbers[0]), Long.parseLong(numbers[1]),
                            Long.parseLong(numbers[2])));
                }
                case "fail" -> fail(token, new IOException(fields.length > 2 ? fields[2] : "the launcher failed"));
                case "end" -> {
                    CompletableFuture<Void> ended = running.get(token);
                    if (ended != null) {
                        ended.complete(null);
                    }
                }
                default -> LOG.warn("The launcher server said something unexpected: {}", line);
            }
        } catch (RuntimeException e) {
            LOG.warn("The launcher server said something unexpected: {}", line);
        }
    }

    private void complete(long token, Started started) {
        Pending launch = pending.get(token);
        if (launch != null) {
            launch.answer().complete(started);
        }
    }

    private void fail(long token, IOException error) {
        Pending launch = pending.get(token);
        if (launch != null) {
            launch.answer().completeExceptionally(error);
        }
    }

    /**
     * The server died (killed, or let go): each launch it had not answered yet is cancelled unless its launcher
     * already claimed it, whose answer then still comes (the launcher holds the answers' pipe).
     */
    private void serverEnded(Process process) {
        LOG.info("Launcher server (pid {}) ended with status {}", process.pid(), process.exitValue());
        pending.forEach((token, launch) -> {
            if (launch.server() == process && cancel(launch.runDir())) {
                launch.answer().completeExceptionally(new IOException("the launcher server (pid " + process.pid()
                        + ") ended before starting the task"));
            }
        });
    }
}
