package io.corral.it;

import static io.corral.it.CliRun.corral;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.nio.file.Path;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code corral agents} and {@code corral frameworks} against a real cluster (through a standby, which redirects):
 * tables for people, {@code --json} for scripts, and a clear error when no master answers.
 */
class ListingCommandsTest {
    @TempDir
    static Path workDir;
    static InProcessCluster cluster;
    static SchedulerClient client;
    static RecordingScheduler scheduler;

    @BeforeAll
    static void startClusterWithARunningTask() throws Exception {
        cluster = InProcessCluster.start(workDir, 2, 1);
        cluster.awaitLeader();
        scheduler = new RecordingScheduler();
        client = SchedulerClient.builder(new FixedMasterLocator(cluster.leaderUrl()), Tasks.framework("lister", 60),
                scheduler).autoAcknowledge(true).build();
        client.start();
        Offer offer = scheduler.nextOffer();
        client.launch(List.of(offer.getId()), List.of(Tasks.shell("listed", "sleep 300", offer, 0.5, 64))).join();
        scheduler.awaitState("listed", TaskState.TASK_RUNNING);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        client.close();
        cluster.close();
    }

    private static String standby() {
        return cluster.masters.stream().filter(m -> !m.isLeading()).findFirst()
                .map(m -> "http://127.0.0.1:" + m.port()).orElseThrow();
    }

    @Test
    void agentsShowsEachAgentWithItsUseAndTasks() {
        CliRun run = corral("agents", "--master", standby());

        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).matches("ID +HOSTNAME +STATE +CPUS +MEM +TASKS +AGE");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).matches(".*-S\\d+ +127\\.0\\.0\\.1 +active +0\\.5/2 +64/1024 +1 +\\d+s");
    }

    @Test
    void frameworksShowsTheFrameworkAndJsonHasNoTaskLists() throws Exception {
        CliRun table = corral("frameworks", "--master", standby());
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).containsPattern("lister +\\* +connected +1 +0\\.5 +64 +\\d+s");

        CliRun json = corral("frameworks", "--json", "--master", standby());
        JsonNode frameworks = new ObjectMapper().readTree(json.out());
        assertThat(frameworks).hasSize(1);
        assertThat(frameworks.get(0).path("id").asText()).isEqualTo(scheduler.frameworkId.getValue());
        assertThat(frameworks.get(0).path("state").asText()).isEqualTo("connected");
        assertThat(frameworks.get(0).path("tasks").asInt()).isEqualTo(1);
        assertThat(frameworks.get(0).has("completed_tasks")).isFalse();
    }

    @Test
    void weightsAndQuotaAreSetAndShownThroughTheOperatorApi() throws Exception {
        CliRun set = corral("weights", "set", "eng=2", "eng/web=0.5", "--master", standby());
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).contains("Weight of role eng is now 2.");

        CliRun weights = corral("weights", "get", "--master", standby());
        assertThat(weights.out().lines()).containsExactly("ROLE     WEIGHT", "eng      2", "eng/web  0.5");

        CliRun quota = corral("quota", "set", "eng", "--guarantee", "cpus=1,mem=256", "--limit", "cpus=2",
                "--master", standby());
        assertThat(quota.exit()).as(quota.err()).isZero();
        JsonNode configs = new ObjectMapper().readTree(corral("quota", "get", "--json", "--master", standby()).out());
        assertThat(configs.get(0).path("role").asText()).isEqualTo("eng");
        assertThat(configs.get(0).path("guarantees").path("mem").asDouble()).isEqualTo(256.0);
        assertThat(configs.get(0).path("limits").path("cpus").asDouble()).isEqualTo(2.0);

        CliRun tooMuch = corral("quota", "set", "ops", "--guarantee", "cpus=64", "--master", standby());
        assertThat(tooMuch.exit()).isEqualTo(2);
        assertThat(tooMuch.err()).contains("corral quota set: UPDATE_QUOTA").contains("more than the cluster's 2.0");

        CliRun badWeight = corral("weights", "set", "eng=heavy", "--master", standby());
        assertThat(badWeight.exit()).isEqualTo(2);
        assertThat(badWeight.err()).contains("the weight in 'eng=heavy' is not a number");

        assertThat(corral("quota", "set", "eng", "--master", standby()).out()).contains("Removed the quota of role eng");
        assertThat(corral("weights", "set", "eng=1", "eng/web=1", "--master", standby()).exit()).isZero();
        assertThat(corral("weights", "get", "--master", standby()).out()).contains("No weights set");
    }

    @Test
    void killStopsARunningTaskAndSaysWhatItDid() throws Exception {
        Offer offer = scheduler.nextOffer();
        client.launch(List.of(offer.getId()), List.of(Tasks.shell("doomed", "sleep 300", offer, 0.5, 64))).join();
        scheduler.awaitState("doomed", TaskState.TASK_RUNNING);

        CliRun kill = corral("kill", "doomed", "--grace", "1s", "--master", standby());

        assertThat(kill.exit()).as(kill.err()).isZero();
        assertThat(kill.out().lines()).containsExactly("TASK    FRAMEWORK" + " ".repeat(
                scheduler.frameworkId.getValue().length() - "FRAMEWORK".length()) + "  RESULT",
                "doomed  " + scheduler.frameworkId.getValue() + "  killing");
        scheduler.awaitState("doomed", TaskState.TASK_KILLED);

        CliRun unknown = corral("kill", "no-such-task", "--master", standby());
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no running task 'no-such-task'");

        java.net.http.HttpResponse<String> bad = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.leaderUrl() + "/api/v1/corral/kill"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"tasks\":[{\"framework_id\":\"../x\",\"task_id\":\"t\"}]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'framework_id' is invalid");
    }

    @Test
    void noMasterAnsweringIsAClearErrorAndExitsNonZero() {
        CliRun run = corral("agents", "--master", "http://127.0.0.1:1");

        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("corral agents: ").contains("127.0.0.1:1");
    }
}
