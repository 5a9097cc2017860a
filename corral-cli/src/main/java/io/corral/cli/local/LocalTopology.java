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
 * ports (member by member; none for a single standalone server), master ports, agent ports.
 *
 * <p>Work directory layout: {@code logs/<name>.log}, {@code run/<name>.pid}, {@code <name>/} (the process's data).
 *
 * @param zkUrl      {@code zk://127.0.0.1:p1,127.0.0.1:p2,.../corral}
 * @param zooKeepers the ZooKeeper servers
 * @param masters    the masters
 * @param agents     the agents
 */
public record LocalTopology(String zkUrl, List<ProcessSpec> zooKeepers, List<ProcessSpec> masters,
                            List<ProcessSpec> agents) {

    public static final String HOST = "127.0.0.1";
    public static final String ROOT_PATH = "/corral";
    public static final String ZK = "zk";
    public static final String MASTER = "master";
    public static final String AGENT = "agent";

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
        requireAtLeast(1, zkServers, "--zk-servers");
        requireAtLeast(1, masterCount, "--masters");
        requireAtLeast(0, agentCount, "--agents");
        boolean ensemble = zkServers > 1;
        Iterator<Integer> port = ports.take(zkServers * (ensemble ? 3 : 1) + masterCount + agentCount).iterator();

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
        return new LocalTopology(zkUrl, zooKeepers,
                servers(workDir, MASTER, masterCount, secrets.zkArgument(zkUrl), port, i -> secrets.masterArgs()),
                servers(workDir, AGENT, agentCount, secrets.zkArgument(zkUrl), port,
                        i -> agentArgs(i, agentCount, secrets, agentIsolation, machine)));
    }

    /** Every process in start order: ZooKeeper, masters, agents. */
    public List<ProcessSpec> all() {
        return Stream.of(zooKeepers, masters, agents).flatMap(List::stream).toList();
    }

    /** Roles in the order {@code corral local} stops them: agents (and their tasks) first, ZooKeeper last. */
    public static List<String> stopOrder() {
        return List.of(AGENT, MASTER, ZK);
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
