package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code corral app ...} against Services on a real in-process cluster, the leader found through ZooKeeper. */
class ServicesCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private ServicesCluster services;
    private String zk;

    @BeforeEach
    void start() throws Exception {
        services = new ServicesCluster(InProcessCluster.start(dir.resolve("cluster"), 1, 2));
        services.startServices();
        services.startServices();
        await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.stream().anyMatch(p -> p.isLeader()));
        zk = services.cluster.zk.toString();
    }

    @AfterEach
    void stop() throws Exception {
        services.close();
    }

    private CliRun app(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "app";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--zk";
        all[args.length + 2] = zk;
        return CliRun.corral(all);
    }

    @Test
    void deployWaitShowScaleAndRemove() throws Exception {
        CliRun deploy = app("deploy", "--id", "web", "--cmd", "sleep 600", "--instances", "2", "--cpus", "0.1",
                "--mem", "16", "--wait");
        assertThat(deploy.exit()).as(deploy.err()).isZero();
        assertThat(deploy.out()).contains("Deployed web: version 1");
        assertThat(deploy.err()).contains("web deploy:").contains("2 running").contains("done in");

        JsonNode shown = JSON.readTree(app("show", "web", "--json").out());
        assertThat(shown.get("tasks")).hasSize(2);
        for (JsonNode task : shown.get("tasks")) {
            assertThat(task.has("id") && task.has("agent_id") && task.has("host") && task.has("healthy")).isTrue();
            assertThat(task.get("state").asText()).isEqualTo("TASK_RUNNING");
        }
        assertThat(app("show", "web").out()).contains("2 running of 2").contains("TASK_RUNNING");

        CliRun scale = app("scale", "web", "3", "--wait");
        assertThat(scale.exit()).as(scale.err()).isZero();
        assertThat(JSON.readTree(app("list", "--json").out()).get(0).get("counts").get("running").asInt())
                .isEqualTo(3);
        assertThat(app("list").out()).contains("web").contains("3/3");
        assertThat(app("versions", "web").out()).contains("VERSION").contains("sleep 600");

        CliRun remove = app("remove", "web", "--wait");
        assertThat(remove.exit()).as(remove.err()).isZero();
        assertThat(app("list").out()).contains("No apps.");
    }

    @Test
    void badDefinitionsNameTheFieldsAndFailingDeploymentsExitWithTheReason() throws Exception {
        CliRun bad = app("deploy", "--id", "Bad Id", "--cpus", "0", "--instances", "-1");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("id:").contains("cmd:").contains("cpus:").contains("instances:");
        assertThat(app("list").out()).contains("No apps.");

        // it never becomes healthy: each instance ends at once
        Path file = dir.resolve("crash.json");
        java.nio.file.Files.writeString(file, "{\"id\": \"crash\", \"cmd\": \"exit 3\", \"mem\": 16,"
                + " \"healthChecks\": [{\"protocol\": \"COMMAND\", \"command\": \"true\", \"delaySeconds\": 1}]}");
        CliRun crashing = app("deploy", "-f", file.toString(), "--wait", "--max-failures", "2");
        assertThat(crashing.exit()).isEqualTo(1);
        assertThat(crashing.err()).contains("failed").contains("FAILED: Command exited with status 3")
                .contains("crash");
    }
}
