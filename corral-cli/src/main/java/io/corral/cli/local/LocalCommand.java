package io.corral.cli.local;

import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.resources.DetectedResources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code corral local}: starts a whole cluster on loopback (a ZooKeeper ensemble, masters and agents, each its own
 * OS process), supervises it until Ctrl-C, then stops every process it started.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run a whole cluster on this machine (ZooKeeper, masters, agents) until Ctrl-C.",
        subcommands = LocalStatusCommand.class)
public final class LocalCommand implements Callable<Integer> {

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where data, logs and cluster.json go (default: a new /tmp/corral-local-<timestamp>).")
    Path workDir;

    @Option(names = "--zk-servers", paramLabel = "N", defaultValue = "3",
            description = "ZooKeeper servers in the ensemble (default: ${DEFAULT-VALUE}).")
    int zkServers;

    @Option(names = "--masters", paramLabel = "N", defaultValue = "3",
            description = "Masters (default: ${DEFAULT-VALUE}).")
    int masters;

    @Option(names = "--agents", paramLabel = "N", defaultValue = "2",
            description = "Agents (default: ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--services", paramLabel = "N", defaultValue = "1",
            description = "Processes of the built-in Services framework (`corral app`); one leads, the others stand"
                    + " by (default: ${DEFAULT-VALUE}; 0: none).")
    int services;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "1",
            description = "Processes of the built-in Jobs framework (`corral job`) (default: ${DEFAULT-VALUE}; 0: none).")
    int jobs;

    @Option(names = "--base-port", paramLabel = "PORT",
            description = "Use consecutive ports from PORT instead of free ports picked at random.")
    Integer basePort;

    @Option(names = "--insecure",
            description = "Start every master and agent --insecure: no authentication, as Mesos by default (for"
                    + " old clients that cannot send credentials).")
    boolean insecure;

    @Option(names = "--tls",
            description = "Serve HTTPS only: generate a CA and a certificate for 127.0.0.1 and localhost in"
                    + " <work dir>/secrets, start every master and agent with them, and ZooKeeper with a TLS-only"
                    + " client port; corral commands on this machine find the CA by themselves.")
    boolean tls;

    @Option(names = "--isolation", paramLabel = "ISOLATORS",
            description = "The agents' --isolation: 'auto' (the default) is cgroups/cpu,cgroups/mem,cgroups/pids,"
                    + "disk/du when corral local runs as root with writable cgroups, else none; 'none' turns it off."
                    + " Adding filesystem/linux,namespaces/pid,docker/runtime (as root) runs tasks with a container"
                    + " image in it (the agents get --image-providers docker).")
    String isolation = "auto";

    @Override
    public Integer call() {
        Path dir = workDir != null ? workDir.toAbsolutePath().normalize() : newWorkDir();
        refuseIfRunningIn(dir);
        PortPlan ports = basePort != null ? PortPlan.from(basePort) : PortPlan.free();
        LocalSecrets secrets = insecure ? LocalSecrets.insecure() : LocalSecrets.generate(dir);
        if (tls) {
            secrets = secrets.withTls(LocalCertificates.generate(LocalSecrets.directory(dir), Instant.now()));
        }
        LocalTopology topology = LocalTopology.plan(dir, zkServers, masters, agents,
                new LocalTopology.Frameworks(services, jobs), ports, secrets, agentIsolation(),
                Optional.of(DetectedResources.detect(dir)));
        secrets.writeZkUrl(topology.zkUrl());
        LocalCluster cluster = new LocalCluster(topology, dir, ChildLauncher.sameAsThisJvm(),
                ReadinessProbe.forLocalCluster(secrets.zkTls()), RestartBackoff.DEFAULT,
                ZooKeeperLeaderFeed.as(secrets.operator(), secrets.clientTls(), secrets.zkTls()),
                LocalRegistry.forCurrentUser(), System.out, Clock.systemUTC(), secrets);
        // Ctrl-C and SIGTERM run shutdown hooks: that is where the cluster stops.
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "corral-local-stop"));
        cluster.start();
        cluster.stopped().join();
        return 0;
    }

    private java.util.List<String> agentIsolation() {
        return switch (isolation) {
            case "auto" -> IsolationOptions.localDefault(Cgroups.DEFAULT_MOUNT);
            case "none", "" -> java.util.List.of();
            default -> java.util.List.of(isolation.split(","));
        };
    }

    /** A fresh directory per run, so runs never mix their data: {@code <tmp>/corral-local-<timestamp>}. */
    private static Path newWorkDir() {
        String timestamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path dir = tmp.resolve("corral-local-" + timestamp);
        return Files.exists(dir) ? tmp.resolve(dir.getFileName() + "-" + ProcessHandle.current().pid()) : dir;
    }

    /** Two supervisors in one work directory would fight over its ports and data. */
    private static void refuseIfRunningIn(Path dir) {
        Path file = ClusterFile.in(dir);
        if (!Files.exists(file)) {
            return;
        }
        ClusterFile previous;
        try {
            previous = ClusterFile.read(file);
        } catch (RuntimeException unreadable) {
            return; // Not a cluster we can recognise; starting over it is the user's call.
        }
        boolean alive = ProcessHandle.of(previous.pid()).map(ProcessHandle::isAlive).orElse(false);
        if (alive && !"STOPPED".equals(previous.state())) {
            throw new IllegalStateException("a corral local (pid " + previous.pid() + ") is already running in "
                    + dir + "; stop it first, or choose another --work-dir");
        }
    }
}
