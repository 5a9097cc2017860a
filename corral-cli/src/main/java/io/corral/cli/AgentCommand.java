package io.corral.cli;

import io.corral.agent.AgentServer;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Path;
import io.corral.protocol.security.Credentials.Credential;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral agent}: one agent process. It finds the leading master through ZooKeeper, registers its resources,
 * runs the tasks it is given as OS processes, and re-registers with the same id when the leader changes.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run an agent: register with the leading master and run tasks as OS processes.")
public final class AgentCommand implements Callable<Integer> {

    @Option(names = "--zk", required = true, paramLabel = "URL", converter = ZkUrlConverter.class,
            description = "ZooKeeper ensemble and root path of the masters, e.g. zk://127.0.0.1:2181/corral.")
    ZkUrl zk;

    @Option(names = "--port", defaultValue = "5051", paramLabel = "PORT",
            description = "HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--hostname", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Name or IPv4 address the master and frameworks reach this agent at"
                    + " (default: ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--bind", paramLabel = "ADDRESS",
            description = "Address the HTTP server binds to (default: the address of --hostname; 0.0.0.0 for all).")
    String bind;

    @Option(names = "--work-dir", required = true, paramLabel = "DIR",
            description = "Where the agent keeps its id and the tasks' sandboxes.")
    Path workDir;

    @Option(names = "--resources", paramLabel = "RESOURCES",
            description = "Resources to offer, in Mesos's form, e.g. 'cpus:4;mem:8192;disk:10000;ports:[31000-32000]'"
                    + " (default: detected from this machine).")
    String resources;

    @Option(names = "--zk-session-timeout", defaultValue = "2secs", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout: how soon the leader learns that this agent died or hung,"
                    + " through its presence znode (default: ${DEFAULT-VALUE}).")
    Duration zkSessionTimeout;

    @Option(names = "--kill-tasks-on-stop", defaultValue = "false",
            description = "Kill running tasks when the agent is stopped with SIGTERM (used by `corral local`)."
                    + " Without it they keep running while the agent is down, and an agent started again with the same"
                    + " work dir recovers them.")
    boolean killTasksOnStop;

    @Option(names = "--isolation", split = ",", paramLabel = "ISOLATORS",
            description = "Isolators, comma-separated: cgroups/mem (cgroup v1 memory limit from each task's mem;"
                    + " needs root). Default: none, processes only.")
    java.util.List<String> isolation = java.util.List.of();

    @Option(names = "--executor-registration-timeout", defaultValue = "1mins", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long a custom executor may take to subscribe after it starts, or to subscribe again"
                    + " after an agent restart, before it is destroyed and its tasks fail (Mesos's"
                    + " --executor_registration_timeout; default: ${DEFAULT-VALUE}).")
    Duration executorRegistrationTimeout;

    @Option(names = "--credential", paramLabel = "FILE",
            description = "The principal and secret this agent authenticates to the masters with, in Mesos's"
                    + " format: {\"principal\": \"agent\", \"secret\": \"...\"}.")
    Path credentialFile;

    @Option(names = "--insecure",
            description = "Talk to masters that authenticate nobody (masters started --insecure).")
    boolean insecure;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Optional<Credential> credential = SecurityOptions.credential(spec.commandLine(), credentialFile, insecure,
                "agent");
        AgentServer.Options options = new AgentServer.Options(zk, hostname, bind != null ? bind : hostname, port,
                workDir.toAbsolutePath(), resources, zkSessionTimeout, Duration.ofSeconds(45), isolation)
                .withExecutorRegistrationTimeout(executorRegistrationTimeout);
        AgentServer server = AgentServer.start(credential.map(options::withCredential).orElse(options));
        CountDownLatch done = new CountDownLatch(1);
        var settings = LiveSettings.forAgent(server.zookeeper(), zk.rootPath());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            BoundedShutdown.run("agent", () -> {
                settings.close();
                server.stop(killTasksOnStop);
            });
            done.countDown();
        }, "agent-shutdown"));
        done.await();
        return 0;
    }
}
