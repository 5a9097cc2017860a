package io.corral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code bench/state-read} run tiny inside {@code ./mvnw verify}, so it does not rot; asserts no timing. */
class StateReadSmokeTest {

    private static String printedBy(String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            StateReadBenchmark.run(args);
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(60)
    void masterStateReadersRunToTheirReport() throws Exception {
        String report = printedBy("20", "200", "1", "10");
        assertThat(report).contains("state of 20 agents and 200 tasks")
                .containsPattern("20 readers for 1 s \\(shared renderings, 10 tasks changed per view\\): [0-9,]+ reads")
                .contains("latency p50");
    }

    @Test
    @Timeout(60)
    void getStateReadersEachRenderingForThemselvesRunToTheirReport() throws Exception {
        String report = printedBy("20", "200", "1", "10", "--operator", "--unshared");
        assertThat(report).contains("each renders for itself").contains("latency p50");
    }

    @Test
    @Timeout(60)
    void readersWhoTakeGzipRunToTheirReport() throws Exception {
        String report = printedBy("20", "200", "1", "10", "--gzip");
        assertThat(report).contains("compressed as it is written").contains("latency p50");
    }
}
