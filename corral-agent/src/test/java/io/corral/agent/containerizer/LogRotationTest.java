package io.corral.agent.containerizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation driven by explicit checks ({@link LogRotation#rotateAll}): no sleeps. */
class LogRotationTest {
    @TempDir
    Path sandbox;

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private void append(String stream, String text) throws IOException {
        Files.writeString(sandbox.resolve(stream), text, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    @Test
    void aFileOverMaxSizeIsCopiedToDot1AndTruncatedAndOlderCopiesMoveUp() throws Exception {
        LogRotation rotation = new LogRotation(new LogRotation.Policy(10, 2, Duration.ofSeconds(1)));
        rotation.watch(sandbox);
        append("stdout", "0123456789"); // exactly max size: kept as it is
        append("stderr", "e");
        rotation.rotateAll();
        assertThat(read(sandbox.resolve("stdout"))).isEqualTo("0123456789");

        append("stdout", "A");
        rotation.rotateAll();
        assertThat(read(sandbox.resolve("stdout"))).isEmpty();
        assertThat(read(sandbox.resolve("stdout.1"))).isEqualTo("123456789A"); // the newest max-size bytes
        assertThat(read(sandbox.resolve("stdout.2"))).isEqualTo("0");

        append("stdout", "bbbbbbbbbbbb");
        rotation.rotateAll();
        assertThat(read(sandbox.resolve("stdout.1"))).isEqualTo("bbbbbbbbbb");
        assertThat(read(sandbox.resolve("stdout.2"))).isEqualTo("bb");
        // .1 of the last check would be .3: more than max files, gone.
        assertThat(sandbox.resolve("stdout.3")).doesNotExist();
        assertThat(read(sandbox.resolve("stderr"))).isEqualTo("e");

        rotation.unwatch(sandbox);
        append("stdout", "not rotated any more: the task ended");
        rotation.rotateAll();
        assertThat(read(sandbox.resolve("stdout"))).startsWith("not rotated");
    }

    @Test
    void aRunningTaskWritingFastStaysWithinMaxSizeTimesFilesPlusOne() throws Exception {
        long maxSize = 256 * 1024;
        int maxFiles = 3;
        long total = 64L * 1024 * 1024; // what the task writes: 256 times max size
        LogRotation rotation = new LogRotation(new LogRotation.Policy(maxSize, maxFiles, Duration.ofSeconds(1)));
        rotation.watch(sandbox);
        Path stdout = sandbox.resolve("stdout");
        // As the launcher starts tasks: output appended (>>), so the task writes at the end of whatever is there.
        Process task = new ProcessBuilder("/bin/sh", "-c", "head -c " + total + " /dev/zero | tr '\\0' x >>stdout")
                .directory(sandbox.toFile()).start();
        long checks = 0;
        long mostOnDisk = 0;
        while (task.isAlive()) {
            rotation.rotateAll();
            checks++;
            long onDisk = streamBytes();
            // Right after a check the bound holds, but for what the task wrote since (a few pipe buffers at most).
            mostOnDisk = Math.max(mostOnDisk, onDisk);
            assertThat(rotatedFiles()).allSatisfy(f -> assertThat(Files.size(f)).isLessThanOrEqualTo(maxSize));
            assertThat(rotatedFiles()).hasSizeLessThanOrEqualTo(maxFiles);
        }
        assertThat(task.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(task.exitValue()).isZero();
        rotation.unwatch(sandbox);
        long onDisk = streamBytes();
        System.out.printf("LogRotation: task wrote %,d bytes; %,d checks; at most %,d bytes on disk after a check"
                + " (bound %,d plus what the task wrote since); %,d at the end%n", total, checks, mostOnDisk,
                maxSize * (maxFiles + 1), onDisk);
        assertThat(onDisk).isLessThanOrEqualTo(maxSize * (maxFiles + 1));
        // The file is not sparse: with O_APPEND the task wrote from offset 0 after each truncation.
        assertThat(Files.size(stdout)).isLessThanOrEqualTo(maxSize);
        assertThat(read(stdout).chars().allMatch(c -> c == 'x')).isTrue();
    }

    private long streamBytes() throws IOException {
        try (Stream<Path> files = Files.list(sandbox)) {
            return files.filter(f -> f.getFileName().toString().startsWith("stdout")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException gone) {
                    return 0; // moved between listing and measuring
                }
            }).sum();
        }
    }

    private java.util.List<Path> rotatedFiles() throws IOException {
        try (Stream<Path> files = Files.list(sandbox)) {
            return files.filter(f -> f.getFileName().toString().matches("stdout\\.\\d+")).toList();
        }
    }
}
