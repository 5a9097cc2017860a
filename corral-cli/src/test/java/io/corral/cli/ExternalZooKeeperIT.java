package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.cli.local.ProcessTree;
import io.corral.zookeeper.MasterContender;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corral on a ZooKeeper it did not start: a server from Debian's {@code zookeeper} package, run as its own process
 * (ZooKeeperServerMain with a generated zoo.cfg), a {@code bin/corral master} and a {@code bin/corral agent} against
 * it with credentials in the URL, and {@code bin/corral run -- echo hello} through them. It also checks what the
 * credentials protect on that server, and that a wrong password stops every command with one line.
 *
 * <p>CI installs the package ({@code .ci/run}); without it this test fails and says how to install it. Runs after
 * {@code package} (failsafe), on the distribution {@code bin/corral} runs.
 */
class ExternalZooKeeperIT {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final String INSTALL_HINT = "Debian's zookeeper package is not installed; run the install step of"
            + " .ci/run (apt-get update && apt-get install -y --no-install-recommends zookeeper)";

    @TempDir
    static Path tmp;

    private static int zkPort;
    private static Process zookeeper;
    /** The master and the agent. */
    private static final List<Process> corrals = new ArrayList<>();
    private static final List<Path> logs = new ArrayList<>();

    @BeforeAll
    static void startZooKeeperMasterAndAgent() throws Exception {
        Path zookeeperJar = debianZooKeeperJar();
        zkPort = freePort();
        zookeeper = startZooKeeper(zookeeperJar);
        await("Debian's ZooKeeper listening on port " + zkPort).atMost(STARTUP)
                .failFast("the ZooKeeper server exited; " + logTails(), () -> !zookeeper.isAlive())
                .until(() -> accepts(zkPort));

        corrals.add(corral("master.log", "master", "--zk", clusterUrl("s3cret"), "--port", "0",
                "--work-dir", tmp.resolve("master").toString()).start());
        corrals.add(corral("agent.log", "agent", "--zk", clusterUrl("s3cret"), "--port", "0",
                "--work-dir", tmp.resolve("agent").toString(),
                "--resources", "cpus:2;mem:1024;disk:1024;ports:[31000-31099]").start());
    }

    /** Agent and master first, while ZooKeeper still answers their goodbyes; then ZooKeeper. */
    @AfterAll
    static void stopEverything() {
        List<ProcessHandle> left = new ArrayList<>(
                ProcessTree.stop(corrals.stream().map(Process::toHandle).toList(), Duration.ofSeconds(15)));
        if (zookeeper != null) {
            left.addAll(ProcessTree.stop(List.of(zookeeper.toHandle()), Duration.ofSeconds(15)));
        }
        assertThat(left).as("processes left running").isEmpty();
    }

    @Test
    void runsATaskThroughAMasterAndAnAgentOnDebiansZooKeeper() throws Exception {
        awaitLeader();

        Result run = runToEnd("run.log", "run", "--zk", clusterUrl("s3cret"), "--", "echo", "hello");

        assertThat(run.exit).as(run.describe()).isZero();
        assertThat(run.output).as(run.describe()).contains("TASK_FINISHED");
    }

    @Test
    void aClientWithoutCredentialsReadsTheLeaderButWritesNothing() throws Exception {
        awaitLeader();
        try (CuratorFramework anonymous = ZkClients.connect(anonymousUrl(), Duration.ofSeconds(5), STARTUP)) {
            List<String> masters = anonymous.getChildren().forPath("/corral").stream()
                    .filter(name -> name.startsWith(MasterContender.NODE_PREFIX)).toList();
            assertThat(masters).hasSize(1);
            assertThat(new String(anonymous.getData().forPath("/corral/" + masters.get(0)), StandardCharsets.UTF_8))
                    .contains("\"pid\":\"master@");

            assertThatThrownBy(() -> anonymous.create().forPath("/corral/intruder"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous.delete().forPath("/corral/" + masters.get(0)))
                    .isInstanceOf(KeeperException.NoAuthException.class);
        }
    }

    @Test
    void aWrongPasswordStopsMasterAgentAndRunWithOneLine() throws Exception {
        awaitLeader(); // the root exists, with the cluster's ACLs
        String wrong = clusterUrl("wrong");
        String denied = "ZooKeeper denied access to /corral: check the user and password in zk://corral:****@127.0.0.1:"
                + zkPort + "/corral";
        // Started together: each is a JVM start, and they do not depend on one another.
        List<Command> commands = List.of(
                new Command("corral master", "wrong-master.log",
                        corral("wrong-master.log", "master", "--zk", wrong, "--port", "0").start()),
                new Command("corral agent", "wrong-agent.log", corral("wrong-agent.log", "agent", "--zk", wrong,
                        "--port", "0", "--work-dir", tmp.resolve("wrong-agent").toString()).start()),
                new Command("corral run", "wrong-run.log",
                        corral("wrong-run.log", "run", "--zk", wrong, "--", "echo", "hello").start()));

        for (Command command : commands) {
            Result result = awaitEnd(command.process(), command.logName(), command.name());
            assertThat(result.exit).as(result.describe()).isNotZero();
            assertThat(result.output.lines()).as(result.describe()).contains(command.name() + ": " + denied);
            assertThat(result.output).as("the password never shows").doesNotContain("wrong@");
        }
    }

    private record Command(String name, String logName, Process process) {
    }

    /** Waits until ZooKeeper names a leader, read without credentials as a Mesos detector would. */
    private static void awaitLeader() throws Exception {
        try (CuratorFramework client = ZkClients.connect(anonymousUrl(), Duration.ofSeconds(5), STARTUP);
             MasterDetector detector = new MasterDetector(client, "/corral")) {
            try {
                detector.awaitLeader(STARTUP);
            } catch (TimeoutException e) {
                throw new AssertionError("no leader within " + STARTUP + "; " + logTails(), e);
            }
        }
    }

    /** The jar the package installs (its manifest's Class-Path names the other jars it needs). */
    private static Path debianZooKeeperJar() throws Exception {
        Process query;
        try {
            query = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", "zookeeper")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(INSTALL_HINT + " (no dpkg-query here: this test needs Debian or Ubuntu, as CI)", e);
        }
        String status = new String(query.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        query.waitFor(30, TimeUnit.SECONDS);
        assertThat(status).as(INSTALL_HINT).isEqualTo("install ok installed");
        for (Path candidate : List.of(Path.of("/usr/share/java/zookeeper.jar"),
                Path.of("/usr/share/zookeeper/zookeeper.jar"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("the zookeeper package is installed but its zookeeper.jar is neither in"
                + " /usr/share/java nor in /usr/share/zookeeper; see `dpkg -L zookeeper libzookeeper-java`");
    }

    /** ZooKeeperServerMain from Debian's jars on a generated zoo.cfg: standalone, loopback only, no admin server. */
    private static Process startZooKeeper(Path zookeeperJar) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("zookeeper"));
        Path config = dir.resolve("zoo.cfg");
        Files.writeString(config, String.join("\n",
                "tickTime=500", // lets the server grant the masters' 2 s sessions
                "dataDir=" + Files.createDirectories(dir.resolve("data")),
                "clientPort=" + zkPort,
                "clientPortAddress=127.0.0.1",
                "admin.enableServer=false", // its Jetty would take port 8080
                ""));
        String classpath = zookeeperJar.toString();
        Path simpleLogger = Path.of("/usr/share/java/slf4j-simple.jar"); // for a server log, when present
        if (Files.isRegularFile(simpleLogger)) {
            classpath += ":" + simpleLogger;
        }
        Path log = log("zookeeper.log");
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "org.apache.zookeeper.server.ZooKeeperServerMain", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String clusterUrl(String password) {
        return "zk://corral:" + password + "@127.0.0.1:" + zkPort + "/corral";
    }

    private static ZkUrl anonymousUrl() {
        return ZkUrl.parse("zk://127.0.0.1:" + zkPort + "/corral");
    }

    private static Result runToEnd(String logName, String... args) throws Exception {
        return awaitEnd(corral(logName, args).start(), logName, "corral " + String.join(" ", args));
    }

    private static Result awaitEnd(Process process, String logName, String description) throws Exception {
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return new Result(description, process.exitValue(), Files.readString(tmp.resolve(logName)));
    }

    /** {@code bin/corral ARGS} with its output in {@code logName}, without rebuilding: this build just packaged it. */
    private static ProcessBuilder corral(String logName, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(repositoryRoot().resolve("bin/corral").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log(logName).toFile());
        builder.environment().put("CORRAL_NO_BUILD", "1");
        builder.environment().put("CORRAL_JAVA_OPTS",
                "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("java-tmp")));
        return builder;
    }

    private static Path log(String name) {
        Path log = tmp.resolve(name);
        logs.add(log);
        return log;
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("bin/corral"))) {
                return dir;
            }
        }
        throw new IllegalStateException("bin/corral not found above " + Path.of("").toAbsolutePath());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of every process's log, for failure messages. */
    private static String logTails() {
        StringBuilder text = new StringBuilder();
        for (Path log : logs) {
            try {
                List<String> lines = Files.readAllLines(log);
                text.append("\n--- ").append(log.getFileName()).append(" (last 30 lines):\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            } catch (IOException e) {
                text.append("\n--- ").append(log.getFileName()).append(": ").append(e.getMessage());
            }
        }
        return text.toString();
    }

    private record Result(String command, int exit, String output) {
        String describe() {
            return command + " exited " + exit + ":\n" + output + "\n" + logTails();
        }
    }
}
