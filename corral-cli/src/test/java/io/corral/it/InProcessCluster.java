package io.corral.it;

import static org.awaitility.Awaitility.await;

import io.corral.agent.AgentServer;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.test.TestingServer;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * A real cluster inside the test JVM: a ZooKeeper server (curator-test), masters and agents serving real HTTP on
 * loopback, tasks as real processes. Masters that lose leadership are recorded, as their process would exit.
 */
final class InProcessCluster implements AutoCloseable {
    static final String AGENT_RESOURCES = "cpus:2;mem:1024;disk:1000;ports:[31000-32000]";
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);
    /**
     * For tests of logic, not of failure timing: a lone master whose 2 s session expires while a busy CI machine
     * stalls the test JVM is deposed for good and leaves the test without a leader.
     */
    static final Duration LOGIC_SESSION_TIMEOUT = Duration.ofSeconds(10);

    final TestingServer zookeeper;
    final ZkUrl zk;
    final List<MasterServer> masters = new ArrayList<>();
    final List<AgentServer> agents = new ArrayList<>();
    final List<MasterServer> deposed = new CopyOnWriteArrayList<>();
    private final Path workDir;
    private final Duration sessionTimeout;

    InProcessCluster(Path workDir) throws Exception {
        this(workDir, SESSION_TIMEOUT);
    }

    InProcessCluster(Path workDir, Duration sessionTimeout) throws Exception {
        this.workDir = workDir;
        this.sessionTimeout = sessionTimeout;
        this.zookeeper = new TestingServer(true);
        this.zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
    }

    static InProcessCluster start(Path workDir, int masters, int agents) throws Exception {
        return start(workDir, masters, agents, SESSION_TIMEOUT);
    }

    /** With another ZooKeeper session timeout, e.g. long for tests of logic rather than of failover timing. */
    static InProcessCluster start(Path workDir, int masters, int agents, Duration sessionTimeout) throws Exception {
        InProcessCluster cluster = new InProcessCluster(workDir, sessionTimeout);
        for (int i = 0; i < masters; i++) {
            cluster.startMaster();
        }
        for (int i = 0; i < agents; i++) {
            cluster.startAgent(i);
        }
        return cluster;
    }

    MasterServer startMaster() throws Exception {
        MasterServer[] self = new MasterServer[1];
        MasterServer master = MasterServer.start(MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0,
                sessionTimeout, MasterConfig.defaults()), () -> deposed.add(self[0]));
        self[0] = master;
        masters.add(master);
        return master;
    }

    AgentServer startAgent(int index) throws Exception {
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                workDir.resolve("agent-" + index), AGENT_RESOURCES, sessionTimeout, Duration.ofSeconds(45)));
        agents.add(agent);
        return agent;
    }

    /** An agent with these attributes (Mesos's --attributes form, e.g. "rack:r1;zone:a"). */
    AgentServer startAgent(int index, String attributes) throws Exception {
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                workDir.resolve("agent-" + index), AGENT_RESOURCES, sessionTimeout, Duration.ofSeconds(45))
                .withAttributes(io.corral.protocol.resources.AgentAttributes.parse(attributes)));
        agents.add(agent);
        return agent;
    }

    /** An agent with these isolators and container image options. */
    AgentServer startAgent(int index, io.corral.agent.containerizer.IsolationOptions isolation) throws Exception {
        AgentServer agent = AgentServer.start(new AgentServer.Options(zk, "127.0.0.1", "127.0.0.1", 0,
                workDir.resolve("agent-" + index), AGENT_RESOURCES, sessionTimeout, Duration.ofSeconds(45), isolation,
                Duration.ofMinutes(1), AgentServer.SandboxOptions.DEFAULT, AgentServer.Security.INSECURE));
        agents.add(agent);
        return agent;
    }

    /**
     * Waits for a leader; if none comes, the failure names where each master stands (e.g. deposed, and why), so a
     * failed run explains itself.
     */
    MasterServer awaitLeader() {
        try {
            await().atMost(Duration.ofSeconds(30))
                    .failFast("every master was deposed", () -> !masters.isEmpty() && deposed.containsAll(masters))
                    .until(() -> leader().isPresent());
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            throw new AssertionError("no master leads; where they stand: " + whereMastersStand(), e);
        }
        return leader().orElseThrow();
    }

    private String whereMastersStand() {
        return masters.stream().map(m -> m.lifecycle().phase() + m.lifecycle().reason().map(r -> " (" + r + ")")
                .orElse("")).toList().toString();
    }

    Optional<MasterServer> leader() {
        return masters.stream().filter(MasterServer::isLeading).findFirst();
    }

    String leaderUrl() {
        return "http://127.0.0.1:" + leader().orElseThrow().port();
    }

    String anyMasterUrl() {
        return "http://127.0.0.1:" + masters.get(0).port();
    }

    @Override
    public void close() throws Exception {
        for (AgentServer agent : agents) {
            agent.stop(true);
        }
        for (MasterServer master : masters) {
            master.close();
        }
        zookeeper.close();
    }
}
