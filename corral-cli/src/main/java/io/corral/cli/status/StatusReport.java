package io.corral.cli.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.EnsembleHealthJson;
import io.corral.zookeeper.health.ServerHealth;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Prints a {@link ClusterStatus}: for people, one section per part (a summary line, then a table), ending with the
 * problems; for programs, one JSON document.
 *
 * <p>Stateless.
 */
public final class StatusReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusReport() {}

    public static void printText(ClusterStatus status, PrintStream out) {
        out.println("Cluster: " + status.cluster());
        out.println();
        printZooKeeper(status, out);
        out.println();
        printMasters(status, out);
        out.println();
        printAgents(status, out);
        out.println();
        printFrameworks(status, out);
        out.println();
        List<String> problems = status.problems();
        if (problems.isEmpty()) {
            out.println("No problems found.");
        } else {
            out.println("Problems:");
            problems.forEach(problem -> out.println("  - " + problem));
        }
        out.flush();
    }

    public static ObjectNode toJson(ClusterStatus status) {
        ObjectNode root = JSON.createObjectNode();
        List<String> problems = status.problems();
        root.put("cluster", status.cluster());
        root.put("healthy", problems.isEmpty());
        root.set("zookeeper", status.zookeeper().map(EnsembleHealthJson::toJson).orElse(null));
        root.put("leader", status.leader().map(ClusterStatus.Master::address).orElse(null));
        ArrayNode masters = root.putArray("masters");
        for (ClusterStatus.Master master : status.masters()) {
            ObjectNode node = masters.addObject();
            node.put("address", master.address());
            node.put("id", master.id().orElse(null));
            node.put("znode", master.znode().orElse(null));
            node.put("leader", master.leader());
            node.put("healthy", master.healthy());
            master.error().ifPresent(error -> node.put("error", error));
        }
        ArrayNode agents = root.putArray("agents");
        for (ClusterStatus.Agent agent : status.agents()) {
            agents.addObject()
                    .put("id", agent.id())
                    .put("hostname", agent.hostname())
                    .put("state", agent.state().name().toLowerCase(Locale.ROOT))
                    .put("cpus", agent.cpus())
                    .put("cpus_used", agent.cpusUsed())
                    .put("mem", agent.mem())
                    .put("mem_used", agent.memUsed())
                    .put("tasks", agent.tasks());
        }
        root.put("unreachable_agents", status.unreachableAgents());
        ArrayNode frameworks = root.putArray("frameworks");
        for (ClusterStatus.Framework framework : status.frameworks()) {
            frameworks.addObject()
                    .put("id", framework.id())
                    .put("name", framework.name())
                    .put("active", framework.active())
                    .put("connected", framework.connected())
                    .put("tasks", framework.tasks());
        }
        ArrayNode list = root.putArray("problems");
        problems.forEach(list::add);
        return root;
    }

    // ------------------------------------------------------------------------------------------------ sections

    private static void printZooKeeper(ClusterStatus status, PrintStream out) {
        if (status.zookeeper().isEmpty()) {
            out.println("ZooKeeper: unknown (" + status.zookeeperError().orElse("not checked") + ")");
            return;
        }
        EnsembleHealth health = status.zookeeper().get();
        out.println("ZooKeeper: " + (health.hasQuorum() ? "quorum held" : "NO QUORUM") + ", "
                + health.serversUp() + " of " + health.servers().size() + " servers up (" + health.quorumSize()
                + " needed), leader " + health.leader().orElse("none"));
        Table table = new Table("SERVER", "MODE", "STATUS", "LATENCY AVG/MAX", "OUTSTANDING", "ZNODES", "CONNECTIONS");
        for (ServerHealth server : health.servers()) {
            if (server.isServing()) {
                table.row(server.address(), server.mode().label(), "ok",
                        number(server.latencyAvgMs()) + "/" + server.latencyMaxMs() + " ms",
                        server.outstandingRequests(), server.znodeCount(), server.connections());
            } else {
                table.row(server.address(), "-", server.reachable() ? "not serving" : "down", "-", "-", "-", "-");
            }
        }
        table.print(out);
    }

    private static void printMasters(ClusterStatus status, PrintStream out) {
        if (status.masters().isEmpty()) {
            out.println("Masters: " + status.mastersError().map(e -> "unknown (" + e + ")").orElse("none registered"));
            return;
        }
        out.println("Masters: " + status.masters().size() + ", leader "
                + status.leader().map(ClusterStatus.Master::address).orElse("unknown"));
        boolean leaderKnown = status.leader().isPresent();
        Table table = new Table("ADDRESS", "ROLE", "STATUS", "ID", "ZNODE");
        for (ClusterStatus.Master master : status.masters()) {
            table.row(master.address(), master.leader() ? "leader" : leaderKnown ? "standby" : "unknown",
                    master.healthy() ? "ok" : "unhealthy", master.id().orElse("-"), master.znode().orElse("-"));
        }
        table.print(out);
    }

    private static void printAgents(ClusterStatus status, PrintStream out) {
        if (status.stateError().isPresent()) {
            out.println("Agents: unknown (the cluster state could not be read)");
            return;
        }
        List<ClusterStatus.Agent> agents = status.agents();
        out.println("Agents: " + count(agents, ClusterStatus.AgentState.ACTIVE) + " active, "
                + count(agents, ClusterStatus.AgentState.INACTIVE) + " inactive, "
                + count(agents, ClusterStatus.AgentState.DRAINING) + " draining, "
                + status.unreachableAgents() + " unreachable");
        if (agents.isEmpty()) {
            return;
        }
        Table table = new Table("HOSTNAME", "ID", "STATE", "CPUS USED", "MEM USED (MB)", "TASKS");
        for (ClusterStatus.Agent agent : agents) {
            table.row(agent.hostname(), agent.id(), agent.state().name().toLowerCase(Locale.ROOT),
                    number(agent.cpusUsed()) + "/" + number(agent.cpus()),
                    number(agent.memUsed()) + "/" + number(agent.mem()), agent.tasks());
        }
        table.print(out);
    }

    private static void printFrameworks(ClusterStatus status, PrintStream out) {
        if (status.stateError().isPresent()) {
            out.println("Frameworks: unknown (the cluster state could not be read)");
            return;
        }
        List<ClusterStatus.Framework> frameworks = status.frameworks();
        long connected = frameworks.stream().filter(ClusterStatus.Framework::connected).count();
        out.println("Frameworks: " + connected + " connected, " + (frameworks.size() - connected) + " disconnected");
        if (frameworks.isEmpty()) {
            return;
        }
        Table table = new Table("NAME", "ID", "STATE", "TASKS");
        for (ClusterStatus.Framework framework : frameworks) {
            String state = !framework.connected() ? "disconnected" : framework.active() ? "active" : "inactive";
            table.row(framework.name(), framework.id(), state, framework.tasks());
        }
        table.print(out);
    }

    private static long count(List<ClusterStatus.Agent> agents, ClusterStatus.AgentState state) {
        return agents.stream().filter(agent -> agent.state() == state).count();
    }

    /** Whole numbers without a fraction; others with up to 2 decimals. */
    private static String number(double value) {
        if (value == Math.rint(value)) {
            return String.valueOf((long) value);
        }
        return String.format(Locale.ROOT, "%.2f", value).replaceAll("0+$", "");
    }
}
