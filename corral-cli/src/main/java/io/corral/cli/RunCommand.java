package io.corral.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.protocol.task.TaskTransitions;
import io.corral.scheduler.MasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.SchedulerListener;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral run}: runs one command as a task on the cluster, streams its stdout and stderr to the terminal's
 * ({@link SandboxOutput}, from the task's sandbox on its agent), prints its status updates on stderr and exits with its
 * exit code. It is a small framework of its own ("corral-run") that lives as long as the task.
 */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Run a command as a task on the cluster and wait for it to finish.",
                "",
                "Waits for an offer with enough cpus and memory, launches the command there, streams its stdout "
                        + "and stderr to this terminal's (as `docker run` does), prints every status update (time, "
                        + "state, task id, agent, message) on stderr and exits with the task's exit code. The "
                        + "arguments are quoted, not interpreted by a shell: for pipes or &&, run `sh -c '...'`.",
                "The output is read from the task's sandbox on its agent; `corral logs TASK` prints it again later.",
                "Ctrl-C kills the task. A master failover does not stop the run."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:the task finished (TASK_FINISHED)",
                "N:the command exited with status N (TASK_FAILED)",
                "137:the task was killed (TASK_KILLED); 130 after Ctrl-C",
                "1:the task could not run (lost, error, no offer fit), or the master refused",
                "2:bad arguments, or no cluster found"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral run -- echo hello",
                "  corral run --name build --cpus 1 --mem 512 -- make -j2",
                "  corral run --zk zk://127.0.0.1:2181/corral -- sh -c 'date && sleep 5'",
                "  corral run --image busybox -- cat /etc/os-release"})
public final class RunCommand implements Callable<Integer> {
    static final String FRAMEWORK_NAME = "corral-run";
    static final double REFUSE_SECONDS = 3600;
    private static final Duration KILL_WAIT = Duration.ofSeconds(15);
    private static final Duration TEARDOWN_WAIT = Duration.ofSeconds(5);
    /** How long the run waits, after the task ended, for the rest of its output to be copied. */
    private static final Duration OUTPUT_WAIT = Duration.ofSeconds(15);
    private static final Pattern EXIT_STATUS = Pattern.compile("Command exited with status (\\d+)");
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    @Option(names = "--name", paramLabel = "NAME",
            description = "Task name; the task id is NAME-<random>. Default: the command's file name.")
    String name;

    @Option(names = "--cpus", paramLabel = "CPUS", defaultValue = "0.1",
            description = "CPUs for the task, fractions allowed (default: ${DEFAULT-VALUE}).")
    double cpus;

    @Option(names = "--mem", paramLabel = "MB", defaultValue = "32",
            description = "Memory for the task in MB (default: ${DEFAULT-VALUE}).")
    double mem;

    @Option(names = "--json",
            description = "Print each status update (on stderr) as one line of Mesos JSON instead of text.")
    boolean json;

    @Option(names = "--offer-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Give up when no offer fits within this many seconds (default: ${DEFAULT-VALUE}).")
    int offerTimeoutSeconds;

    @Option(names = "--image", paramLabel = "REF",
            description = "Run the command in this Docker image (ContainerInfo MESOS with a DOCKER image, e.g."
                    + " busybox, library/debian:12, registry.example.com:5000/tools:1.2); the agent pulls it itself"
                    + " (no Docker daemon) and must run with --image-providers docker. The sandbox is at"
                    + " /mnt/mesos/sandbox in the container.")
    String image;

    /** Declared after the command's own options so that they come first in --help. */
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).")
    List<String> command;

    private final ClusterLocator locator;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    public RunCommand() {
        this(new ClusterLocator(), System.out, System.err, Clock.systemDefaultZone());
    }

    RunCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        this.locator = locator;
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    @Override
    public Integer call() {
        if (!(cpus > 0) || !(mem > 0)) {
            err.println("corral run: --cpus and --mem must be positive (got cpus " + cpus + ", mem " + mem + ")");
            return 2;
        }
        if (offerTimeoutSeconds <= 0) {
            err.println("corral run: --offer-timeout must be positive (got " + offerTimeoutSeconds + ")");
            return 2;
        }
        if (image != null) {
            try {
                io.corral.agent.image.ImageReference.parse(image); // the agent's own reading of the name
            } catch (IllegalArgumentException e) {
                err.println("corral run: --image: " + e.getMessage());
                return 2;
            }
        }
        MasterLocator masters;
        ClusterLocator.Target target;
        try {
            target = locator.resolve(cluster);
            masters = locator.open(target);
        } catch (ClusterLocator.ClusterException e) {
            err.println(e.getMessage());
            return e.exitCode();
        }
        try (masters) {
            return new TaskRun(masters, target.authorization(), target.tls()).execute();
        }
    }

    // ------------------------------------------------------------------------------------ pure helpers (tested)

    /** The process exit code that mirrors the task's terminal state. */
    static int exitCode(TaskStatus status, boolean interrupted) {
        switch (status.getState()) {
            case TASK_FINISHED:
                return 0;
            case TASK_FAILED: {
                Matcher m = EXIT_STATUS.matcher(status.getMessage());
                if (m.find()) {
                    try {
                        int code = Integer.parseInt(m.group(1));
                        return code == 0 ? 1 : code; // failed is never success
                    } catch (NumberFormatException tooLarge) {
                        return 1;
                    }
                }
                return 1;
            }
            case TASK_KILLED:
                return interrupted ? 130 : 137;
            default:
                return 1;
        }
    }

    /** Mesos's terminal states, from the shared table ({@link TaskTransitions}). */
    static boolean isTerminal(TaskState state) {
        return TaskTransitions.isTerminal(state);
    }

    /** Joins arguments into one /bin/sh command line that runs exactly them: unsafe ones are single-quoted. */
    static String shellCommand(List<String> args) {
        List<String> words = new ArrayList<>(args.size());
        for (String arg : args) {
            if (SHELL_SAFE.matcher(arg).matches()) {
                words.add(arg);
            } else {
                words.add("'" + arg.replace("'", "'\\''") + "'");
            }
        }
        return String.join(" ", words);
    }

    /** The task name: {@code --name}, else the command's file name. */
    static String taskName(String name, List<String> command) {
        if (name != null && !name.isBlank()) {
            return name.strip();
        }
        String program = command.get(0);
        String base = program.substring(program.lastIndexOf('/') + 1);
        return base.isEmpty() ? "task" : base;
    }

    /** {@code <name>-<8 hex digits>}, with characters that would be awkward in an id replaced by '-'. */
    static String taskId(String name, UUID uuid) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "-");
        return safe + "-" + uuid.toString().substring(0, 8);
    }

    /** Sum of the offer's scalar resource named {@code resourceName}. */
    static double scalar(Offer offer, String resourceName) {
        double total = 0;
        for (Resource r : offer.getResourcesList()) {
            if (r.getName().equals(resourceName) && r.getType() == Value.Type.SCALAR && !r.hasRevocable()) {
                total += r.getScalar().getValue();
            }
        }
        return total;
    }

    /** Mesos keeps scalars to three decimals, so compare with half a thousandth of slack. */
    static boolean fits(Offer offer, double cpus, double mem) {
        return scalar(offer, "cpus") + 0.0005 >= cpus && scalar(offer, "mem") + 0.0005 >= mem;
    }

    /**
     * Takes {@code amount} of {@code resourceName} out of the offer's resources, keeping each piece's role,
     * reservations and allocation role, so the master sees exactly what it offered.
     */
    static List<Resource> take(Offer offer, String resourceName, double amount) {
        List<Resource> taken = new ArrayList<>();
        double needed = amount;
        for (Resource r : offer.getResourcesList()) {
            if (needed <= 0.0005) {
                break;
            }
            if (!r.getName().equals(resourceName) || r.getType() != Value.Type.SCALAR || r.hasRevocable()) {
                continue;
            }
            double piece = Math.min(needed, r.getScalar().getValue());
            Resource.Builder part = r.toBuilder().setScalar(Value.Scalar.newBuilder().setValue(piece));
            if (offer.hasAllocationInfo()) {
                part.setAllocationInfo(offer.getAllocationInfo());
            }
            taken.add(part.build());
            needed -= piece;
        }
        return taken;
    }

    static TaskInfo taskInfo(Offer offer, String taskId, String taskName, String shellCommand,
                             double cpus, double mem) {
        return TaskInfo.newBuilder()
                .setName(taskName)
                .setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(offer.getAgentId())
                .addAllResources(take(offer, "cpus", cpus))
                .addAllResources(take(offer, "mem", mem))
                .setCommand(CommandInfo.newBuilder().setShell(true).setValue(shellCommand))
                .build();
    }

    /** The task run in {@code image} (Mesos's ContainerInfo type MESOS, image type DOCKER); null: as it is. */
    static TaskInfo withImage(TaskInfo task, String image) {
        if (image == null || image.isBlank()) {
            return task;
        }
        return task.toBuilder().setContainer(org.apache.mesos.v1.Protos.ContainerInfo.newBuilder()
                .setType(org.apache.mesos.v1.Protos.ContainerInfo.Type.MESOS)
                .setMesos(org.apache.mesos.v1.Protos.ContainerInfo.MesosInfo.newBuilder()
                        .setImage(org.apache.mesos.v1.Protos.Image.newBuilder()
                                .setType(org.apache.mesos.v1.Protos.Image.Type.DOCKER)
                                .setDocker(org.apache.mesos.v1.Protos.Image.Docker.newBuilder().setName(image)))))
                .build();
    }

    /** One human line per status update: time, state, task id, agent, message. */
    static String statusLine(TaskStatus status, String agentHostname, Instant fallbackTime, ZoneId zone) {
        Instant time = status.hasTimestamp()
                ? Instant.ofEpochMilli((long) (status.getTimestamp() * 1000)) : fallbackTime;
        StringBuilder line = new StringBuilder()
                .append(LocalTime.ofInstant(time, zone).format(DateTimeFormatter.ofPattern("HH:mm:ss")))
                .append("  ").append(String.format(Locale.ROOT, "%-13s", status.getState().name()))
                .append("  ").append(status.getTaskId().getValue())
                .append("  ").append(agentHostname);
        if (!status.getMessage().isBlank()) {
            line.append("  ").append(status.getMessage().strip());
        }
        return line.toString();
    }

    /** "cpus 0.5, mem 16 MB" for messages. */
    static String describeResources(double cpus, double mem) {
        return "cpus " + number(cpus) + ", mem " + number(mem) + " MB";
    }

    private static String number(double value) {
        if (value == Math.rint(value)) {
            return String.valueOf((long) value);
        }
        return String.format(Locale.ROOT, "%.3f", value).replaceAll("0+$", ""); // Mesos keeps 3 decimals
    }

    // ---------------------------------------------------------------------------------------------- the run

    /**
     * One run of the command: a framework that launches one task and follows it to its end.
     *
     * <p>Threading: scheduler callbacks (event thread), the offer timer and the Ctrl-C hook all enter through
     * {@code synchronized} methods, so the fields below are guarded by this object's monitor. {@link #result} is
     * completed once, with the exit code, and the main thread waits on it.
     */
    private final class TaskRun implements SchedulerListener {
        private final MasterLocator masters;
        private final SchedulerClient client;
        private final String taskName;
        private final String taskId;
        private final CompletableFuture<Integer> result = new CompletableFuture<>();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corral-run-timer");
            t.setDaemon(true);
            return t;
        });
        /** The latest offer from each agent that did not fit, to explain a timeout. */
        private final Map<String, Offer> unfitOffers = new LinkedHashMap<>();
        private final Map<AgentID, String> agentHostnames = new HashMap<>();
        private boolean subscribedOnce;
        private String lastSubscribeFailure;
        private TaskInfo launched;
        private boolean interrupted;
        /** The master ended the subscription (ERROR): there is nothing left to tear down. */
        private boolean subscriptionOver;
        /** The agent the task was launched on, from its offer's URL; null until launched. */
        private java.net.URI agentUri;
        /** Copies the task's stdout and stderr here; null until the task started. */
        private Thread output;
        /** Set once the task ended: the output thread copies what is left and stops. */
        private volatile boolean taskEnded;
        /** Who to be to the master and to the agent whose sandbox the output is read from. */
        private final java.util.Optional<ClientAuthorization> authorization;
        /** How the masters are checked; the agent's sandbox is read the same way. */
        private final java.util.Optional<io.corral.protocol.tls.ClientTls> tls;

        TaskRun(MasterLocator masters, java.util.Optional<ClientAuthorization> authorization,
                java.util.Optional<io.corral.protocol.tls.ClientTls> tls) {
            this.masters = masters;
            this.authorization = authorization;
            this.tls = tls;
            this.taskName = taskName(name, command);
            this.taskId = taskId(taskName, UUID.randomUUID());
            FrameworkInfo framework = FrameworkInfo.newBuilder()
                    .setName(FRAMEWORK_NAME)
                    .setUser(System.getProperty("user.name"))
                    .setFailoverTimeout(60) // long enough to ride a master failover, short enough to clean up
                    .setCheckpoint(true)
                    // An agent cut off for a while makes the task TASK_UNREACHABLE, not a final TASK_LOST: the run
                    // waits for the agent to come back rather than ending (and tearing down) a task that runs on.
                    .addCapabilities(FrameworkInfo.Capability.newBuilder()
                            .setType(FrameworkInfo.Capability.Type.PARTITION_AWARE))
                    .build();
            SchedulerClient.Builder builder = SchedulerClient.builder(masters, framework, this);
            authorization.ifPresent(builder::authorization);
            tls.ifPresent(builder::tls);
            this.client = builder.build();
        }

        int execute() {
            Thread ctrlC = new Thread(this::interrupt, "corral-run-interrupt");
            Runtime.getRuntime().addShutdownHook(ctrlC);
            timer.schedule(this::offerTimeout, offerTimeoutSeconds, TimeUnit.SECONDS);
            client.start();
            err.println("Connecting to " + masters.describe() + "...");
            try {
                int code = result.join();
                awaitOutput();
                if (!isInterrupted()) {
                    Runtime.getRuntime().removeShutdownHook(ctrlC);
                    tearDown();
                }
                return code;
            } finally {
                timer.shutdownNow();
            }
        }

        // ------------------------------------------------------------------------------ scheduler callbacks

        @Override
        public synchronized void subscribed(FrameworkID frameworkId, MasterInfo master) {
            if (!subscribedOnce) {
                subscribedOnce = true;
                err.println("Subscribed as framework " + frameworkId.getValue() + "; waiting for an offer ("
                        + describeResources(cpus, mem) + ")...");
                return;
            }
            err.println("Resubscribed to the master after losing it" + (launched == null ? "." : "; task "
                    + taskId + " keeps running."));
            if (launched != null) {
                // A new leader does not know we were suppressed. No reconciliation: the agent resends the task's
                // unacknowledged updates on its own, while a new leader that has not yet heard from the agent
                // could only answer with a premature TASK_LOST.
                client.suppress();
            }
        }

        @Override
        public synchronized void offers(List<Offer> offers) {
            List<OfferID> decline = new ArrayList<>();
            for (Offer offer : offers) {
                agentHostnames.put(offer.getAgentId(), offer.getHostname());
                if (launched == null && !result.isDone() && fits(offer, cpus, mem)) {
                    launch(offer);
                } else {
                    if (launched == null) {
                        unfitOffers.put(offer.getAgentId().getValue(), offer);
                    }
                    decline.add(offer.getId());
                }
            }
            if (!decline.isEmpty()) {
                // While still waiting, a short refusal lets the same agent be offered again once it has room.
                client.decline(decline, launched == null ? 1 : REFUSE_SECONDS);
            }
        }

        private void launch(Offer offer) {
            launched = withImage(taskInfo(offer, taskId, taskName, shellCommand(command), cpus, mem), image);
            if (offer.hasUrl()) {
                agentUri = java.net.URI.create((offer.getUrl().getScheme().isEmpty() ? "http"
                        : offer.getUrl().getScheme()) + "://" + offer.getUrl().getAddress().getHostname() + ":"
                        + offer.getUrl().getAddress().getPort());
            }
            err.println("Launching " + taskId + " on " + offer.getHostname() + ": " + shellCommand(command));
            client.launch(List.of(offer.getId()), List.of(launched)).whenComplete((ok, failure) -> {
                if (failure != null) {
                    finish(1, "corral run: the master refused the launch: " + failure.getMessage());
                }
            });
            client.suppress();
        }

        @Override
        public synchronized void rescind(OfferID offerId) {
            unfitOffers.values().removeIf(o -> o.getId().equals(offerId));
        }

        @Override
        public synchronized void update(TaskStatus status) {
            String agent = agentHostnames.getOrDefault(status.getAgentId(), status.getAgentId().getValue());
            if (json) {
                ObjectNode line = MesosJson.toJson(status);
                line.put("agent_hostname", agent);
                err.println(line);
            } else {
                err.println(statusLine(status, agent, clock.instant(), clock.getZone()));
            }
            err.flush();
            client.acknowledge(status);
            if (status.getTaskId().getValue().equals(taskId)) {
                streamOutput(status.getState());
            }
            if (status.getTaskId().getValue().equals(taskId) && isTerminal(status.getState())) {
                String why = status.getState() == TaskState.TASK_FINISHED || status.getState() == TaskState.TASK_FAILED
                        || status.getState() == TaskState.TASK_KILLED ? null
                        : "corral run: task " + taskId + " ended " + status.getState()
                                + (status.getMessage().isBlank() ? "" : ": " + status.getMessage());
                finish(exitCode(status, interrupted), why);
            }
        }

        @Override
        public synchronized void error(String message) {
            subscriptionOver = true;
            finish(1, "corral run: the master ended the framework: " + message);
        }

        @Override
        public synchronized void disconnected() {
            err.println("Lost the connection to the master; reconnecting...");
        }

        @Override
        public synchronized void subscribeFailed(String reason, Duration retryIn) {
            if (!reason.equals(lastSubscribeFailure)) {
                err.println(reason + "; retrying...");
                lastSubscribeFailure = reason;
            }
        }

        // ------------------------------------------------------------------------------------ output

        /**
         * Starts copying the task's output once it has a sandbox (it started, or ended having run), and tells the
         * copy when the task has ended so it copies the rest and stops.
         */
        private void streamOutput(TaskState state) {
            boolean ran = state == TaskState.TASK_STARTING || state == TaskState.TASK_RUNNING
                    || state == TaskState.TASK_FINISHED || state == TaskState.TASK_FAILED
                    || state == TaskState.TASK_KILLED || state == TaskState.TASK_KILLING;
            if (isTerminal(state)) {
                taskEnded = true;
            }
            if (output == null && ran && agentUri != null) {
                output = new Thread(this::copyOutput, "corral-run-output");
                output.setDaemon(true);
                output.start();
            }
        }

        /** On the output thread: finds the sandbox through the agent's state, then follows stdout and stderr. */
        private void copyOutput() {
            AgentClient agent = new AgentClient(agentUri, authorization, tls);
            try {
                String directory = null;
                Duration wait = SandboxOutput.FIRST_WAIT;
                while (directory == null) {
                    boolean ended = taskEnded; // asked before looking: an ended task's sandbox is listed still
                    directory = AgentClient.sandboxOf(agent.state(), null, taskId).orElse(null);
                    if (directory == null) {
                        if (ended) {
                            err.println("corral run: the agent at " + agentUri + " does not list the task's sandbox;"
                                    + " its output cannot be shown");
                            return;
                        }
                        Thread.sleep(wait.toMillis());
                        wait = wait.multipliedBy(2).compareTo(SandboxOutput.MAX_WAIT) > 0 ? SandboxOutput.MAX_WAIT
                                : wait.multipliedBy(2);
                    }
                }
                new SandboxOutput(agent, directory, List.of(new SandboxOutput.Target("stdout", out),
                        new SandboxOutput.Target("stderr", err))).follow(() -> taskEnded);
            } catch (AgentClient.AgentUnavailableException | AgentClient.FileGoneException e) {
                err.println("corral run: cannot show the task's output: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** After the task ended: lets the output thread copy what the task wrote last (bounded). */
        private void awaitOutput() {
            Thread copying;
            synchronized (this) {
                taskEnded = true;
                copying = output;
            }
            if (copying == null) {
                return;
            }
            try {
                copying.join(OUTPUT_WAIT.toMillis());
                if (copying.isAlive()) {
                    err.println("corral run: the rest of the task's output could not be read within "
                            + OUTPUT_WAIT.toSeconds() + "s; see `corral logs " + taskId + "`");
                    copying.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        // ------------------------------------------------------------------------------------ endings

        private synchronized void offerTimeout() {
            if (launched != null || result.isDone()) {
                return;
            }
            StringBuilder message = new StringBuilder();
            if (!subscribedOnce) {
                message.append("corral run: could not subscribe to the master at ").append(masters.describe())
                        .append(" within ").append(offerTimeoutSeconds).append("s")
                        .append(lastSubscribeFailure == null ? "." : ": " + lastSubscribeFailure);
            } else {
                message.append("corral run: no offer fit ").append(describeResources(cpus, mem)).append(" within ")
                        .append(offerTimeoutSeconds).append("s.");
                if (unfitOffers.isEmpty()) {
                    message.append(" The cluster offered nothing (no agents, or all their resources are in use).");
                } else {
                    message.append(" The cluster offered:");
                    for (Offer offer : unfitOffers.values()) {
                        message.append(System.lineSeparator()).append("  ").append(offer.getHostname())
                                .append(": ").append(describeResources(scalar(offer, "cpus"), scalar(offer, "mem")));
                    }
                }
            }
            finish(1, message.toString());
        }

        private synchronized boolean hasSubscriptionEnded() {
            return subscriptionOver;
        }

        private synchronized boolean isInterrupted() {
            return interrupted;
        }

        private synchronized void finish(int code, String message) {
            if (result.isDone()) {
                return;
            }
            if (message != null) {
                err.println(message);
            }
            result.complete(code);
        }

        /** Ctrl-C: kill the task, wait (bounded) for its last update, then tear the framework down. */
        private void interrupt() {
            TaskInfo task;
            synchronized (this) {
                interrupted = true;
                task = launched;
                if (result.isDone()) {
                    return;
                }
            }
            if (task != null) {
                err.println("Killing " + taskId + "...");
                client.kill(task.getTaskId(), task.getAgentId());
                try {
                    result.get(KILL_WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    err.println("No final update for " + taskId + " after " + KILL_WAIT.toSeconds()
                            + "s; tearing the framework down, which kills it.");
                } catch (Exception e) {
                    // Interrupted or failed: tear down anyway.
                }
            }
            tearDown();
        }

        private void tearDown() {
            if (!client.isSubscribed()) {
                // Nothing to send it on; an unsubscribed framework is removed after its 60 s failover timeout.
                client.frameworkId().filter(id -> !hasSubscriptionEnded()).ifPresent(id -> err.println("corral run: not connected to a master; framework "
                        + id.getValue() + " will be removed by the master within 60s."));
                client.close();
                return;
            }
            try {
                client.teardown().get(TEARDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                err.println("corral run: could not tear down framework " + client.frameworkId()
                        .map(FrameworkID::getValue).orElse("(none)") + "; the master removes it within 60s. ("
                        + e.getMessage() + ")");
            } finally {
                client.close();
            }
        }
    }
}
