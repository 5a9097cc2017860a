package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.agent.AgentServer;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.agent.Protos.Call;
import org.apache.mesos.v1.agent.Protos.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Usage from the containerizer's isolators, on the real kernel: an agent with the cgroups cpu and memory isolators
 * reports what the cgroups say (cpu time, the CFS quota as {@code cpus_limit}, throttling periods, the memory limit)
 * through {@code GET_CONTAINERS} and {@code /monitor/statistics}. Skipped where cgroups are not writable.
 */
class AgentUsageWithCgroupsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path workDir;
    InProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void containersReportTheirCgroupsUsage() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 0);
        AgentServer agent;
        try {
            agent = AgentServer.start(new AgentServer.Options(cluster.zk, "127.0.0.1", "127.0.0.1", 0,
                    workDir.resolve("agent"), InProcessCluster.AGENT_RESOURCES, InProcessCluster.SESSION_TIMEOUT,
                    Duration.ofSeconds(45), List.of("cgroups/cpu", "cgroups/mem")));
        } catch (Exception e) {
            assumeThat(e).as("an agent with cgroups isolators on this machine").isNull();
            return;
        }
        cluster.agents.add(agent);
        cluster.awaitLeader();

        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("measured", 60), scheduler).autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            client.launch(List.of(offer.getId()), List.of(Tasks.shell("burner",
                    "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo burnt; sleep 300", offer, 0.5, 64)))
                    .join();
            scheduler.awaitState("burner", TaskState.TASK_RUNNING);
            String url = "http://127.0.0.1:" + agent.port();

            ResourceStatistics usage = await().atMost(Duration.ofSeconds(30)).until(() -> containers(url),
                    statistics -> statistics.getCpusUserTimeSecs() + statistics.getCpusSystemTimeSecs() > 0);
            // The task's 0.5 cpus and the launcher's allowance (Mesos's command executor's 0.1), as Mesos reports it.
            assertThat(usage.getCpusLimit()).as("the CFS quota").isEqualTo(0.6);
            assertThat(usage.hasCpusNrPeriods()).as("throttling figures").isTrue();
            assertThat(usage.getMemLimitBytes()).isEqualTo(64L * 1024 * 1024);
            assertThat(usage.getMemTotalBytes()).isPositive();

            HttpResponse<String> monitor = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/monitor/statistics"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode statistics = new ObjectMapper().readTree(monitor.body()).get(0).path("statistics");
            assertThat(statistics.path("cpus_limit").asDouble()).isEqualTo(0.6);
            assertThat(statistics.has("cpus_nr_periods")).isTrue();
        }
    }

    private static ResourceStatistics containers(String agent) throws Exception {
        Call call = Call.newBuilder().setType(Call.Type.GET_CONTAINERS).build();
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(agent + "/api/v1"))
                .header("Content-Type", Encoding.PROTOBUF.mediaType()).header("Accept", Encoding.PROTOBUF.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(call.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        return Response.parseFrom(response.body()).getGetContainers().getContainers(0).getResourceStatistics();
    }
}
