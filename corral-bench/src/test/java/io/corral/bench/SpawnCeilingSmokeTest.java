package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bench/spawn-ceiling} run tiny, so it does not rot; asserts no timing. It compiles a C program, so it is
 * skipped where there is no C compiler, unless {@code -Dcorral.cc=required} (CI, after installing one), which fails
 * it instead.
 */
class SpawnCeilingSmokeTest {
    private static final Path CC = Path.of("/usr/bin/cc");

    @Test
    @Timeout(120)
    void measuresTheMachinesCeilingWithoutAndWithCgroups() throws Exception {
        if ("required".equals(System.getProperty("corral.cc"))) {
            assertThat(CC).as("a C compiler (-Dcorral.cc=required)").isExecutable();
        }
        assumeThat(Files.isExecutable(CC)).as("a C compiler at " + CC).isTrue();
        Process script = new ProcessBuilder("bash", script().toString(), "20").redirectErrorStream(true).start();
        String report = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(script.waitFor()).as(report).isZero();
        for (int workers : new int[] {1, 2, 4}) {
            assertThat(report).containsPattern("none: 20 launches from " + workers + " workers in [0-9.]+ s: [0-9]+/s");
        }
        if (report.contains("no cgroups measured: this user cannot make a cgroup")) {
            return; // said why, as a user without root sees it
        }
        for (String mode : new String[] {"cgroups", "launcher"}) {
            assertThat(report).containsPattern(mode + " \\((v1: cpu, memory, pids|v2)\\): 20 launches from 4 workers"
                    + " in [0-9.]+ s: [0-9]+/s");
        }
        assertThat(leftGroups()).as("cgroups the measurement made and did not remove").isZero();
    }

    private static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("bench/spawn-ceiling"))) {
                return dir.resolve("bench/spawn-ceiling");
            }
        }
        throw new IllegalStateException("bench/spawn-ceiling not found above " + Path.of("").toAbsolutePath());
    }

    private static long leftGroups() throws IOException {
        long left = 0;
        for (String hierarchy : new String[] {"", "cpu", "memory", "pids"}) {
            Path dir = Path.of("/sys/fs/cgroup", hierarchy);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> groups = Files.list(dir)) {
                    left += groups.filter(group -> group.getFileName().toString().startsWith("spawn-ceiling-"))
                            .count();
                }
            }
        }
        return left;
    }
}
