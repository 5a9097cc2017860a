package io.corral.agent.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding GPUs through a real (scripted) nvidia-smi or real device nodes made for the test. */
class NvidiaGpuDetectorTest {

    @TempDir Path dir;

    @Test
    void nvidiaSmiSaysWhichGpusThereAreAndTheirMinors() throws Exception {
        Path smi = script("nvidia-smi", "[ \"$1\" = --query-gpu=index,minor_number ] || exit 3\n"
                + "printf '0, 2\\n1, 0\\n'");

        NvidiaGpuDetector.Machine machine = new NvidiaGpuDetector(Optional.of(smi), dir.resolve("dev")).detect();

        assertThat(machine.gpus()).containsExactly(new NvidiaGpu(0, 2), new NvidiaGpu(1, 0));
        assertThat(machine.controlDevices()).isEmpty();
    }

    @Test
    void aFailingNvidiaSmiStopsTheAgentRatherThanGuess() throws Exception {
        Path smi = script("nvidia-smi", "echo 'NVIDIA-SMI has failed because it could not communicate with the"
                + " NVIDIA driver' ; exit 9");

        assertThatThrownBy(() -> new NvidiaGpuDetector(Optional.of(smi), dir).detect())
                .isInstanceOf(IOException.class).hasMessageContaining("exit 9")
                .hasMessageContaining("could not communicate");
    }

    @Test
    void withoutNvidiaSmiTheDeviceNodesAreCountedInMinorOrder() throws Exception {
        Path dev = dir.resolve("dev");
        FakeNvidiaDevices.create(dev, 3, 0);
        Files.writeString(dev.resolve("nvidia7"), "a regular file is no GPU");
        FakeNvidiaDevices.mknod(dev.resolve("nvidia9"), 1, 3); // /dev/null's numbers: not the NVIDIA driver's

        NvidiaGpuDetector.Machine machine = new NvidiaGpuDetector(Optional.empty(), dev).detect();

        assertThat(machine.gpus()).containsExactly(new NvidiaGpu(0, 0), new NvidiaGpu(1, 3));
        assertThat(machine.controlDevices()).containsExactly(
                new NvidiaGpuDetector.DeviceNode(dev.resolve("nvidiactl"), 195, 255));
    }

    @Test
    void aMachineWithoutNvidiaDevicesHasNoGpus() throws Exception {
        assertThat(new NvidiaGpuDetector(Optional.empty(), dir).detect()).isEqualTo(NvidiaGpuDetector.Machine.NONE);
        assertThat(new NvidiaGpuDetector(Optional.empty(), dir.resolve("missing")).detect().gpus()).isEmpty();
    }

    @Test
    void linuxDeviceNumbersAreDecodedAsGlibcDoes() {
        long dev = (195L << 8) | 7; // old-style encoding, what st_rdev holds for small numbers
        assertThat(NvidiaGpuDetector.major(dev)).isEqualTo(195);
        assertThat(NvidiaGpuDetector.minor(dev)).isEqualTo(7);
        long big = ((511L & 0xfff) << 8) | ((511L & ~0xfffL) << 32) | (300L & 0xff) | ((300L & ~0xffL) << 12);
        assertThat(NvidiaGpuDetector.major(big)).isEqualTo(511);
        assertThat(NvidiaGpuDetector.minor(big)).isEqualTo(300);
    }

    private Path script(String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
