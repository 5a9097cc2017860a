package io.corral.cli.local;

import io.corral.agent.containerizer.IsolationOptions;
import io.corral.agent.resources.DetectedResources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The processes of a local cluster and their fixed identities: names, ports, data directories, log files.
 *
 * <p>Ports are taken from a {@link PortPlan} in this order: ZooKeeper client ports, ZooKeeper quorum and election
 * ports (member by member; none for a single standalone server), master ports, agent ports, then the REST ports of
 * the built-in frameworks' processes (Services, then Jobs).
 *
 * <p>Work directory layout: {@code logs/<name>.log}, {@code run/<name>.pid}, {@code <name>/} (the process's data).
 *
 * @param zkUrl      {@code zk://127.0.0.1:p1,127.0.0.1:p2,.../corral}
 * @param zooKeepers the ZooKeeper servers
 * @param masters    the masters
 * @param agents     the agents
 * @param frameworks the built-in frameworks' processes ({@code services-N}, {@code jobs-N})
 */
public record LocalTopology(String zkUrl, List<ProcessSpec> zooKeepers, List<ProcessSpec> masters,
                            List<ProcessSpec> agents, List<ProcessSpec> frameworks) {

    public static final String HOST = "127.0.0.1";
    public static final String ROOT_PATH = "/corral";
    public static final String ZK = "zk";
    public static final String MASTER = "master";
    public static final String AGENT = "agent";
    public static final String SERVICES = "services";
    public static final String JOBS = "jobs";

    /** A plan without the built-in frameworks. */
    public LocalTopology(String zkUrl, List<ProcessSpec> zooKeepers, List<ProcessSpec> masters,
                         List<ProcessSpec> agents) {
        this(zkUrl, zooKeepers, masters, agents, List.of());
    }

    /** How many processes of each built-in framework a local cluster runs. */
    public record Frameworks(int services, int jobs) {
        public static final Frameworks NONE = new Frameworks(0, 0);

        int count() {
            return services + jobs;
        }
    }

    /** An insecure cluster's plan, agents without isolation (tests that exercise neither). */
    public static LocalTopology plan(Path workDir, int zkServers, int masterCount, int agentCount, PortPlan ports) {
        return plan(workDir, zkServers, masterCount, agentCount, ports, LocalSecrets.insecure(), List.of(),
                Optional.empty());
    }

    /** An insecure cluster's plan; {@code agentIsolation}: the agents' {@code --isolation} (none when empty). */
    public static LocalTopology plan(Path workDir, int zkServers, int masterCount, int agentCount, PortPlan ports,
                                     List<String> agentIsolation) {
        return plan(workDir, zkServers, masterCount, agentCount, ports, LocalSecrets.insecure(), agentIsolation,
                Optional.empty());
    }

    /** @param machine this machine's resources, divided between the agents; empty: each detects its own */
    public static LocalTopology plan(Path workDir, int zkServers, int masterCount, int agentCount, PortPlan ports,
                                     LocalSecrets secrets, List<String> agentIsolation,
                                     Optional<DetectedResources> machine) {
        return plan(workDir, zkServers, masterCount, agentCount, Frameworks.NONE, ports, secrets, agentIsolation,
                machine);
    }

    /** @param frameworks how many Services and Jobs processes to run besides */
    public static LocalTopology plan(Path workDir, int zkServers, int masterCount, int agentCount,
                                     Frameworks frameworks, PortPlan ports, LocalSecrets secrets,
                                     List<String> agentIsolation, Optional<DetectedResources> machine) {
        requireAtLeast(1, zkServers, "--zk-servers");
        requireAtLeast(1, masterCount, "--masters");
        requireAtLeast(0, agentCount, "--agents");
        requireAtLeast(0, frameworks.services(), "--services");
        requireAtLeast(0, frameworks.jobs(), "--jobs");
        boolean ensemble = zkServers > 1;
        Iterator<Integer> port = ports.take(zkServers * (ensemble ? 3 : 1) + masterCount + agentCount
                + frameworks.count()).iterator();

        List<Integer> clientPorts = new ArrayList<>();
        for (int i = 0; i < zkServers; i++) {
            clientPorts.add(port.next());
        }
        List<String> members = new ArrayList<>();
        for (int i = 0; ensemble && i < zkServers; i++) {
            members.add(HOST + ":" + port.next() + ":" + port.next());
        }
        String zkUrl = "zk://" + clientPorts.stream().map(p -> HOST + ":" + p).collect(Collectors.joining(","))
                + ROOT_PATH;

        List<ProcessSpec> zooKeepers = new ArrayList<>();
        for (int i = 1; i <= zkServers; i++) {
            String name = ZK + "-" + i;
            List<String> args = new ArrayList<>(List.of("zk", "--data-dir", workDir.resolve(name).toString(),
                    "--port", Integer.toString(clientPorts.get(i - 1)), "--host", HOST));
            if (ensemble) {
                args.addAll(List.of("--id", Integer.toString(i), "--servers", String.join(",", members)));
            }
            args.addAll(secrets.zkServerArgs(clientPorts.get(i - 1)));
            zooKeepers.add(spec(workDir, ZK, name, args, clientPorts.get(i - 1)));
        }
        List<ProcessSpec> masterSpecs = servers(workDir, MASTER, masterCount, secrets.zkArgument(zkUrl), port,
                i -> secrets.masterArgs());
        List<ProcessSpec> agentSpecs = servers(workDir, AGENT, agentCount, secrets.zkArgument(zkUrl), port,
                i -> agentArgs(i, agentCount, secrets, agentIsolation, machine));
        List<ProcessSpec> frameworkSpecs = new ArrayList<>();
        frameworkSpecs.addAll(frameworkProcesses(workDir, SERVICES, frameworks.services(), secrets, zkUrl, port));
        frameworkSpecs.addAll(frameworkProcesses(workDir, JOBS, frameworks.jobs(), secrets, zkUrl, port));
        return new LocalTopology(zkUrl, zooKeepers, masterSpecs, agentSpecs, frameworkSpecs);
    }

    /** Every process in start order: ZooKeeper, masters, agents, the built-in frameworks. */
    public List<ProcessSpec> all() {
        return Stream.of(zooKeepers, masters, agents, frameworks).flatMap(List::stream).toList();
    }

    /**
     * Roles in the order {@code corral local} stops them: the frameworks first (so that they do not replace what the
     * agents' stop ends), then agents (and their tasks), masters, ZooKeeper last.
     */
    public static List<String> stopOrder() {
        return List.of(SERVICES, JOBS, AGENT, MASTER, ZK);
    }

    /**
     * {@code count} processes of one built-in framework ({@code corral services} or {@code corral jobs}): one leads,
     * the others stand by. Each authenticates to the masters as the framework's own principal and serves its REST
     * API on its port, to the cluster's credentials and tokens.
     */
    private static List<ProcessSpec> frameworkProcesses(Path workDir, String framework, int count,
                                                        LocalSecrets secrets, String zkUrl, Iterator<Integer> port) {
        List<ProcessSpec> specs = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String name = framework + "-" + i;
            int p = port.next();
            List<String> args = new ArrayList<>(List.of(framework, "--zk", secrets.zkArgument(zkUrl),
                    "--listen", HOST + ":" + p));
            args.addAll(secrets.frameworkArgs(framework));
            specs.add(spec(workDir, framework, name, args, p));
        }
        return specs;
    }

    /** {@code extraArgs} gives server {@code i} (1-based) its role's own flags. */
    private static List<ProcessSpec> servers(Path workDir, String role, int count, String zkUrl,
                                             Iterator<Integer> port, IntFunction<List<String>> extraArgs) {
        List<ProcessSpec> specs = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String name = role + "-" + i;
            int p = port.next();
            List<String> args = new ArrayList<>(List.of(role, "--zk", zkUrl, "--port", Integer.toString(p),
                    "--work-dir", workDir.resolve(name).toString(), "--hostname", HOST));
            args.addAll(extraArgs.apply(i));
            specs.add(spec(workDir, role, name, args, p));
        }
        return specs;
    }

    /**
     * Agent {@code i}'s flags: credentials, stop behaviour, isolation, and its share of the machine (each agent
     * offers 1/N of it, with ports of its own, instead of all of it: N agents would otherwise offer it N times).
     */
    private static List<String> agentArgs(int i, int agentCount, LocalSecrets secrets, List<String> isolation,
                                          Optional<DetectedResources> machine) {
        List<String> args = new ArrayList<>(secrets.agentArgs());
        args.add("--kill-tasks-on-stop"); // Ctrl-C of a local cluster ends its tasks too
        if (!isolation.isEmpty()) { // root with writable cgroups: a local cluster isolates as a real one
            args.addAll(List.of("--isolation", String.join(",", isolation)));
        }
        if (isolation.contains(IsolationOptions.FILESYSTEM)) { // asked for Mesos's image isolators: images on
            args.addAll(List.of("--image-providers", "docker"));
        }
        machine.ifPresent(resources -> args.addAll(List.of("--resources", resources.share(agentCount, i - 1))));
        return args;
    }

    private static ProcessSpec spec(Path workDir, String role, String name, List<String> args, int port) {
        return new ProcessSpec(role, name, args, HOST + ":" + port, workDir.resolve("logs").resolve(name + ".log"),
                workDir.resolve("run").resolve(name + ".pid"));
    }

    private static void requireAtLeast(int min, int value, String flag) {
        if (value < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + value);
        }
    }
}
