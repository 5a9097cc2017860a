package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.cli.Corral;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent());
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
        Run run = corral("agents", "--master", standby());

        assertThat(run.exit).as(run.err).isZero();
        List<String> lines = run.out.lines().toList();
        assertThat(lines.get(0)).matches("ID +HOSTNAME +STATE +CPUS +MEM +TASKS +AGE");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).matches(".*-S\\d+ +127\\.0\\.0\\.1 +active +0\\.5/2 +64/1024 +1 +\\d+s");
    }

    @Test
    void frameworksShowsTheFrameworkAndJsonHasNoTaskLists() throws Exception {
        Run table = corral("frameworks", "--master", standby());
        assertThat(table.exit).as(table.err).isZero();
        assertThat(table.out).containsPattern("lister +\\* +connected +1 +0\\.5 +64 +\\d+s");

        Run json = corral("frameworks", "--json", "--master", standby());
        JsonNode frameworks = new ObjectMapper().readTree(json.out);
        assertThat(frameworks).hasSize(1);
        assertThat(frameworks.get(0).path("id").asText()).isEqualTo(scheduler.frameworkId.getValue());
        assertThat(frameworks.get(0).path("state").asText()).isEqualTo("connected");
        assertThat(frameworks.get(0).path("tasks").asInt()).isEqualTo(1);
        assertThat(frameworks.get(0).has("completed_tasks")).isFalse();
    }

    @Test
    void weightsAndQuotaAreSetAndShownThroughTheOperatorApi() throws Exception {
        Run set = corral("weights", "set", "eng=2", "eng/web=0.5", "--master", standby());
        assertThat(set.exit).as(set.err).isZero();
        assertThat(set.out).contains("Weight of role eng is now 2.");

        Run weights = corral("weights", "get", "--master", standby());
        assertThat(weights.out.lines()).containsExactly("ROLE     WEIGHT", "eng      2", "eng/web  0.5");

        Run quota = corral("quota", "set", "eng", "--guarantee", "cpus=1,mem=256", "--limit", "cpus=2",
                "--master", standby());
        assertThat(quota.exit).as(quota.err).isZero();
        JsonNode configs = new ObjectMapper().readTree(corral("quota", "get", "--json", "--master", standby()).out);
        assertThat(configs.get(0).path("role").asText()).isEqualTo("eng");
        assertThat(configs.get(0).path("guarantees").path("mem").asDouble()).isEqualTo(256.0);
        assertThat(configs.get(0).path("limits").path("cpus").asDouble()).isEqualTo(2.0);

        Run tooMuch = corral("quota", "set", "ops", "--guarantee", "cpus=64", "--master", standby());
        assertThat(tooMuch.exit).isEqualTo(2);
        assertThat(tooMuch.err).contains("corral quota set: UPDATE_QUOTA").contains("more than the cluster's 2.0");

        Run badWeight = corral("weights", "set", "eng=heavy", "--master", standby());
        assertThat(badWeight.exit).isEqualTo(2);
        assertThat(badWeight.err).contains("the weight in 'eng=heavy' is not a number");

        assertThat(corral("quota", "set", "eng", "--master", standby()).out).contains("Removed the quota of role eng");
        assertThat(corral("weights", "set", "eng=1", "eng/web=1", "--master", standby()).exit).isZero();
        assertThat(corral("weights", "get", "--master", standby()).out).contains("No weights set");
    }

    @Test
    void noMasterAnsweringIsAClearErrorAndExitsNonZero() {
        Run run = corral("agents", "--master", "http://127.0.0.1:1");

        assertThat(run.exit).isNotZero();
        assertThat(run.err).contains("corral agents: ").contains("127.0.0.1:1");
    }

    private record Run(int exit, String out, String err) {}

    private static Run corral(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new Corral()).execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }
}
