package io.corral.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral logs TASK}: prints a task's stdout (or stderr) from its sandbox, found as any Mesos client finds it:
 * the leading master's state names the task's agent, the agent's {@code /state} the sandbox directory, and the
 * agent's {@code READ_FILE} reads it. Works for finished tasks too, while the agent keeps their sandboxes. With
 * {@code -f} it follows the file until the task ends.
 */
@Command(name = "logs",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Print a task's stdout (or stderr) from its sandbox on its agent, also for a finished task.",
                "With -f, keep printing what the task writes until it ends."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:printed (with -f: the task ended)",
                "1:no such task, or its agent or sandbox is gone or cannot be reached",
                "2:bad arguments, an ambiguous task id, or no cluster found"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral logs web-1",
                "  corral logs web-1 --stderr -f",
                "  corral logs build-3f2a9c1b --framework 4f1c...-0001"})
public final class LogsCommand extends ClusterCommand implements Callable<Integer> {
    /** How often {@code -f} asks the master whether the task has ended. */
    static final Duration STATE_POLL = Duration.ofSeconds(1);

    @Parameters(index = "0", paramLabel = "TASK", description = "The task's id (see `corral ps --all`).")
    String taskId;

    @Option(names = "--stderr", description = "Print the task's stderr instead of its stdout.")
    boolean stderr;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the task ends.")
    boolean follow;

    @Option(names = "--framework", paramLabel = "ID", description = "The task's framework, when two have the id.")
    String frameworkId;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    public LogsCommand() {
    }

    LogsCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        super(locator, out, err, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        StateRead read = StateRead.of(locator, cluster, err, "logs");
        if (read.failed()) {
            return read.exitCode();
        }
        List<TaskLocation> found = TaskLocation.find(read.state(), taskId, frameworkId);
        if (found.isEmpty()) {
            err.println("corral logs: no task '" + taskId + "'" + (frameworkId != null ? " in framework "
                    + frameworkId : "") + "; see `corral ps --all`");
            return 1;
        }
        if (found.size() > 1) {
            err.println("corral logs: task '" + taskId + "' is in frameworks " + String.join(", ",
                    found.stream().map(TaskLocation::frameworkId).toList()) + "; say which with --framework");
            return 2;
        }
        TaskLocation task = found.get(0);
        if (task.agent() == null) {
            err.println("corral logs: the agent " + task.agentId() + " of task '" + taskId
                    + "' is gone from the cluster; its sandbox cannot be read");
            return 1;
        }
        String file = stderr ? "stderr" : "stdout";
        AgentClient agent = new AgentClient(task.agent(), read.authorization(), read.tls());
        try {
            BooleanSupplier ended = taskEnded(task);
            String directory = sandbox(agent, task, ended);
            if (directory == null) {
                err.println(task.isTerminal() || ended.getAsBoolean()
                        ? "corral logs: the agent at " + agent.uri() + " no longer has the sandbox of task '" + taskId
                                + "' (removed, or the agent restarted since the task ended)"
                        : "corral logs: task '" + taskId + "' has no sandbox yet (" + task.state()
                                + "); try again, or follow it with -f");
                return 1;
            }
            SandboxOutput output = new SandboxOutput(agent, directory,
                    List.of(new SandboxOutput.Target(file, out)));
            if (!follow || task.isTerminal()) {
                output.drain(false);
                return 0;
            }
            output.follow(ended);
            if (output.sawNothing()) {
                err.println("corral logs: task '" + taskId + "' ended without a " + file + " in its sandbox");
                return 1;
            }
            return 0;
        } catch (AgentClient.FileGoneException e) {
            err.println("corral logs: task '" + taskId + "' has no " + file + " on its agent any more: "
                    + e.getMessage());
            return 1;
        } catch (AgentClient.AgentUnavailableException e) {
            err.println("corral logs: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The task's sandbox, from its agent's state; with {@code -f}, a task that has not started yet is waited for
     * (backing off up to 1 s) until it has one or ends. Null when there is none.
     */
    private String sandbox(AgentClient agent, TaskLocation task, BooleanSupplier ended) throws InterruptedException {
        java.time.Duration wait = SandboxOutput.FIRST_WAIT;
        while (true) {
            boolean over = task.isTerminal() || !follow || ended.getAsBoolean(); // asked before looking
            String directory = AgentClient.sandboxOf(agent.state(), task.frameworkId(), taskId).orElse(null);
            if (directory != null || over) {
                return directory;
            }
            Thread.sleep(wait.toMillis());
            wait = wait.multipliedBy(2).compareTo(SandboxOutput.MAX_WAIT) > 0 ? SandboxOutput.MAX_WAIT
                    : wait.multipliedBy(2);
        }
    }

    /**
     * Asks the master, at most every {@link #STATE_POLL}, whether the task has ended; a master that cannot be read
     * for a moment (a failover) is not an end.
     */
    private BooleanSupplier taskEnded(TaskLocation task) {
        return new BooleanSupplier() {
            private long lastAsked = clock.millis();
            private boolean ended;

            @Override
            public boolean getAsBoolean() {
                if (ended || clock.millis() - lastAsked < STATE_POLL.toMillis()) {
                    return ended;
                }
                lastAsked = clock.millis();
                try {
                    StateRead read = StateRead.of(locator, cluster, new PrintStream(PrintStream.nullOutputStream()),
                            "logs");
                    if (!read.failed()) {
                        List<TaskLocation> now = TaskLocation.find(read.state(), taskId, task.frameworkId());
                        ended = now.isEmpty() || now.get(0).isTerminal();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ended = true;
                }
                return ended;
            }
        };
    }
}
