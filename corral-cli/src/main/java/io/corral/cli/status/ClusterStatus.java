package io.corral.cli.status;

import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.ServerHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One look at a whole cluster, as {@code corral status} shows it: the ZooKeeper ensemble, the masters, the agents
 * and the frameworks, each with what could not be learned, and the problems that follow from all of it.
 *
 * <p>Immutable.
 *
 * @param cluster         which cluster this is and where that was learned, e.g. "zk://... (from --zk)"
 * @param zookeeper       the ensemble's health, when it could be probed or read from the leader
 * @param zookeeperError  why the ensemble's health is unknown, when it is
 * @param masters         the masters that could be listed (all of them from ZooKeeper; else the ones met over HTTP)
 * @param mastersError    why the masters could not be listed, when they could not
 * @param agents          the registered agents, from the leader's state
 * @param unreachableAgents agents the leader counts unreachable
 * @param frameworks      the registered frameworks, from the leader's state
 * @param stateError      why the leader's state could not be read, when it could not
 */
public record ClusterStatus(String cluster, Optional<EnsembleHealth> zookeeper, Optional<String> zookeeperError,
                            List<Master> masters, Optional<String> mastersError, List<Agent> agents,
                            long unreachableAgents, List<Framework> frameworks, Optional<String> stateError,
                            boolean insecure) {

    public ClusterStatus {
        Objects.requireNonNull(cluster, "cluster");
        masters = List.copyOf(masters);
        agents = List.copyOf(agents);
        frameworks = List.copyOf(frameworks);
    }

    /**
     * A master.
     *
     * @param address "host:port" of its HTTP API
     * @param id      its MasterInfo id, or empty when only its address is known
     * @param znode   its {@code json.info_} znode, when listed from ZooKeeper
     * @param leader  it leads (lowest znode, or the one that served the state)
     * @param error   why its {@code /health} did not answer 200; empty when healthy
     */
    public record Master(String address, Optional<String> id, Optional<String> znode, boolean leader,
                         Optional<String> error) {
        public boolean healthy() {
            return error.isEmpty();
        }
    }

    /** Agent states shown; only {@link #ACTIVE} and {@link #DRAINING} are normal. */
    public enum AgentState { ACTIVE, INACTIVE, DRAINING }

    /** An agent, with its resources (total and used by tasks) and running tasks. */
    public record Agent(String id, String hostname, AgentState state, double cpus, double cpusUsed, double mem,
                        double memUsed, long tasks) {}

    /**
     * A framework.
     *
     * @param active    it gets offers
     * @param connected its scheduler's stream is up
     * @param tasks     its non-terminal tasks
     */
    public record Framework(String id, String name, boolean active, boolean connected, long tasks) {}

    /** The leading master, when one is known. */
    public Optional<Master> leader() {
        return masters.stream().filter(Master::leader).findFirst();
    }

    /** What is wrong, one sentence each, most fundamental first; empty when the cluster is healthy. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (insecure) {
            problems.add("the leading master runs --insecure: anyone who reaches it can act as any framework, agent"
                    + " or operator; restart the masters with --credentials (docs/security.md)");
        }
        addZooKeeperProblems(problems);
        addMasterProblems(problems);
        addAgentProblems(problems);
        for (Framework framework : frameworks) {
            if (!framework.connected()) {
                problems.add("framework " + framework.name() + " (" + framework.id() + ") is disconnected: it gets"
                        + " no offers until its scheduler resubscribes or its failover timeout ends it");
            }
        }
        return problems;
    }

    private void addZooKeeperProblems(List<String> problems) {
        zookeeperError.ifPresent(error -> problems.add("ZooKeeper health unknown: " + error));
        if (zookeeper.isEmpty()) {
            return;
        }
        EnsembleHealth health = zookeeper.get();
        if (!health.hasQuorum()) {
            problems.add("ZooKeeper has no quorum: " + health.serversUp() + " of " + health.servers().size()
                    + " servers serve, " + health.quorumSize() + " needed; masters make no decisions until it returns");
        }
        for (ServerHealth server : health.servers()) {
            if (!server.isServing()) {
                problems.add("ZooKeeper server " + server.address() + " is "
                        + (server.reachable() ? "not serving" : "down") + ": " + server.lastError().orElse("?"));
            }
        }
    }

    private void addMasterProblems(List<String> problems) {
        mastersError.ifPresent(error -> problems.add("cannot list the masters: " + error));
        if (mastersError.isEmpty() && masters.isEmpty()) {
            problems.add("no master is registered in ZooKeeper: start one with `corral master`");
        }
        for (Master master : masters) {
            master.error().ifPresent(error -> problems.add((master.leader() ? "leading master " : "master ")
                    + master.address() + " is unhealthy: " + error));
        }
        stateError.ifPresent(error -> problems.add("cannot read the cluster state: " + error));
    }

    private void addAgentProblems(List<String> problems) {
        if (stateError.isPresent()) {
            return; // agents unknown, already reported
        }
        if (agents.isEmpty() && unreachableAgents == 0) {
            problems.add("no agent is registered: tasks cannot run; start one with `corral agent`");
        }
        for (Agent agent : agents) {
            if (agent.state() == AgentState.INACTIVE) {
                problems.add("agent " + agent.hostname() + " (" + agent.id() + ") is inactive: it gets no tasks");
            }
        }
        if (unreachableAgents > 0) {
            problems.add(unreachableAgents + (unreachableAgents == 1 ? " agent is" : " agents are")
                    + " unreachable: their tasks are lost or unreachable until they come back");
        }
    }
}
