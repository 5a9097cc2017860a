package io.corral.agent.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.resources.ResourceSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mesos's rules for the gpus an agent offers, against a machine with three GPUs (a scripted nvidia-smi) or none. */
class GpuResourcesTest {
    private static final List<String> GPU = List.of("cgroups/mem", "gpu/nvidia");
    private static final String BASE = "cpus:4;mem:1024;disk:100;ports:[31000-32000]";

    @TempDir Path dir;
    private NvidiaGpuDetector threeGpus;
    private NvidiaGpuDetector noGpu;

    @BeforeEach
    void machines() throws Exception {
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\nprintf '0, 0\\n1, 1\\n2, 4\\n'\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        threeGpus = new NvidiaGpuDetector(Optional.of(smi), dir);
        noGpu = new NvidiaGpuDetector(Optional.empty(), dir.resolve("empty-dev"));
    }

    @Test
    void withTheIsolatorEveryGpuOfTheMachineIsOffered() throws Exception {
        GpuResources gpus = GpuResources.resolve(null, GPU, Optional.empty(), threeGpus);

        assertThat(gpus.offered()).extracting(NvidiaGpu::index).containsExactly(0, 1, 2);
        assertThat(gpus.applyTo(ResourceSet.parse(BASE), null).scalar("gpus")).isEqualTo(3.0);
        assertThat(gpus.applyTo(ResourceSet.parse(BASE), BASE).scalar("cpus")).isEqualTo(4.0);
    }

    @Test
    void aMachineWithoutGpusOffersNoGpusResourceAtAll() throws Exception {
        GpuResources gpus = GpuResources.resolve(null, GPU, Optional.empty(), noGpu);

        assertThat(gpus.offered()).isEmpty();
        assertThat(gpus.applyTo(ResourceSet.parse(BASE), null).toList()).extracting(Resource::getName)
                .containsExactlyInAnyOrder("cpus", "mem", "disk", "ports");
    }

    @Test
    void withoutTheIsolatorNothingIsDetectedAndGpusInTheFlagPassThrough() throws Exception {
        GpuResources gpus = GpuResources.resolve(BASE + ";gpus:2", List.of("cgroups/mem"), Optional.empty(),
                threeGpus);

        assertThat(gpus.isolated()).isFalse();
        assertThat(gpus.applyTo(ResourceSet.parse(BASE + ";gpus:2"), BASE + ";gpus:2").scalar("gpus"))
                .isEqualTo(2.0);
        assertThat(GpuResources.resolve(null, List.of(), Optional.empty(), threeGpus)
                .applyTo(ResourceSet.parse(BASE), null).scalar("gpus")).isZero();
        assertThatThrownBy(() -> GpuResources.resolve(null, List.of(), Optional.of(List.of(0)), threeGpus))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--isolation contains gpu/nvidia");
    }

    @Test
    void theDevicesFlagChoosesWhichGpusWithAMatchingCount() throws Exception {
        String flag = BASE + ";gpus:2";
        GpuResources gpus = GpuResources.resolve(flag, GPU, Optional.of(List.of(2, 0)), threeGpus);

        assertThat(gpus.offered()).containsExactly(new NvidiaGpu(0, 0), new NvidiaGpu(2, 4));
        assertThat(gpus.machine().gpus()).hasSize(3); // the third is denied to every task
        assertThat(gpus.applyTo(ResourceSet.parse(flag), flag).scalar("gpus")).isEqualTo(2.0);
    }

    @Test
    void contradictoryFlagsAreRefusedWithMesossReasons() {
        assertThatThrownBy(() -> GpuResources.resolve(BASE + ";gpus:2", GPU, Optional.empty(), threeGpus))
                .hasMessageContaining("needs --nvidia-gpu-devices");
        assertThatThrownBy(() -> GpuResources.resolve(BASE, GPU, Optional.of(List.of(0)), threeGpus))
                .hasMessageContaining("needs gpus:1 in --resources");
        assertThatThrownBy(() -> GpuResources.resolve(BASE + ";gpus:2", GPU, Optional.of(List.of(0)), threeGpus))
                .hasMessageContaining("offers gpus:2 but --nvidia-gpu-devices lists 1");
        assertThatThrownBy(() -> GpuResources.resolve(BASE + ";gpus:2", GPU, Optional.of(List.of(1, 1)), threeGpus))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> GpuResources.resolve(BASE + ";gpus:1.5", GPU, Optional.of(List.of(1)), threeGpus))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> GpuResources.resolve(BASE + ";gpus:1", GPU, Optional.of(List.of(5)), threeGpus))
                .hasMessageContaining("GPU 5, which this machine does not have");
        assertThatThrownBy(() -> GpuResources.resolve(BASE + ";gpus:0", GPU, Optional.of(List.of(0)), threeGpus))
                .hasMessageContaining("0 gpus");
    }

    @Test
    void gpusZeroTurnsDetectionOff() throws Exception {
        assertThat(GpuResources.resolve(BASE + ";gpus:0", GPU, Optional.empty(), threeGpus).offered()).isEmpty();
    }
}
