package io.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code CORRAL_MASTER_HEAP} through {@code bin/corral}, as an operator sets it: a size gives {@code corral master} a
 * fixed, pre-touched heap, in transparent huge pages where the kernel offers them; anything else is refused before a
 * JVM (or a build) starts. Runs after {@code package} (failsafe), on the distribution {@code bin/corral} runs.
 */
class MasterHeapIT {

    @Test
    void aMistypedHeapSizeIsRefusedWithTheFixAndExitTwo() throws Exception {
        Result result = corralMaster("8 g", "--help");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.output()).contains("CORRAL_MASTER_HEAP='8 g' is not a heap size; give one like 4g or 8192m");
    }

    @Test
    void aHeapSizeIsGivenToTheMastersJvmWhichStarts() throws Exception {
        // -XshowSettings:vm and -XX:+PrintFlagsFinal (after the script's options) print what the JVM was given.
        Result result = corralMaster("96m", "--help");

        assertThat(result.exit()).isZero();
        assertThat(result.output()).contains("Min. Heap Size: 96.00M", "Max. Heap Size: 96.00M", "Usage: corral master")
                .containsPattern("bool AlwaysPreTouch\\s+= true")
                // In 2 MiB pages where the kernel offers them; a kernel that does not gets no flag and no warning.
                .containsPattern("bool UseTransparentHugePages\\s+= " + kernelOffersHugePages())
                .doesNotContain("UseTransparentHugePages disabled");
    }

    @Test
    void anOperatorTurnsHugePagesOffWithCorralJavaOpts() throws Exception {
        Result result = corralMasterWith("96m", "-XX:-UseTransparentHugePages -XX:+PrintFlagsFinal", "--help");

        assertThat(result.exit()).isZero();
        assertThat(result.output()).containsPattern("bool UseTransparentHugePages\\s+= false");
    }

    private static boolean kernelOffersHugePages() throws IOException {
        Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.exists(enabled)) {
            return false;
        }
        String setting = Files.readString(enabled);
        return setting.contains("[always]") || setting.contains("[madvise]");
    }

    private record Result(int exit, String output) {}

    private static Result corralMaster(String heap, String... args) throws IOException, InterruptedException {
        return corralMasterWith(heap, "-XshowSettings:vm -XX:+PrintFlagsFinal", args);
    }

    /** {@code bin/corral master} with {@code CORRAL_MASTER_HEAP=heap} and {@code CORRAL_JAVA_OPTS=javaOpts}. */
    private static Result corralMasterWith(String heap, String javaOpts, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BinCorral.command(), "master"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CORRAL_NO_BUILD", "1");
        builder.environment().put("CORRAL_MASTER_HEAP", heap);
        builder.environment().put("CORRAL_JAVA_OPTS", javaOpts);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes(); // until the process closes it: it has ended
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
