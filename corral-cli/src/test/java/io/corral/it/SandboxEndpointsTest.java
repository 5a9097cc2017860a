package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.agent.Protos.Call;
import org.apache.mesos.v1.agent.Protos.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's HTTP endpoints over real loopback HTTP, on a real cluster (master, agent, ZooKeeper in this JVM) running
 * a real task whose sandbox holds output and traps: a symlink to {@code /etc}, one to {@code /etc/passwd}, and a
 * file larger than one read. A client finds the sandbox as Mesos clients do (master state, then the agent's
 * {@code /state}), reads it, and every attempt to leave it is refused.
 */
class SandboxEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path workDir;
    static InProcessCluster cluster;
    static SchedulerClient client;
    static RecordingScheduler scheduler;
    static String agent;
    static String directory;
    static String frameworkId;

    @BeforeAll
    static void startATaskWithTrapsInItsSandbox() throws Exception {
        cluster = InProcessCluster.start(workDir, 1, 1);
        cluster.awaitLeader();
        scheduler = new RecordingScheduler();
        client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()), Tasks.framework("sandboxer", 60),
                scheduler).autoAcknowledge(true).build();
        client.start();
        Offer offer = scheduler.nextOffer();
        client.launch(List.of(offer.getId()), List.of(Tasks.shell("trapper", "ln -s /etc etc; ln -s /etc/passwd pw;"
                + " head -c 200000 /dev/zero | tr '\\0' a > big; echo hi; echo oops >&2; sleep 300", offer, 0.5, 64)))
                .join();
        scheduler.awaitState("trapper", TaskState.TASK_RUNNING);
        frameworkId = scheduler.frameworkId.getValue();

        // As an independent client would: the master names the agent, the agent's state the sandbox.
        JsonNode master = getJson(cluster.leaderUrl() + "/master/state");
        JsonNode slave = master.path("slaves").get(0);
        agent = "http://" + slave.path("hostname").asText() + ":" + slave.path("port").asInt();
        assertThat(slave.path("pid").asText()).isEqualTo("slave(1)@" + slave.path("hostname").asText() + ":"
                + slave.path("port").asInt());
        directory = await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode executor = getJson(agent + "/state").path("frameworks").get(0).path("executors").get(0);
            return executor.path("directory").asText();
        }, dir -> !dir.isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/files/read?path=" + encode(directory + "/stdout")
                + "&offset=0").body().contains("hi"));
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        cluster.close();
    }

    @Test
    void stateListsFrameworksExecutorsTasksAndTheirSandboxes() throws Exception {
        for (String path : List.of("/state", "/slave(1)/state", "/state.json")) {
            JsonNode state = getJson(agent + path);
            assertThat(state.path("id").asText()).isNotEmpty();
            assertThat(state.path("pid").asText()).startsWith("slave(1)@127.0.0.1:");
            JsonNode framework = state.path("frameworks").get(0);
            assertThat(framework.path("id").asText()).isEqualTo(frameworkId);
            JsonNode executor = framework.path("executors").get(0);
            assertThat(executor.path("id").asText()).isEqualTo("trapper");
            assertThat(executor.path("directory").asText()).isEqualTo(directory).contains("/runs/");
            assertThat(executor.path("tasks").get(0).path("state").asText()).isEqualTo("TASK_RUNNING");
            assertThat(executor.path("resources").path("cpus").asDouble()).isEqualTo(0.5);
        }
    }

    @Test
    void theMastersOperatorApiNamesTheTasksAgentAsItsStateDoes() throws Exception {
        org.apache.mesos.v1.master.Protos.Call call = org.apache.mesos.v1.master.Protos.Call.newBuilder()
                .setType(org.apache.mesos.v1.master.Protos.Call.Type.GET_STATE).build();
        HttpResponse<byte[]> answer = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.leaderUrl() + "/api/v1"))
                .header("Content-Type", Encoding.PROTOBUF.mediaType()).header("Accept", Encoding.PROTOBUF.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(call.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(answer.statusCode()).isEqualTo(200);
        org.apache.mesos.v1.master.Protos.Response.GetState state = org.apache.mesos.v1.master.Protos.Response
                .parseFrom(answer.body()).getGetState();
        org.apache.mesos.v1.Protos.Task task = state.getGetTasks().getTasksList().stream()
                .filter(t -> t.getTaskId().getValue().equals("trapper")).findFirst().orElseThrow();
        org.apache.mesos.v1.master.Protos.Response.GetAgents.Agent agentOfTask = state.getGetAgents().getAgentsList()
                .stream().filter(a -> a.getAgentInfo().getId().equals(task.getAgentId())).findFirst().orElseThrow();
        assertThat("http://" + agentOfTask.getAgentInfo().getHostname() + ":" + agentOfTask.getAgentInfo().getPort())
                .isEqualTo(agent);
        assertThat(agentOfTask.getPid()).endsWith(":" + agentOfTask.getAgentInfo().getPort());
        assertThat(getJson(agent + "/state").path("id").asText()).isEqualTo(task.getAgentId().getValue());
    }

    @Test
    void filesAreReadThroughTheRealAndTheVirtualPaths() throws Exception {
        JsonNode read = JSON.readTree(get("/files/read?path=" + encode(directory + "/stdout") + "&offset=0").body());
        assertThat(read.path("data").asText()).isEqualTo("hi\n");
        assertThat(read.path("offset").asLong()).isZero();

        String latest = "/frameworks/" + frameworkId + "/executors/trapper/runs/latest";
        assertThat(JSON.readTree(get("/files/read?path=" + encode(latest + "/stderr") + "&offset=0").body())
                .path("data").asText()).isEqualTo("oops\n");
        JsonNode size = JSON.readTree(get("/files/read?path=" + encode(latest + "/big") + "&offset=-1").body());
        assertThat(size.path("offset").asLong()).isEqualTo(200_000);
        assertThat(size.path("data").asText()).isEmpty();

        JsonNode huge = JSON.readTree(get("/files/read?path=" + encode(latest + "/big")
                + "&offset=10&length=999999999999").body());
        assertThat(huge.path("data").asText()).hasSize(65536).matches("a+");
        assertThat(huge.path("offset").asLong()).isEqualTo(10);

        HttpResponse<String> download = get("/files/download?path=" + encode(directory + "/stdout"));
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo("hi\n");
        assertThat(download.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"stdout\"");
        assertThat(get("/files/download?path=" + encode(directory + "/big")).body()).hasSize(200_000);

        JsonNode listing = JSON.readTree(get("/files/browse?path=" + encode(latest)).body());
        assertThat(listing.findValuesAsText("path")).contains(latest + "/stdout", latest + "/stderr", latest + "/etc");
        for (JsonNode entry : listing) {
            if (entry.path("path").asText().endsWith("/etc")) {
                assertThat(entry.path("mode").asText()).startsWith("l");
            }
        }
        JsonNode debug = JSON.readTree(get("/files/debug").body());
        assertThat(debug.path(latest).asText()).isEqualTo(directory);
        assertThat(debug.path(directory).asText()).isEqualTo(directory);
    }

    @Test
    void everyWayOutOfTheSandboxIsRefused() throws Exception {
        String dir = directory;
        assertStatus("/files/read?path=" + encode(dir + "/../../../../../../etc/passwd") + "&offset=0", 403, "'..'");
        assertStatus("/files/read?path=" + dir + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd&offset=0", 403, "'..'");
        assertStatus("/files/read?path=" + dir + "/%252e%252e/etc/passwd&offset=0", 404, "No such file");
        assertStatus("/files/read?path=/etc/passwd&offset=0", 404, "only its executors' sandboxes");
        assertStatus("/files/browse?path=/", 404, "No such file");
        assertStatus("/files/read?path=" + encode(dir + "/etc/passwd") + "&offset=0", 403, "outside its sandbox");
        assertStatus("/files/read?path=" + encode(dir + "/pw") + "&offset=0", 403, "outside its sandbox");
        assertStatus("/files/browse?path=" + encode(dir + "/etc"), 403, "outside its sandbox");
        assertStatus("/files/download?path=" + encode(dir + "/pw"), 403, "outside its sandbox");
        assertStatus("/files/read?path=" + dir + "/stdout%00.txt&offset=0", 403, "control character");
        assertStatus("/files/read?path=" + encode(dir + "/stdout") + "&offset=-5", 400, "Negative offset");
        assertStatus("/files/read?path=" + encode(dir + "/stdout") + "&length=x", 400, "Failed to parse length");
        assertStatus("/files/read?path=" + encode(dir), 400, "Cannot read a directory");
        assertStatus("/files/read", 400, "Expecting 'path=value'");

        // Bytes sent as they are, with no client normalizing the request line first.
        assertThat(raw("GET /files/read?path=" + dir + "/../../../../../../etc/passwd&offset=0 HTTP/1.1"))
                .startsWith("HTTP/1.1 403").contains("'..'");
        assertThat(raw("GET /files/read?path=/frameworks/" + frameworkId
                + "/executors/trapper/runs/latest/pw&offset=0 HTTP/1.1")).startsWith("HTTP/1.1 403");
    }

    @Test
    void theOperatorApiAnswersInJsonAndProtobuf() throws Exception {
        for (Encoding encoding : Encoding.values()) {
            Response health = call(Call.newBuilder().setType(Call.Type.GET_HEALTH).build(), encoding);
            assertThat(health.getGetHealth().getHealthy()).isTrue();

            Response state = call(Call.newBuilder().setType(Call.Type.GET_STATE).build(), encoding);
            assertThat(state.getGetState().getGetTasks().getLaunchedTasksList())
                    .anySatisfy(task -> assertThat(task.getTaskId().getValue()).isEqualTo("trapper"));
            assertThat(state.getGetState().getGetFrameworks().getFrameworks(0).getFrameworkInfo().getId().getValue())
                    .isEqualTo(frameworkId);
            assertThat(state.getGetState().getGetExecutors().getExecutors(0).getExecutorInfo().getExecutorId()
                    .getValue()).isEqualTo("trapper");

            Response containers = call(Call.newBuilder().setType(Call.Type.GET_CONTAINERS).build(), encoding);
            Response.GetContainers.Container container = containers.getGetContainers().getContainers(0);
            assertThat(container.getExecutorId().getValue()).isEqualTo("trapper");
            ResourceStatistics usage = container.getResourceStatistics();
            assertThat(usage.getMemRssBytes()).isPositive();
            assertThat(usage.getProcesses()).isPositive();
            assertThat(usage.getCpusLimit()).isEqualTo(0.5);
            assertThat(usage.getMemLimitBytes()).isEqualTo(64L * 1024 * 1024);

            Response list = call(Call.newBuilder().setType(Call.Type.LIST_FILES)
                    .setListFiles(Call.ListFiles.newBuilder().setPath(directory)).build(), encoding);
            assertThat(list.getListFiles().getFileInfosList()).anySatisfy(file ->
                    assertThat(file.getPath()).isEqualTo(directory + "/stdout"));

            Response read = call(Call.newBuilder().setType(Call.Type.READ_FILE).setReadFile(
                    Call.ReadFile.newBuilder().setPath(directory + "/stdout").setOffset(1)).build(), encoding);
            assertThat(read.getReadFile().getSize()).isEqualTo(3);
            assertThat(read.getReadFile().getData().toStringUtf8()).isEqualTo("i\n");

            Response metrics = call(Call.newBuilder().setType(Call.Type.GET_METRICS).build(), encoding);
            assertThat(metrics.getGetMetrics().getMetricsList()).anySatisfy(metric -> {
                assertThat(metric.getName()).isEqualTo("slave/tasks_running");
                assertThat(metric.getValue()).isEqualTo(1.0);
            });
            assertThat(call(Call.newBuilder().setType(Call.Type.GET_VERSION).build(), encoding).getGetVersion()
                    .getVersionInfo().getVersion()).isEqualTo("1.11.0");
            assertThat(call(Call.newBuilder().setType(Call.Type.GET_FLAGS).build(), encoding).getGetFlags()
                    .getFlagsList()).anySatisfy(flag -> assertThat(flag.getName()).isEqualTo("work_dir"));
        }
        HttpResponse<String> outside = post(Call.newBuilder().setType(Call.Type.READ_FILE).setReadFile(
                Call.ReadFile.newBuilder().setPath(directory + "/pw").setOffset(0)).build());
        assertThat(outside.statusCode()).isEqualTo(403);
        HttpResponse<String> unsupported = post(Call.newBuilder().setType(Call.Type.LAUNCH_CONTAINER).build());
        assertThat(unsupported.statusCode()).isEqualTo(400);
        assertThat(unsupported.body()).contains("not supported");
    }

    @Test
    void metricsAndUsageUseMesossNames() throws Exception {
        JsonNode metrics = getJson(agent + "/metrics/snapshot");
        assertThat(metrics.path("slave/tasks_running").asInt()).isEqualTo(1);
        assertThat(metrics.path("slave/registered").asInt()).isEqualTo(1);
        assertThat(metrics.path("slave/executors_running").asInt()).isEqualTo(1);
        assertThat(metrics.path("slave/cpus_total").asDouble()).isEqualTo(2.0);
        assertThat(metrics.path("slave/cpus_used").asDouble()).isEqualTo(0.5);
        assertThat(metrics.path("slave/mem_total").asDouble()).isEqualTo(1024.0);
        assertThat(metrics.path("slave/mem_used").asDouble()).isEqualTo(64.0);
        assertThat(metrics.path("slave/disk_total").asDouble()).isEqualTo(1000.0);
        assertThat(metrics.path("slave/uptime_secs").asDouble()).isPositive();
        for (String name : List.of("slave/tasks_finished", "slave/tasks_failed", "slave/tasks_killed",
                "slave/tasks_lost")) {
            assertThat(metrics.has(name)).as(name).isTrue();
        }

        JsonNode statistics = getJson(agent + "/monitor/statistics");
        assertThat(statistics).hasSize(1);
        assertThat(statistics.get(0).path("executor_id").asText()).isEqualTo("trapper");
        assertThat(statistics.get(0).path("framework_id").asText()).isEqualTo(frameworkId);
        assertThat(statistics.get(0).path("statistics").path("mem_rss_bytes").asLong()).isPositive();
        assertThat(statistics.get(0).path("statistics").has("cpus_user_time_secs")).isTrue();
    }

    // ---- helpers ----

    private static String encode(String path) {
        return URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(agent + pathAndQuery)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void assertStatus(String pathAndQuery, int status, String message) throws Exception {
        HttpResponse<String> response = get(pathAndQuery);
        assertThat(response.statusCode()).as(pathAndQuery + ": " + response.body()).isEqualTo(status);
        assertThat(response.body()).as(pathAndQuery).contains(message);
    }

    private static Response call(Call call, Encoding encoding) throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(agent + "/api/v1"))
                .header("Content-Type", encoding.mediaType()).header("Accept", encoding.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(encoding.encode(call))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(call.getType() + ": " + new String(response.body(),
                StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue(encoding.mediaType());
        return encoding.decode(response.body(), Response.getDefaultInstance());
    }

    private static HttpResponse<String> post(Call call) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(agent + "/api/v1"))
                .header("Content-Type", Encoding.JSON.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(Encoding.JSON.encode(call))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends a request line exactly as given and returns the start of the answer. */
    private static String raw(String requestLine) throws Exception {
        URI uri = URI.create(agent);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: " + uri.getHost() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
