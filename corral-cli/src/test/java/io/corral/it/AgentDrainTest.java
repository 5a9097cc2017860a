package io.corral.it;

import static io.corral.it.OperatorCalls.agentId;
import static io.corral.it.OperatorCalls.deactivate;
import static io.corral.it.OperatorCalls.drain;
import static io.corral.it.OperatorCalls.get;
import static io.corral.it.OperatorCalls.gone;
import static io.corral.it.OperatorCalls.machine;
import static io.corral.it.OperatorCalls.ok;
import static io.corral.it.OperatorCalls.reactivate;
import static io.corral.it.OperatorCalls.refused;
import static io.corral.it.OperatorCalls.schedule;
import static io.corral.it.OperatorCalls.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.DrainState;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT and MARK_AGENT_GONE on a real cluster with a real task: no offers
 * from a deactivated or drained agent, a drained agent's tasks killed, a gone agent's tasks lost and the agent refused
 * for ever (also when something else sends a REGISTER with its id), and Mesos's errors for bad calls.
 */
class AgentDrainTest {
    @TempDir
    Path workDir;

    @Test
    void aDeactivatedAgentGetsNoOffersAndKeepsItsTasksUntilReactivated() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            Fixture f = Fixture.withRunningTask(cluster);
            refused(f.url, reactivate(f.agent), 400, "Agent is not deactivated");
            refused(f.url, deactivate(agentId("no-such-agent")), 400, "Unknown agent");
            refused(f.url, deactivate(agentId("a/b")), 400, "contains invalid characters");
            refused(f.url, Call.newBuilder().setType(Call.Type.DEACTIVATE_AGENT).build(), 400,
                    "Expecting 'deactivate_agent' to be present");

            ok(f.url, deactivate(f.agent));
            assertThat(agent(f.url)).satisfies(agent -> {
                assertThat(agent.getDeactivated()).isTrue();
                assertThat(agent.getActive()).isFalse();
            });
            assertThat(stateJson(f.url)).contains("\"deactivated\":true");
            f.scheduler.offers.clear();
            f.client.revive().join(); // would bring an offer within the allocation interval if the agent were active
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> f.scheduler.offers.isEmpty());
            assertThat(f.scheduler.statesOf("sleeper")).containsOnly(TaskState.TASK_STARTING, TaskState.TASK_RUNNING);

            ok(f.url, reactivate(f.agent));
            assertThat(agent(f.url).getDeactivated()).isFalse();
            f.scheduler.nextOffer();
            f.client.close();
        }
    }

    @Test
    void aDrainedAgentHasItsTasksKilledGetsNoOffersAndIsDrainedUntilReactivated() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            Fixture f = Fixture.withRunningTask(cluster);
            refused(f.url, drain(agentId("no-such-agent"), null, false), 400, "Unknown agent");
            ok(f.url, schedule(window(4_000_000_000L, 60, machine("127.0.0.1", null))));
            refused(f.url, drain(f.agent, 1L, false), 400, "is part of a maintenance schedule under Machine");
            ok(f.url, schedule());

            ok(f.url, drain(f.agent, 1L, false));
            f.scheduler.awaitState("sleeper", TaskState.TASK_KILLED);
            await().atMost(Duration.ofSeconds(10)).until(() -> agent(f.url).getDrainInfo().getState()
                    == DrainState.DRAINED);
            Response.GetAgents.Agent drained = agent(f.url);
            assertThat(drained.getDeactivated()).isTrue();
            assertThat(drained.getDrainInfo().getConfig().getMaxGracePeriod().getNanoseconds())
                    .isEqualTo(1_000_000_000L);
            assertThat(stateJson(f.url)).contains("\"drain_info\"").contains("DRAINED");
            f.scheduler.offers.clear();
            f.client.revive().join();
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> f.scheduler.offers.isEmpty());

            ok(f.url, reactivate(f.agent));
            assertThat(agent(f.url).hasDrainInfo()).isFalse();
            f.scheduler.nextOffer();
            f.client.close();
        }
    }

    @Test
    void aGoneAgentsTasksAreLostAndItIsNeverAdmittedAgain() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            Fixture f = Fixture.withRunningTask(cluster);
            refused(f.url, gone(agentId("no-such-agent")), 404, "Agent 'no-such-agent' not found");

            ok(f.url, gone(f.agent));
            TaskStatus lost = f.scheduler.awaitState("sleeper", TaskState.TASK_LOST);
            assertThat(lost.getReason()).isEqualTo(TaskStatus.Reason.REASON_AGENT_REMOVED);
            assertThat(get(f.url, Call.Type.GET_AGENTS).getGetAgents().getAgentsList()).isEmpty();
            ok(f.url, gone(f.agent)); // again: nothing to do, as in Mesos
            refused(f.url, deactivate(f.agent), 400, "Unknown agent");

            HttpResponse<String> spoofed = register(f.url, f.agent);
            assertThat(spoofed.statusCode()).isEqualTo(403);
            assertThat(spoofed.body()).contains("has been marked gone");
            assertThat(get(f.url, Call.Type.GET_AGENTS).getGetAgents().getAgentsList()).isEmpty();
            f.client.close();
        }
    }

    @Test
    void drainingWithMarkGoneEndsWithTheAgentGone() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            Fixture f = Fixture.withRunningTask(cluster);
            ok(f.url, drain(f.agent, 0L, true));
            f.scheduler.awaitState("sleeper", TaskState.TASK_KILLED);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(f.url, Call.Type.GET_AGENTS).getGetAgents()
                    .getAgentsCount() == 0);
            assertThat(register(f.url, f.agent).statusCode()).isEqualTo(403);
            f.client.close();
        }
    }

    /** A REGISTER as the agent protocol sends it, with the given id, from something that is not that agent. */
    static HttpResponse<String> register(String url, AgentID id) throws Exception {
        AgentInfo info = AgentInfo.newBuilder().setId(id).setHostname("spoofer").setPort(5051)
                .addAllResources(io.corral.protocol.resources.ResourceSet.parse("cpus:1;mem:128").toList()).build();
        byte[] body = AgentProtocol.encode(AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info,
                List.of(), List.of())));
        return OperatorCalls.HTTP.send(HttpRequest.newBuilder(URI.create(url + AgentProtocol.PATH))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static Response.GetAgents.Agent agent(String url) throws Exception {
        return get(url, Call.Type.GET_AGENTS).getGetAgents().getAgents(0);
    }

    static String stateJson(String url) throws Exception {
        return OperatorCalls.HTTP.send(HttpRequest.newBuilder(URI.create(url + "/master/state")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A framework with one running task ("sleeper") on the cluster's only agent. */
    record Fixture(String url, RecordingScheduler scheduler, SchedulerClient client, AgentID agent) {
        static Fixture withRunningTask(InProcessCluster cluster) throws Exception {
            cluster.awaitLeader();
            String url = cluster.leaderUrl();
            RecordingScheduler scheduler = new RecordingScheduler();
            SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(url),
                    Tasks.framework("drainer", 60), scheduler).autoAcknowledge(true).build();
            client.start();
            Offer offer = scheduler.nextOffer();
            client.launch(List.of(offer.getId()), List.of(Tasks.shell("sleeper", "sleep 300", offer, 0.5, 64)))
                    .join();
            scheduler.awaitState("sleeper", TaskState.TASK_RUNNING);
            return new Fixture(url, scheduler, client, offer.getAgentId());
        }
    }
}
