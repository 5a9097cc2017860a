package io.corral.compat.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Corral cluster for compatibility tests: one standalone ZooKeeper, two masters and one agent, each a separate
 * JVM started from the built distribution ({@code corral-cli/target/corral-cli.jar} plus {@code target/lib}), so
 * nothing of Corral's classpath leaks into the client under test.
 *
 * <p>Threading: {@link #start} and {@link #close} are called from one test thread (JUnit's {@code @BeforeAll} and
 * {@code @AfterAll}); the accessors are safe from any thread once started.
 */
public final class CorralCluster implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final String AGENT_RESOURCES = "cpus:2;mem:1024;disk:1000;ports:[31000-32000]";
    /** {@code Location: //host:port} as a standby master's {@code /master/redirect} answers it. */
    private static final Pattern LEADER_LOCATION = Pattern.compile("^//127\\.0\\.0\\.1:(\\d+)$");
    private static final Pattern ONE_ACTIVE_AGENT = Pattern.compile("\"activated_slaves\"\\s*:\\s*1\\b");

    private final Path workDir;
    private final List<ClusterProcess> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private int[] masterPorts;
    private int leaderPort;
    private Path agentWorkDir;

    private CorralCluster(Path workDir) {
        this.workDir = workDir;
    }

    /**
     * Starts the cluster under a fresh directory in {@code corral-compat-tests/target} and waits (bounded) until a
     * leader is elected, both masters agree on it, and the agent is registered with it. On failure, prints every
     * process's log tail and stops what was started.
     */
    public static CorralCluster start(String name) {
        Path target = corralHome().resolve("corral-compat-tests").resolve("target");
        CorralCluster cluster;
        try {
            Files.createDirectories(target);
            cluster = new CorralCluster(Files.createTempDirectory(target, name + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            cluster.launchAll();
            cluster.awaitLeaderAndAgent();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.printLogTails();
            cluster.close();
            throw e;
        }
    }

    private void launchAll() {
        int[] ports = freePorts(4);
        int zkPort = ports[0];
        masterPorts = new int[] {ports[1], ports[2]};
        int agentPort = ports[3];
        String zk = "zk://127.0.0.1:" + zkPort + "/corral";
        agentWorkDir = workDir.resolve("agent");

        launch("zk", "zk", "--data-dir", workDir.resolve("zk").toString(), "--port", String.valueOf(zkPort));
        for (int i = 0; i < masterPorts.length; i++) {
            launch("master" + (i + 1), "master", "--zk", zk, "--port", String.valueOf(masterPorts[i]),
                    "--hostname", "127.0.0.1", "--work-dir", workDir.resolve("master" + (i + 1)).toString(),
                    "--insecure"); // mesos-rxjava cannot send credentials: Mesos's open mode, for old clients
        }
        launch("agent", "agent", "--zk", zk, "--port", String.valueOf(agentPort), "--hostname", "127.0.0.1",
                "--work-dir", agentWorkDir.toString(), "--resources", AGENT_RESOURCES, "--insecure");
    }

    private void launch(String name, String... corralArgs) {
        Path home = corralHome();
        Path jar = home.resolve("corral-cli/target/corral-cli.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("No Corral distribution at " + jar
                    + "; build it first: cd " + home + " && ./mvnw install -DskipTests");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // small, fast-starting JVMs: four of them share the machine with the test
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", jar + java.io.File.pathSeparator + home.resolve("corral-cli/target/lib") + "/*",
                "io.corral.cli.Corral"));
        command.addAll(List.of(corralArgs));
        processes.add(ClusterProcess.start(name, command, workDir.resolve(name + ".log")));
    }

    private void awaitLeaderAndAgent() {
        await("a leader that both masters redirect to")
                .atMost(STARTUP_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    processes.forEach(ClusterProcess::checkAlive);
                    Optional<Integer> first = leaderSeenBy(masterPorts[0]);
                    Optional<Integer> second = leaderSeenBy(masterPorts[1]);
                    first.ifPresent(port -> leaderPort = port);
                    return first.isPresent() && first.equals(second);
                });
        await("the agent registered with the leader at port " + leaderPort)
                .atMost(STARTUP_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(() -> {
                    processes.forEach(ClusterProcess::checkAlive);
                    return ONE_ACTIVE_AGENT.matcher(get(leaderPort, "/master/state").body()).find();
                });
    }

    /** The leader's port according to {@code /master/redirect} on {@code masterPort}: empty while none (503). */
    private Optional<Integer> leaderSeenBy(int masterPort) throws IOException, InterruptedException {
        HttpResponse<String> response = get(masterPort, "/master/redirect");
        if (response.statusCode() != 307) {
            return Optional.empty();
        }
        String location = response.headers().firstValue("Location").orElse("");
        Matcher matcher = LEADER_LOCATION.matcher(location);
        if (!matcher.matches()) {
            throw new IllegalStateException("Master at port " + masterPort + " answered /master/redirect with 307 "
                    + "and Location '" + location + "'; expected //127.0.0.1:<port>");
        }
        return Optional.of(Integer.parseInt(matcher.group(1)));
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The leader's {@code /master/state} JSON. */
    public String leaderState() {
        try {
            return get(leaderPort, "/master/state").body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the leader's state", e);
        }
    }

    public int leaderPort() {
        return leaderPort;
    }

    /** The master that is not leading: a client pointed here must find the leader through {@code /redirect}. */
    public int standbyPort() {
        return masterPorts[0] == leaderPort ? masterPorts[1] : masterPorts[0];
    }

    public Path agentWorkDir() {
        return agentWorkDir;
    }

    /** Prints the end of every process's log to stderr, for diagnosing a failed test. */
    public void printLogTails() {
        for (ClusterProcess process : processes) {
            System.err.printf("----- %s (%s, %s) -----%n%s%n", process.name(), process.log(),
                    process.isAlive() ? "running" : "exited", process.tail(60));
        }
    }

    /** Stops the agent (and its tasks) first, then the masters, then ZooKeeper. */
    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).stop();
        }
    }

    private static Path corralHome() {
        String home = System.getProperty("corral.home");
        if (home == null) {
            throw new IllegalStateException("System property corral.home is not set; run the tests through Maven"
                    + " (corral-compat-tests/pom.xml sets it to the repository root)");
        }
        return Path.of(home).toAbsolutePath().normalize();
    }

    /** Distinct free ports: all sockets stay open until every port is chosen, so none is handed out twice. */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is still free for our purposes
                }
            }
        }
    }
}
