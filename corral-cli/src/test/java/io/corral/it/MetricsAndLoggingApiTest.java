package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.http.Encoding;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos.DurationInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an operator sees of a real cluster (ZooKeeper, two masters, one agent of 2 cpus and 1024 MB) through the
 * monitoring and logging endpoints: {@code /metrics} in Prometheus's text format, the allocator's figures in
 * {@code /metrics/snapshot}, GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, and the legacy {@code /master/quota},
 * {@code /master/weights} and {@code /master/redirect}.
 */
class MetricsAndLoggingApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient(); // follows no redirect
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;
    static InProcessCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = InProcessCluster.start(workDir, 2, 1);
        cluster.awaitLeader();
        await().atMost(Duration.ofSeconds(30)).until(() -> snapshot().path("master/slaves_active").asInt() == 1);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void prometheusTextParsesAndTheAllocationHistogramGrowsWithEachCycle() throws Exception {
        HttpResponse<String> first = get(cluster.leaderUrl() + "/metrics");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertValidExposition(first.body());
        assertThat(first.body()).contains("# TYPE corral_allocator_allocation_run_seconds histogram\n",
                "corral_master_elected 1.0\n", "corral_master_slaves_active 1.0\n", "corral_master_cpus 2.0\n");
        long cycles = sample(first.body(), "corral_allocator_allocation_run_seconds_count");
        assertThat(bucket(first.body(), "+Inf")).isEqualTo(cycles);

        // the master allocates every second: later scrapes count more cycles, in every bucket up to +Inf
        String later = await().atMost(Duration.ofSeconds(20)).until(() -> get(cluster.leaderUrl() + "/metrics").body(),
                text -> sample(text, "corral_allocator_allocation_run_seconds_count") > cycles);
        assertValidExposition(later);
        assertThat(bucket(later, "+Inf")).isGreaterThan(bucket(first.body(), "+Inf"));
        assertThat(buckets(later)).hasSizeGreaterThan(20).isSorted();
    }

    @Test
    void theSnapshotsAllocatorFiguresFollowARolesTask() throws Exception {
        updateQuota("analytics", 1, 2);
        JsonNode before = await().atMost(Duration.ofSeconds(10)).until(MetricsAndLoggingApiTest::snapshot,
                json -> json.has("allocator/mesos/quota/roles/analytics/resources/cpus/guarantee"));
        assertThat(before.path("allocator/mesos/allocation_runs").asLong()).isPositive();
        assertThat(before.has("allocator/mesos/allocation_run_ms/p99")).isTrue();
        assertThat(before.path("allocator/mesos/resources/cpus/total").asDouble()).isEqualTo(2.0);
        assertThat(before.path("allocator/mesos/resources/mem/total").asDouble()).isEqualTo(1024.0);
        assertThat(before.path("allocator/mesos/quota/roles/analytics/resources/cpus/guarantee").asDouble())
                .isEqualTo(1.0);
        assertThat(before.path("allocator/mesos/quota/roles/analytics/resources/cpus/consumed").asDouble()).isZero();
        assertThat(before.has("allocator/mesos/roles/analytics/shares/dominant")).as("no framework yet").isFalse();
        assertThat(before.has("master/event_queue_dispatches")).isTrue();

        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()),
                Tasks.framework("analyst", 60).toBuilder().setRole("analytics").build(), scheduler)
                .autoAcknowledge(true).build()) {
            client.start();
            Offer offer = scheduler.nextOffer();
            // 1 of 2 cpus and 256 of 1024 MB; the rest of the offer is refused for an hour, so nothing else is held
            client.send(Calls.launch(offer, Tasks.shell("report", "sleep 300", offer, 1, 256), 3600)).join();
            scheduler.awaitState("report", TaskState.TASK_RUNNING);

            JsonNode running = await().atMost(Duration.ofSeconds(10)).until(MetricsAndLoggingApiTest::snapshot,
                    json -> json.path("allocator/mesos/roles/analytics/shares/dominant").asDouble() == 0.5);
            assertThat(running.path("allocator/mesos/quota/roles/analytics/resources/cpus/consumed").asDouble())
                    .isEqualTo(1.0);
            assertThat(running.path("allocator/mesos/offer_filters/roles/analytics/active").asInt()).isEqualTo(1);
            assertThat(running.path("allocator/mesos/resources/mem/offered_or_allocated").asDouble())
                    .isEqualTo(256.0);
            client.teardown().join();
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void setLoggingLevelChangesTheLevelUntilItsDurationHasPassed(Encoding encoding) throws Exception {
        int original = loggingLevel(encoding);
        assertThat(original).as("the tests log io.corral at WARN: verbosity 0").isZero();

        HttpResponse<byte[]> set = post(cluster.leaderUrl(), encoding, setLoggingLevel(1, Duration.ofSeconds(2)));
        assertThat(set.statusCode()).as(new String(set.body())).isEqualTo(200);
        assertThat(set.body()).isEmpty();
        assertThat(loggingLevel(encoding)).isEqualTo(1);

        await().atMost(Duration.ofSeconds(15)).until(() -> loggingLevel(encoding) == original);
    }

    @Test
    void badLoggingCallsAreRefusedWithAMessage() throws Exception {
        String noBody = "{\"type\":\"SET_LOGGING_LEVEL\"}";
        String noDuration = "{\"type\":\"SET_LOGGING_LEVEL\",\"set_logging_level\":{\"level\":1}}";
        String negative = "{\"type\":\"SET_LOGGING_LEVEL\",\"set_logging_level\":{\"level\":1,"
                + "\"duration\":{\"nanoseconds\":-5}}}";
        String huge = "{\"type\":\"SET_LOGGING_LEVEL\",\"set_logging_level\":{\"level\":1,"
                + "\"duration\":{\"nanoseconds\":" + Long.MAX_VALUE + "}}}";

        assertRefused(noBody, "Expecting 'set_logging_level' to be present");
        assertRefused(noDuration, "set_logging_level.duration"); // a proto2 required field: the parser says so
        assertRefused(negative, "must be between 0 and 7 days");
        assertRefused(huge, "must be between 0 and 7 days");
        assertThat(loggingLevel(Encoding.JSON)).as("nothing changed").isZero();
    }

    @Test
    void legacyQuotaAndWeightsInMesossShapesAndRedirectToTheLeader() throws Exception {
        updateQuota("reports", 0.5, 1);
        HttpResponse<byte[]> weights = post(cluster.leaderUrl(), Encoding.JSON, Call.newBuilder()
                .setType(Call.Type.UPDATE_WEIGHTS).setUpdateWeights(Call.UpdateWeights.newBuilder()
                        .addWeightInfos(org.apache.mesos.v1.Protos.WeightInfo.newBuilder().setRole("reports")
                                .setWeight(2.5))).build());
        assertThat(weights.statusCode()).as(new String(weights.body())).isEqualTo(200);

        JsonNode weightList = JSON.readTree(get(cluster.leaderUrl() + "/master/weights").body());
        assertThat(weightList.isArray()).isTrue();
        assertThat(weightList).contains(JSON.readTree("{\"role\":\"reports\",\"weight\":2.5}"));

        JsonNode quota = JSON.readTree(get(cluster.leaderUrl() + "/master/quota").body());
        assertThat(quota.path("infos")).contains(JSON.readTree("{\"role\":\"reports\",\"guarantee\":"
                + "[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":0.5}}]}"));
        HttpResponse<String> postQuota = HTTP.send(HttpRequest.newBuilder(URI.create(cluster.leaderUrl()
                + "/master/quota")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(postQuota.statusCode()).isEqualTo(405);
        assertThat(postQuota.body()).contains("UPDATE_QUOTA");

        String leader = "//127.0.0.1:" + cluster.leader().orElseThrow().port();
        String standby = cluster.masters.stream().filter(m -> !m.isLeading()).findFirst()
                .map(m -> "http://127.0.0.1:" + m.port()).orElseThrow();
        for (String url : List.of(cluster.leaderUrl() + "/master/redirect", standby + "/redirect")) {
            HttpResponse<String> redirect = get(url);
            assertThat(redirect.statusCode()).as(url).isEqualTo(307);
            assertThat(redirect.headers().firstValue("Location")).as(url).hasValue(leader);
        }
        HttpResponse<String> standbyQuota = get(standby + "/master/quota");
        assertThat(standbyQuota.statusCode()).isEqualTo(307);
        assertThat(standbyQuota.headers().firstValue("Location")).hasValue(leader + "/master/quota");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** ACCEPT with one LAUNCH, refusing what the task leaves of the offer for {@code refuseSeconds}. */
    private static final class Calls {
        static org.apache.mesos.v1.scheduler.Protos.Call launch(Offer offer,
                                                                 org.apache.mesos.v1.Protos.TaskInfo task,
                                                                 double refuseSeconds) {
            org.apache.mesos.v1.scheduler.Protos.Call accept =
                    io.corral.scheduler.Calls.launch(List.of(offer.getId()), List.of(task));
            return accept.toBuilder().setAccept(accept.getAccept().toBuilder()
                    .setFilters(Filters.newBuilder().setRefuseSeconds(refuseSeconds))).build();
        }
    }

    private static void updateQuota(String role, double guarantee, double limit) throws Exception {
        String body = "{\"type\":\"UPDATE_QUOTA\",\"update_quota\":{\"force\":true,\"quota_configs\":[{\"role\":\""
                + role + "\",\"guarantees\":{\"cpus\":{\"value\":" + guarantee + "}},\"limits\":{\"cpus\":{\"value\":"
                + limit + "}}}]}}";
        HttpResponse<byte[]> response = postJson(body);
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
    }

    private static Call setLoggingLevel(int level, Duration duration) {
        return Call.newBuilder().setType(Call.Type.SET_LOGGING_LEVEL).setSetLoggingLevel(Call.SetLoggingLevel
                .newBuilder().setLevel(level).setDuration(DurationInfo.newBuilder().setNanoseconds(duration.toNanos())))
                .build();
    }

    private static int loggingLevel(Encoding encoding) throws Exception {
        HttpResponse<byte[]> response = post(cluster.leaderUrl(), encoding,
                Call.newBuilder().setType(Call.Type.GET_LOGGING_LEVEL).build());
        assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
        Response decoded = encoding.decode(response.body(), Response.getDefaultInstance());
        assertThat(decoded.getType()).isEqualTo(Response.Type.GET_LOGGING_LEVEL);
        return decoded.getGetLoggingLevel().getLevel();
    }

    private static void assertRefused(String body, String message) throws Exception {
        HttpResponse<byte[]> response = postJson(body);
        assertThat(response.statusCode()).as(body).isEqualTo(400);
        assertThat(new String(response.body())).as(body).contains(message);
    }

    private static JsonNode snapshot() throws Exception {
        HttpResponse<String> response = get(cluster.leaderUrl() + "/metrics/snapshot");
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> post(String master, Encoding encoding, Call call) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(master + "/api/v1"))
                .header("Content-Type", encoding.mediaType())
                .header("Accept", encoding.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(encoding.encode(call)))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> postJson(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(cluster.leaderUrl() + "/api/v1"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    // ------------------------------------------------------------------------------- Prometheus text format 0.0.4

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final Pattern LINE = Pattern.compile("# HELP " + NAME + "( .*)?"
            + "|# TYPE " + NAME + " (counter|gauge|histogram|summary|untyped)"
            + "|" + NAME + "(\\{" + LABEL + "(," + LABEL + ")*,?\\})?"
            + " (NaN|[+-]Inf|[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?)( -?[0-9]+)?");

    private static void assertValidExposition(String text) {
        assertThat(text).endsWith("\n");
        assertThat(text.split("\n")).allSatisfy(line -> assertThat(line).matches(LINE));
    }

    private static long sample(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.E+-]+)$").matcher(text);
        assertThat(m.find()).as(name).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    private static long bucket(String text, String le) {
        Matcher m = Pattern.compile("corral_allocator_allocation_run_seconds_bucket\\{le=\"" + Pattern.quote(le)
                + "\"} ([0-9]+)").matcher(text);
        assertThat(m.find()).as("bucket le=%s", le).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<Long> buckets(String text) {
        Matcher m = Pattern.compile("corral_allocator_allocation_run_seconds_bucket\\{le=\"[^\"]+\"} ([0-9]+)")
                .matcher(text);
        List<Long> counts = new ArrayList<>();
        while (m.find()) {
            counts.add(Long.parseLong(m.group(1)));
        }
        return counts;
    }

}
