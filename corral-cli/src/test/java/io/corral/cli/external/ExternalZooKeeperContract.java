package io.corral.cli.external;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cli.BinCorral;
import io.corral.cli.local.ProcessTree;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Corral must do on a ZooKeeper it did not start, whichever server that is: a {@code bin/corral master} and a
 * {@code bin/corral agent} run on it with credentials in the URL, {@code bin/corral run -- echo hello} goes through
 * them, the credentials protect what Corral wrote (a Mesos detector still reads the leader), and a wrong password
 * stops every command with one line.
 *
 * <p>Subclasses start the servers ({@link #startZooKeeper}) as their own processes, from jars Corral did not build.
 * The tests run after {@code package} (failsafe), on the distribution {@code bin/corral} runs. One cluster per class,
 * so the class has one instance ({@link TestInstance.Lifecycle#PER_CLASS}); the test methods leave it as they found
 * it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ExternalZooKeeperContract {
    static final Duration STARTUP = Duration.ofSeconds(60);
    static final Duration COMMAND = Duration.ofSeconds(60);
    static final String PASSWORD = "s3cret";
    /**
     * The one master here has no supervisor to restart it, and a master whose session ends steps down for good: its
     * session must outlive a ZooKeeper leader election, which on a busy 2-core machine can take longer than the 2 s
     * default (docs/failover.md: raise the timeout where stalls are longer). 6 s is within the servers' maximum
     * (20 ticks of 500 ms).
     */
    static final String SESSION_TIMEOUT = "6secs";

    /** This class's directory: server data, the processes' work dirs and logs. */
    Path tmp;

    private final List<ZooKeeperServerProcess> servers = new ArrayList<>();
    /** The master and the agent. */
    private final List<Process> corrals = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    /**
     * Starts the ZooKeeper server(s) under test, under {@link #tmp}, and returns once they serve.
     */
    abstract List<ZooKeeperServerProcess> startZooKeeper() throws Exception;

    @BeforeAll
    void startZooKeeperMasterAndAgent(@TempDir Path dir) throws Exception {
        tmp = dir;
        servers.addAll(startZooKeeper());
        corrals.add(corral("master.log", "master", "--zk", clusterUrl(PASSWORD), "--port", "0",
                "--zk-session-timeout", SESSION_TIMEOUT, "--work-dir", tmp.resolve("master").toString(),
                "--insecure").start());
        corrals.add(corral("agent.log", "agent", "--zk", clusterUrl(PASSWORD), "--port", "0",
                "--zk-session-timeout", SESSION_TIMEOUT, "--work-dir", tmp.resolve("agent").toString(),
                "--resources", "cpus:2;mem:1024;disk:1024;ports:[31000-31099]", "--insecure").start());
    }

    /** Agent and master first, while ZooKeeper still answers their goodbyes; then ZooKeeper. */
    @AfterAll
    void stopEverything() throws InterruptedException {
        List<ProcessHandle> left = new ArrayList<>(
                ProcessTree.stop(corrals.stream().map(Process::toHandle).toList(), Duration.ofSeconds(15)));
        List<ProcessHandle> zooKeeper = servers.stream().flatMap(server -> server.handle().stream()).toList();
        left.addAll(ProcessTree.stop(zooKeeper, Duration.ofSeconds(15)));
        assertThat(left).as("processes left running").isEmpty();
    }

    @Test
    void runsATaskThroughAMasterAndAnAgent() throws Exception {
        awaitLeader();

        Result run = runToEnd("run.log", "run", "--zk", clusterUrl(PASSWORD), "--", "echo", "hello");

        assertThat(run.exit).as(run.describe()).isZero();
        assertThat(run.output).as(run.describe()).contains("TASK_FINISHED");
    }

    @Test
    void aClientWithoutCredentialsReadsTheLeaderButWritesNothing() throws Exception {
        awaitLeader();
        try (CuratorFramework anonymous = ZkClients.connect(anonymousUrl(), Duration.ofSeconds(5), STARTUP)) {
            List<String> masters = anonymous.getChildren().forPath("/corral").stream()
                    .filter(name -> name.startsWith(MasterDetector.NODE_PREFIX)).toList();
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
        String denied = "ZooKeeper denied access to /corral: check the user and password in zk://corral:****@"
                + hosts() + "/corral";
        // Started together: each is a JVM start, and they do not depend on one another.
        List<Command> commands = List.of(
                new Command("corral master", "wrong-master.log",
                        corral("wrong-master.log", "master", "--zk", wrong, "--port", "0", "--insecure").start()),
                new Command("corral agent", "wrong-agent.log", corral("wrong-agent.log", "agent", "--zk", wrong,
                        "--port", "0", "--work-dir", tmp.resolve("wrong-agent").toString(), "--insecure").start()),
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

    /** Waits until ZooKeeper names a leading master, read without credentials as a Mesos detector would. */
    void awaitLeader() throws Exception {
        try (CuratorFramework client = ZkClients.connect(anonymousUrl(), Duration.ofSeconds(5), STARTUP);
             MasterDetector detector = new MasterDetector(client, "/corral")) {
            try {
                detector.awaitLeader(STARTUP);
            } catch (TimeoutException e) {
                throw new AssertionError("no leader within " + STARTUP + "; " + logTails(), e);
            }
        }
    }

    /** {@code host:port,...} of every server under test, in the order they were started. */
    String hosts() {
        return String.join(",", servers.stream().map(server -> "127.0.0.1:" + server.clientPort()).toList());
    }

    String clusterUrl(String password) {
        return "zk://corral:" + password + "@" + hosts() + "/corral";
    }

    ZkUrl anonymousUrl() {
        return ZkUrl.parse("zk://" + hosts() + "/corral");
    }

    Result runToEnd(String logName, String... args) throws Exception {
        return awaitEnd(corral(logName, args).start(), logName, "corral " + String.join(" ", args));
    }

    Result awaitEnd(Process process, String logName, String description) throws Exception {
        if (!process.waitFor(COMMAND.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return new Result(description, process.exitValue(), Files.readString(tmp.resolve(logName)));
    }

    /** {@code bin/corral ARGS} with its output in {@code logName}, without rebuilding: this build just packaged it. */
    ProcessBuilder corral(String logName, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(BinCorral.command());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log(logName).toFile());
        builder.environment().put("CORRAL_NO_BUILD", "1");
        builder.environment().put("CORRAL_JAVA_OPTS",
                "-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("java-tmp")));
        return builder;
    }

    /** A log file in this class's temporary directory, whose tail failure messages show. */
    Path log(String name) {
        Path log = tmp.resolve(name);
        logs.add(log);
        return log;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The last lines of every process's log, for failure messages. */
    String logTails() {
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

    final class Result {
        final String command;
        final int exit;
        final String output;

        Result(String command, int exit, String output) {
            this.command = command;
            this.exit = exit;
            this.output = output;
        }

        String describe() {
            return command + " exited " + exit + ":\n" + output + "\n" + logTails();
        }
    }
}
