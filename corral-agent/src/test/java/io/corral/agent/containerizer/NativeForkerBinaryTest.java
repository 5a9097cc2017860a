package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The native launcher server committed for x86-64 Linux (the one a build without a C compiler ships) is built from
 * the source committed beside it: it reports that source's SHA-256. A change to {@code corral-forker.c} without a
 * rebuild ({@code corral-agent/src/main/c/build.sh}) fails here, on every machine that can run the binary.
 */
class NativeForkerBinaryTest {

    private static final Path SOURCE = Path.of("src/main/c/corral-forker.c");
    private static final Path COMMITTED =
            Path.of("src/main/resources/io/corral/agent/containerizer/linux-amd64/corral-forker");

    @Test
    void theCommittedBinaryIsBuiltFromTheCommittedSource() throws Exception {
        assumeThat(System.getProperty("os.name") + "/" + System.getProperty("os.arch")).isEqualTo("Linux/amd64");
        Path program = Files.createTempDirectory("forker-test").resolve("corral-forker");
        Files.copy(COMMITTED, program);
        assertThat(program.toFile().setExecutable(true, true)).isTrue();

        Process version = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
        String said = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(version.waitFor(10, TimeUnit.SECONDS)).isTrue();

        String sourceSha256 = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SOURCE)));
        assertThat(said).as("rebuild it: corral-agent/src/main/c/build.sh " + COMMITTED)
                .isEqualTo(NativeForker.VERSION + sourceSha256);
        Files.delete(program);
        Files.delete(program.getParent());
    }
}
