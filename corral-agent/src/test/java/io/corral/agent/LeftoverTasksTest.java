package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeftoverTasksTest {
    @TempDir
    Path workDir;

    private Path sandbox(String task) throws Exception {
        Path dir = workDir.resolve("slaves/S0/frameworks/F0/executors/" + task + "/runs/c1");
        Files.createDirectories(dir);
        return dir;
    }

    private static Process sleeper() throws Exception {
        return new ProcessBuilder("setsid", "sleep", "100").start();
    }

    @Test
    void killsTheTasksAnEarlierRunLeftBehind() throws Exception {
        Process leftover = sleeper();
        Path pidFile = sandbox("t1").resolve("pid");
        Files.writeString(pidFile, Long.toString(leftover.pid()));

        assertThat(LeftoverTasks.killAll(workDir)).isEqualTo(1);

        await().atMost(Duration.ofSeconds(10)).until(() -> !leftover.isAlive());
        assertThat(pidFile).doesNotExist();
    }

    @Test
    void leavesAloneAProcessThatReusedThePidLater() throws Exception {
        Process unrelated = sleeper();
        try {
            Path pidFile = sandbox("t2").resolve("pid");
            Files.writeString(pidFile, Long.toString(unrelated.pid()));
            // The file predates the process: the pid was reused, the process is not our task.
            Files.setLastModifiedTime(pidFile, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

            assertThat(LeftoverTasks.killAll(workDir)).isZero();
            assertThat(unrelated.isAlive()).isTrue();
        } finally {
            unrelated.destroyForcibly();
        }
    }

    @Test
    void nothingToDoOnAFreshWorkDir() {
        assertThat(LeftoverTasks.killAll(workDir)).isZero();
    }
}
