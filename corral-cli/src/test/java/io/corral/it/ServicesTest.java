package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Services framework on a real in-process cluster: apps kept at their instance count. */
class ServicesTest {
    @TempDir
    Path dir;
    private ServicesCluster services;

    @BeforeEach
    void start() throws Exception {
        services = new ServicesCluster(InProcessCluster.start(dir.resolve("cluster"), 1, 2));
        services.startServices();
        await().atMost(Duration.ofSeconds(20)).until(() -> services.processes.get(0).isLeader());
    }

    @AfterEach
    void stop() throws Exception {
        services.close();
    }

    /** A command that records its pid as {@code <dir>/<task id>.pid}, then sleeps. */
    private String sleeper() throws Exception {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        return "echo $$ > " + pids + "/$CORRAL_TASK_ID.pid; exec sleep 600";
    }

    private List<String> runningTasks(String app) throws Exception {
        List<String> running = new ArrayList<>();
        for (JsonNode task : services.get("/v1/apps/" + app).get("tasks")) {
            if (task.get("state").asText().equals("TASK_RUNNING")) {
                running.add(task.get("id").asText());
            }
        }
        return running;
    }

    @Test
    void anInstanceWhoseProcessIsKilledIsReplaced() throws Exception {
        ServicesCluster.Response created = services.send("POST", "/v1/apps",
                "{\"id\": \"/prod/web\", \"cmd\": \"" + sleeper() + "\", \"instances\": 2, \"cpus\": 0.1,"
                        + " \"mem\": 32, \"ports\": 1}");
        assertThat(created.status()).as(created.json().toString()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> runningTasks("prod/web").size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> services.get("/v1/deployments").get("deployments")
                .isEmpty());
        String victim = runningTasks("prod/web").get(0);
        long pid = Long.parseLong(Files.readString(dir.resolve("pids/" + victim + ".pid")).strip());
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<String> running = runningTasks("prod/web");
            return running.size() == 2 && !running.contains(victim);
        });
        JsonNode app = services.get("/v1/apps/prod/web");
        assertThat(app.get("tasks")).hasSize(2);
        assertThat(app.get("last_failure").asText()).contains(victim);
        assertThat(app.get("tasks").get(0).get("ports")).hasSize(1);
    }
}
