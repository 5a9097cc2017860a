package io.corral.it;

import static io.corral.it.OperatorCalls.drain;
import static io.corral.it.OperatorCalls.get;
import static io.corral.it.OperatorCalls.gone;
import static io.corral.it.OperatorCalls.machine;
import static io.corral.it.OperatorCalls.ok;
import static io.corral.it.OperatorCalls.schedule;
import static io.corral.it.OperatorCalls.start;
import static io.corral.it.OperatorCalls.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.MasterServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.KillSession;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.DrainState;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The maintenance schedule, machines' modes, a drained agent and a gone agent are durable: after the leader's
 * ZooKeeper session is killed, the next leader reports the same schedule and modes, the drained agent is still
 * deactivated and DRAINED, and the gone agent is still refused.
 */
class MaintenanceFailoverTest {
    @TempDir
    Path workDir;

    @Test
    void maintenanceDrainsAndGoneAgentsSurviveAMasterFailover() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 2, 2)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent()
                    && OperatorCalls.call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.GET_AGENTS)
                    .build()).statusCode() == 200
                    && get(cluster.leaderUrl(), Call.Type.GET_AGENTS).getGetAgents().getAgentsCount() == 2);
            String url = cluster.leaderUrl();
            List<Response.GetAgents.Agent> agents = get(url, Call.Type.GET_AGENTS).getGetAgents().getAgentsList();
            AgentID drained = agents.get(0).getAgentInfo().getId();
            AgentID goneAgent = agents.get(1).getAgentInfo().getId();

            MachineID draining = machine("drain.example", "10.0.0.1");
            MachineID down = machine("down.example", null);
            ok(url, schedule(window(4_000_000_000L, 3600, draining), window(4_000_000_000L, 60, down)));
            ok(url, start(down));
            ok(url, drain(drained, 5L, false));
            await().atMost(Duration.ofSeconds(10)).until(() -> agentById(url, drained).getDrainInfo().getState()
                    == DrainState.DRAINED);
            ok(url, gone(goneAgent));

            MasterServer oldLeader = cluster.leader().orElseThrow();
            KillSession.kill(oldLeader.zookeeper().getZookeeperClient().getZooKeeper());
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.leader().filter(m -> m != oldLeader)
                    .isPresent() && OperatorCalls.call(cluster.leaderUrl(), Call.newBuilder()
                    .setType(Call.Type.GET_MAINTENANCE_SCHEDULE).build()).statusCode() == 200);
            String next = cluster.leaderUrl();

            assertThat(get(next, Call.Type.GET_MAINTENANCE_SCHEDULE).getGetMaintenanceSchedule().getSchedule()
                    .getWindowsList()).hasSize(2)
                    .anySatisfy(w -> assertThat(w.getMachineIdsList()).containsExactly(draining))
                    .anySatisfy(w -> assertThat(w.getMachineIdsList()).containsExactly(down));
            ClusterStatus status = get(next, Call.Type.GET_MAINTENANCE_STATUS).getGetMaintenanceStatus()
                    .getStatus();
            assertThat(status.getDownMachinesList()).containsExactly(down);
            assertThat(status.getDrainingMachinesList()).singleElement()
                    .satisfies(m -> assertThat(m.getId()).isEqualTo(draining));

            Response.GetAgents.Agent stillDrained = agentById(next, drained);
            assertThat(stillDrained.getDeactivated()).isTrue();
            assertThat(stillDrained.getDrainInfo().getState()).isEqualTo(DrainState.DRAINED);
            assertThat(stillDrained.getDrainInfo().getConfig().getMaxGracePeriod().getNanoseconds())
                    .isEqualTo(5_000_000_000L);
            assertThat(get(next, Call.Type.GET_AGENTS).getGetAgents().getAgentsList())
                    .noneSatisfy(a -> assertThat(a.getAgentInfo().getId()).isEqualTo(goneAgent));
            assertThat(AgentDrainTest.register(next, goneAgent).statusCode()).isEqualTo(403);
        }
    }

    private static Response.GetAgents.Agent agentById(String url, AgentID id) throws Exception {
        return get(url, Call.Type.GET_AGENTS).getGetAgents().getAgentsList().stream()
                .filter(a -> a.getAgentInfo().getId().equals(id)).findFirst().orElseThrow();
    }
}
